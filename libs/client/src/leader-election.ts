import { isAlreadyExists, isConflict, isNotFound, type coordinationv1 } from '@minik8s/api';
import type { Logger } from '@minik8s/logging';
import type { ApiClient, ResourceClient } from './api-client';
import { realClock, type Clock } from './clock';
import { Leases } from './kinds';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Kubernetes' MicroTime form. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
}

/**
 * client-go's Lease lock: acquire the Lease when it is free or expired, renew it every retry
 * period, and give up leadership if it cannot renew before the renew deadline. Every write is a
 * compare-and-swap on resourceVersion, so two candidates never both lead.
 */
export class LeaderElector {
  private readonly leases: ResourceClient<coordinationv1.Lease>;
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private leading = false;

  constructor(
    client: ApiClient,
    private readonly options: LeaderElectionOptions,
  ) {
    this.leases = client.resource(Leases).namespace(options.namespace);
    this.clock = options.clock ?? realClock;
    this.leaseMs = (options.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadlineMs = (options.renewDeadlineSeconds ?? 10) * 1000;
    this.retryMs = (options.retryPeriodSeconds ?? 2) * 1000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until elected, calls `lead` with a signal that aborts when leadership is lost, and
   * returns when leadership ends or `signal` aborts.
   */
  async run(lead: (lost: AbortSignal) => Promise<void> | void, signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
      await this.clock.sleep(this.retryMs, signal);
    }
    if (signal.aborted) return;
    this.leading = true;
    this.options.logger?.info({ lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity }, 'became leader');
    const lost = new AbortController();
    const onAbort = (): void => lost.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const leadership = Promise.resolve(lead(lost.signal));
    let lastRenew = this.clock.now();
    while (!lost.signal.aborted) {
      await this.clock.sleep(this.retryMs, lost.signal);
      if (lost.signal.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.clock.now();
      } else if (this.clock.now() - lastRenew > this.renewDeadlineMs) {
        this.options.logger?.warn({ identity: this.options.identity }, 'failed to renew the lease; leadership lost');
        lost.abort();
      }
    }
    signal.removeEventListener('abort', onAbort);
    this.leading = false;
    await leadership;
    if (signal.aborted) await this.release();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const { identity, name } = this.options;
    try {
      let lease: coordinationv1.Lease;
      try {
        lease = await this.leases.get(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await this.leases.create({
          metadata: { name, namespace: this.options.namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: this.leaseMs / 1000,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return true;
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
      const duration = (spec.leaseDurationSeconds ?? this.leaseMs / 1000) * 1000;
      if (holder && holder !== identity && renewed + duration > now) return false;
      const taking = holder !== identity;
      lease.spec = {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: this.leaseMs / 1000,
        renewTime: microTime(now),
        acquireTime: taking ? microTime(now) : spec.acquireTime,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (taking && holder ? 1 : 0),
      };
      await this.leases.update(lease);
      return true;
    } catch (err) {
      if (isConflict(err) || isAlreadyExists(err)) return false;
      this.options.logger?.debug({ err: (err as Error).message }, 'lease attempt failed');
      return false;
    }
  }

  /** Hands the lease back on a clean shutdown so another candidate takes over at once. */
  private async release(): Promise<void> {
    try {
      const lease = await this.leases.get(this.options.name);
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.clock.now()) };
      await this.leases.update(lease);
    } catch {
      // Best effort: the lease expires on its own.
    }
  }
}
