import { isConflict, isNotFound, type corev1 } from '@minik8s/api';
import { Pods, WorkQueue, keyOf, runWorkers, splitKey, type ApiClient, type Clock, type Informer } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import { describeBehaviour, parseHollowAnnotations } from './annotations';
import type { HollowNodesConfig } from './config';
import type { Ipv4Cidr, PodIpAllocator } from './ip-allocator';
import type { HollowNode } from './node-registration';
import { decidePod, DELETION_OBSERVED, isTerminal, TERMINAL_PHASES, type Instants } from './pod-status';
import { RequeueTimers } from './requeue-timers';

/** The hollow nodes this process plays, and the range each hands pod IPs from. */
export interface NodeDirectory {
  get(name: string): HollowNode | undefined;
  /** The Node's spec.podCIDR when it has an IPv4 one, else its fallback /24. */
  podRange(node: HollowNode): Ipv4Cidr;
}

/**
 * The apiserver's pods/binding writes spec.nodeName and then, in a second write, the PodScheduled
 * condition; a status written between the two makes the binding fail with Conflict although the
 * pod is bound. So a pod not yet started waits (up to this long) until PodScheduled is True. A
 * pod created with spec.nodeName already set never gets PodScheduled and starts after this wait.
 */
export const BINDING_SETTLE_MS = 1000;

export interface PodLifecycleStats {
  /** Pods moved from not started to Running. */
  started: number;
  statusWrites: number;
  deletions: number;
  /** Syncs retried because the pod changed under them (a stale cache); expected now and then. */
  conflicts: number;
  syncErrors: number;
}

/**
 * The pod half of a kubelet for every hollow node: informer handlers only queue `namespace/name`
 * keys of pods bound to our nodes; `sync(key)` re-reads the cache, asks `decidePod` what the
 * pod's status should be, writes it through pods/status, deletes pods whose graceful deletion is
 * over, and sets a wake-up for the next timed change (an exit, a restart, readiness).
 */
export class PodLifecycle {
  readonly queue = new WorkQueue<string>({ baseDelayMs: 10, maxDelayMs: 30_000 });
  readonly stats: PodLifecycleStats = { started: 0, statusWrites: 0, deletions: 0, conflicts: 0, syncErrors: 0 };
  private readonly timers: RequeueTimers<string>;
  /** Pods seen on our nodes, by key, so a vanished pod's IP and instants are released. */
  private readonly holders = new Map<string, { uid: string; node: string; holdsIp: boolean }>();
  private readonly instants = new Map<string, Map<string, number>>();
  private readonly warned = new Set<string>();
  /** Pods seen bound but not yet PodScheduled, with when we first saw them. */
  private readonly unsettled = new Map<string, number>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly pods: Informer<corev1.Pod>,
    private readonly nodes: NodeDirectory,
    private readonly allocator: PodIpAllocator,
    private readonly config: HollowNodesConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.timers = new RequeueTimers((key) => this.queue.add(key), clock);
    pods.addEventHandler({
      onAdd: (pod) => this.observe(pod),
      onUpdate: (old, pod) => {
        if (this.isOurs(pod)) this.observe(pod);
        else if (this.isOurs(old)) this.queue.add(keyOf(old));
      },
      onDelete: (pod) => {
        if (this.isOurs(pod)) this.queue.add(keyOf(pod));
      },
    });
  }

  private isOurs(pod: corev1.Pod): boolean {
    const node = pod.spec?.nodeName;
    return !!node && this.nodes.get(node) !== undefined;
  }

  /** Queues a pod of ours; an IP it already has (a restart) is reserved before anything is allocated. */
  private observe(pod: corev1.Pod): void {
    if (!this.isOurs(pod)) return;
    const key = keyOf(pod);
    const ip = pod.status?.podIP;
    const uid = pod.metadata?.uid ?? '';
    if (ip && !pod.spec?.hostNetwork && !isTerminal(pod) && !this.holders.has(key)) {
      this.allocator.reserve(pod.spec?.nodeName ?? '', uid, ip);
      this.holders.set(key, { uid, node: pod.spec?.nodeName ?? '', holdsIp: true });
    }
    this.queue.add(key);
  }

  /** Starts the workers; call once the pod informer has synced. */
  start(): void {
    this.running ??= runWorkers(this.queue, (key) => this.sync(key), this.config.workers, (key, err) => {
      if (isConflict(err)) {
        this.stats.conflicts++;
        this.logger.debug({ pod: key }, 'pod changed while syncing; retrying');
      } else {
        this.stats.syncErrors++;
        this.logger.warn({ pod: key, err: (err as Error).message }, 'pod sync failed; retrying');
      }
    });
  }

  async stop(): Promise<void> {
    this.timers.stop();
    this.queue.shutDown();
    await this.running;
  }

  private release(key: string): void {
    const holder = this.holders.get(key);
    if (!holder) return;
    if (holder.holdsIp) this.allocator.release(holder.node, holder.uid);
    this.holders.delete(key);
    this.instants.delete(holder.uid);
  }

  private noteInstants(uid: string, instants: Record<string, number>, overwrite: boolean): void {
    let book = this.instants.get(uid);
    for (const [k, ms] of Object.entries(instants)) {
      if (!book) this.instants.set(uid, (book = new Map()));
      if (overwrite || !book.has(k)) book.set(k, ms);
    }
  }

  private instantsOf(uid: string): Instants {
    return { get: (k) => this.instants.get(uid)?.get(k) };
  }

  /** Level-triggered: brings one pod's status to what its hollow node would report now. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    const node = pod ? this.nodes.get(pod.spec?.nodeName ?? '') : undefined;
    const uid = pod?.metadata?.uid ?? '';
    const holder = this.holders.get(key);
    if (holder && (!pod || !node || holder.uid !== uid)) this.release(key);
    if (!pod || !node) {
      this.timers.cancel(key);
      this.unsettled.delete(key);
      return;
    }

    const deleting = !!pod.metadata?.deletionTimestamp;
    const now = this.clock.now();
    if (!pod.status?.startTime && !deleting && !isTerminal(pod)) {
      const scheduled = pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True');
      const firstSeen = this.unsettled.get(key) ?? now;
      if (!scheduled && now - firstSeen < BINDING_SETTLE_MS) {
        this.unsettled.set(key, firstSeen);
        this.timers.at(key, firstSeen + BINDING_SETTLE_MS);
        return;
      }
    }
    this.unsettled.delete(key);
    if (deleting) this.noteInstants(uid, { [DELETION_OBSERVED]: now }, false);

    const { behaviour, errors } = parseHollowAnnotations(pod.metadata?.annotations);
    if (errors.length > 0 && !this.warned.has(uid)) {
      this.warned.add(uid);
      if (this.warned.size > 100_000) this.warned.clear();
      this.logger.warn({ pod: key, errors }, 'ignoring unreadable hollow annotations');
    }

    let podIP = pod.status?.podIP ?? '';
    if (!podIP && !deleting && !isTerminal(pod)) {
      if (pod.spec?.hostNetwork) podIP = node.internalIP;
      else {
        podIP = this.allocator.allocate(node.name, uid, this.nodes.podRange(node));
        this.holders.set(key, { uid, node: node.name, holdsIp: true });
      }
    }
    if (!this.holders.has(key)) this.holders.set(key, { uid, node: node.name, holdsIp: false });

    const decision = decidePod({
      pod,
      now,
      hostIP: node.internalIP,
      podIP,
      behaviour,
      backOff: { baseMs: this.config.backOffBaseMs, maxMs: this.config.backOffMaxMs },
      terminationDelayMs: this.config.terminationDelayMs,
      instants: this.instantsOf(uid),
    });

    const pods = this.client.resource(Pods).namespace(namespace);
    if (decision.status) {
      const starting = !pod.status?.startTime;
      const meta = pod.metadata ?? {};
      await pods.updateStatus({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
        status: decision.status,
      });
      this.stats.statusWrites++;
      if (starting && decision.status.phase === 'Running') {
        this.stats.started++;
        this.logger.debug({ pod: key, node: node.name, podIP, behaviour: describeBehaviour(behaviour) }, 'pod running');
      }
      if (decision.instants) this.noteInstants(uid, decision.instants, true);
    }
    if (decision.delete) {
      try {
        await pods.delete(name, { gracePeriodSeconds: 0, preconditions: { uid } });
        this.stats.deletions++;
      } catch (err) {
        // Gone already, or replaced by a new pod of the same name: nothing of ours to delete.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    const phase = decision.status?.phase ?? pod.status?.phase ?? '';
    if (decision.delete || TERMINAL_PHASES.has(phase)) {
      this.release(key);
      this.timers.cancel(key);
    }
    if (decision.requeueAt !== undefined && !decision.delete) this.timers.at(key, decision.requeueAt);
  }
}
