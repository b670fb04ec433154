import type { Clock } from '@minik8s/client';

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

/**
 * client-go's flowcontrol.Backoff, as the DaemonSet controller uses it for failed pods: each key
 * (DaemonSet, generation, node) doubles its delay from `initialMs` up to `maxMs` each time a
 * failed pod is deleted, so a pod the kubelet keeps rejecting is not recreated in a hot loop.
 * An entry untouched for twice `maxMs` starts over.
 */
export class FailedPodsBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    readonly initialMs = 1000,
    readonly maxMs = 15 * 60 * 1000,
  ) {}

  private expired(entry: Entry, nowMs: number): boolean {
    return nowMs - entry.lastUpdate > 2 * this.maxMs;
  }

  /** Records one more failure of `key`. */
  next(key: string): void {
    const now = this.clock.now();
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, now)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: now });
      return;
    }
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.maxMs);
    entry.lastUpdate = now;
  }

  /** Whether `key`'s delay since its last failure has not passed yet. */
  inBackoff(key: string): boolean {
    const now = this.clock.now();
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, now)) return false;
    return now - entry.lastUpdate < entry.backoffMs;
  }

  /** The current delay of `key` (0 when it has none). */
  delayMs(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Drops the entries that have expired. */
  gc(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) if (this.expired(entry, now)) this.entries.delete(key);
  }
}
