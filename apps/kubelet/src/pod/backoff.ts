import { realClock, type Clock } from '@minik8s/client';

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

/**
 * Per-key exponential back-off as the kubelet uses for crashing containers and failing pulls:
 * `next` doubles the delay (from `initialMs` up to `maxMs`), and an entry idle for twice the
 * maximum starts over. `isInBackOffSince(key, t)` is true while less than the current delay has
 * passed since `t` (the last failure).
 */
export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
    private readonly clock: Clock = realClock,
  ) {}

  private expired(entry: Entry, eventTime: number): boolean {
    return eventTime - entry.lastUpdate > 2 * this.maxMs;
  }

  /** Records one more failure at `eventTime` and grows the delay. */
  next(key: string, eventTime = this.clock.now()): void {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, eventTime)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: eventTime });
      return;
    }
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.maxMs);
    entry.lastUpdate = eventTime;
  }

  /** The current delay of `key` (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  isInBackOffSince(key: string, eventTime: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, this.clock.now())) return false;
    return this.clock.now() - eventTime < entry.backoffMs;
  }

  /** Milliseconds until `key`'s back-off since `eventTime` ends (0 when not backing off). */
  remaining(key: string, eventTime: number): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    return Math.max(0, eventTime + entry.backoffMs - this.clock.now());
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key whose last update is older than twice the maximum, or that match `prefix`. */
  gc(prefix?: string): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) {
      if ((prefix !== undefined && key.startsWith(prefix)) || now - entry.lastUpdate > 2 * this.maxMs) this.entries.delete(key);
    }
  }
}
