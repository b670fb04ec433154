/**
 * The etcd leases of objects that expire (Events, after the apiserver's --event-ttl).
 *
 * A lease of its own for every write would cost etcd a grant per write and a lease per object to
 * track and expire. As in Kubernetes' apiserver, writes share a lease instead: it is granted for
 * the TTL plus a short reuse window, and serves every write whose TTL it still honours, so each
 * object lives at least its TTL and at most the TTL plus the window.
 */

export interface LeaseManagerOptions {
  /** Longest reuse window, seconds (Kubernetes: 60). */
  maxReuseSeconds?: number;
  /** Reuse window as a share of the TTL, when that is shorter (Kubernetes: 5%). */
  reuseShare?: number;
  /** Objects one lease may carry before a new one is granted (Kubernetes: 1,000). */
  maxObjectsPerLease?: number;
}

interface CurrentLease {
  id: bigint;
  /** When etcd drops the lease, at the latest by our clock (ms). */
  expiresAtMs: number;
  objects: number;
}

export class LeaseManager {
  private readonly current = new Map<number, CurrentLease>();
  /** Grants in flight, by TTL: writes that arrive meanwhile wait for the same lease. */
  private readonly granting = new Map<number, Promise<CurrentLease>>();
  private readonly maxReuseSeconds: number;
  private readonly reuseShare: number;
  private readonly maxObjectsPerLease: number;

  constructor(
    private readonly grant: (ttlSeconds: number) => Promise<bigint>,
    private readonly now: () => number = Date.now,
    options: LeaseManagerOptions = {},
  ) {
    this.maxReuseSeconds = options.maxReuseSeconds ?? 60;
    this.reuseShare = options.reuseShare ?? 0.05;
    this.maxObjectsPerLease = options.maxObjectsPerLease ?? 1000;
  }

  /** The reuse window for a TTL, in whole seconds. */
  reuseSeconds(ttlSeconds: number): number {
    return Math.min(this.maxReuseSeconds, Math.floor(ttlSeconds * this.reuseShare));
  }

  /** A lease that keeps an object written now for at least `ttlSeconds` and not much longer. */
  async leaseFor(ttlSeconds: number): Promise<bigint> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error(`lease TTL must be a positive number of seconds, not ${ttlSeconds}`);
    const lease = this.current.get(ttlSeconds);
    if (lease && this.honours(lease, ttlSeconds)) {
      lease.objects++;
      return lease.id;
    }
    let pending = this.granting.get(ttlSeconds);
    if (!pending) {
      pending = this.grantNew(ttlSeconds);
      this.granting.set(ttlSeconds, pending);
      const forget = (): void => void this.granting.delete(ttlSeconds);
      pending.then(forget, forget);
    }
    const granted = await pending;
    granted.objects++;
    return granted.id;
  }

  /**
   * Forgets lease `id` when etcd no longer has it (revoked by hand, or lost with etcd's data), so
   * the next write gets a new one instead of failing until the reuse window has passed.
   */
  forget(id: bigint): void {
    for (const [ttl, lease] of this.current) if (lease.id === id) this.current.delete(ttl);
  }

  private honours(lease: CurrentLease, ttlSeconds: number): boolean {
    const now = this.now();
    const earliest = now + ttlSeconds * 1000;
    const latest = earliest + this.reuseSeconds(ttlSeconds) * 1000;
    return lease.expiresAtMs >= earliest && lease.expiresAtMs <= latest && lease.objects < this.maxObjectsPerLease;
  }

  private async grantNew(ttlSeconds: number): Promise<CurrentLease> {
    const leaseSeconds = ttlSeconds + this.reuseSeconds(ttlSeconds);
    // etcd starts the lease's clock when it grants it, after this moment: the lease ends no sooner.
    const requestedAt = this.now();
    const id = await this.grant(leaseSeconds);
    const lease = { id, expiresAtMs: requestedAt + leaseSeconds * 1000, objects: 0 };
    this.current.set(ttlSeconds, lease);
    return lease;
  }
}
