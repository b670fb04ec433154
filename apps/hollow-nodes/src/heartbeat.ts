import { isConflict, isNotFound, type coordinationv1, type corev1 } from '@minik8s/api';
import { Leases, Nodes, type ApiClient, type Clock, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { HollowNodesConfig } from './config';
import { buildLease, NODE_LEASE_NAMESPACE, writeNodeStatus, type HollowNode } from './node-registration';
import { formatMicroTime } from './time';

export interface HeartbeatStats {
  leaseRenewals: number;
  leaseFailures: number;
  statusUpdates: number;
  statusFailures: number;
}

interface Beat {
  node: HollowNode;
  lease: coordinationv1.Lease | undefined;
  leaseTimer?: NodeJS.Timeout;
  statusTimer?: NodeJS.Timeout;
  inFlight: Set<Promise<void>>;
  /** Logged once per outage, not once per beat. */
  warned: boolean;
}

/**
 * A kubelet's two heartbeats for every hollow node: the node Lease renewed every
 * `leaseRenewIntervalMs`, and the NodeStatus (conditions' lastHeartbeatTime) posted every
 * `nodeStatusUpdateFrequencyMs`. Each node's timers start at a random phase so the writes spread
 * out. `stop` only stops them: Nodes and Leases stay, and go stale as a lost node's do.
 */
export class NodeHeartbeats {
  private readonly beats = new Map<string, Beat>();
  private stopped = false;
  readonly stats: HeartbeatStats = { leaseRenewals: 0, leaseFailures: 0, statusUpdates: 0, statusFailures: 0 };

  constructor(
    private readonly client: ApiClient,
    private readonly config: HollowNodesConfig,
    private readonly nodes: Lister<corev1.Node>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Starts beating for `node`, whose Lease (just created or taken over) is `lease`. */
  add(node: HollowNode, lease: coordinationv1.Lease | undefined): void {
    if (this.stopped || this.beats.has(node.name)) return;
    const beat: Beat = { node, lease, inFlight: new Set(), warned: false };
    this.beats.set(node.name, beat);
    this.schedule(beat, 'leaseTimer', Math.random() * this.config.leaseRenewIntervalMs, this.config.leaseRenewIntervalMs, () => this.renewLease(beat));
    this.schedule(beat, 'statusTimer', Math.random() * this.config.nodeStatusUpdateFrequencyMs, this.config.nodeStatusUpdateFrequencyMs, () =>
      this.postStatus(beat),
    );
  }

  private schedule(beat: Beat, slot: 'leaseTimer' | 'statusTimer', firstMs: number, everyMs: number, run: () => Promise<void>): void {
    if (this.stopped) return;
    beat[slot] = setTimeout(() => {
      const started = this.clock.now();
      const p = run().finally(() => {
        beat.inFlight.delete(p);
        // The next beat is due one interval after this one began, however long it took.
        this.schedule(beat, slot, Math.max(0, everyMs - (this.clock.now() - started)), everyMs, run);
      });
      beat.inFlight.add(p);
    }, firstMs);
  }

  /** Renews one lease now; a Lease someone deleted is created again, as the kubelet does. */
  async renewLease(beat: Beat): Promise<void> {
    const name = beat.node.name;
    const leases = this.client.resource(Leases).namespace(NODE_LEASE_NAMESPACE);
    try {
      for (let attempt = 1; ; attempt++) {
        if (this.stopped) return;
        try {
          if (!beat.lease) beat.lease = await leases.get(name);
          const renewTime = formatMicroTime(this.clock.now());
          beat.lease = await leases.update({ ...beat.lease, spec: { ...beat.lease.spec, holderIdentity: name, renewTime } });
          break;
        } catch (err) {
          beat.lease = undefined;
          if (isNotFound(err)) {
            const node = this.nodes.get(undefined, name);
            if (!node) throw err;
            beat.lease = await leases.create(buildLease(this.config, node, this.clock.now()));
            break;
          }
          if (!isConflict(err) || attempt >= 3) throw err;
        }
      }
      this.stats.leaseRenewals++;
      if (beat.warned) this.logger.info({ node: name }, 'lease renewals resumed');
      beat.warned = false;
    } catch (err) {
      this.stats.leaseFailures++;
      if (!beat.warned && !this.stopped) this.logger.warn({ node: name, err: (err as Error).message }, 'failed to renew node lease');
      beat.warned = true;
    }
  }

  /** Posts one NodeStatus heartbeat now. A deleted Node is not registered again (restart to do that). */
  async postStatus(beat: Beat): Promise<void> {
    const name = beat.node.name;
    try {
      const cached = this.nodes.get(undefined, name) ?? (await this.client.resource(Nodes).get(name));
      if (this.stopped) return;
      await writeNodeStatus(this.client, this.config, beat.node, cached, () => this.clock.now());
      this.stats.statusUpdates++;
    } catch (err) {
      this.stats.statusFailures++;
      if (!this.stopped) {
        const msg = isNotFound(err) ? 'node was deleted; not registering it again' : 'failed to update node status';
        this.logger.warn({ node: name, err: (err as Error).message }, msg);
      }
    }
  }

  /** Renews every lease and posts every status at once (tests and start-up use it). */
  async beatAll(): Promise<void> {
    await Promise.all([...this.beats.values()].map((b) => Promise.all([this.renewLease(b), this.postStatus(b)])));
  }

  /** Stops the timers and waits for beats in flight; nothing is deleted. */
  async stop(): Promise<void> {
    this.stopped = true;
    const pending: Promise<void>[] = [];
    for (const beat of this.beats.values()) {
      clearTimeout(beat.leaseTimer);
      clearTimeout(beat.statusTimer);
      pending.push(...beat.inFlight);
    }
    await Promise.allSettled(pending);
    for (const beat of this.beats.values()) {
      clearTimeout(beat.leaseTimer);
      clearTimeout(beat.statusTimer);
    }
  }
}
