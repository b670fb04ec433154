/** Puts a key back on a queue after a delay; tests substitute one that records the requests. */
export interface DelayedRequeue {
  /** Adds `key` after `delayMs`; an earlier pending time for the key wins, a later one is replaced. */
  schedule(key: string, delayMs: number): void;
  cancel(key: string): void;
  stop(): void;
}

/**
 * A DelayedRequeue on timers. Unlike WorkQueue.addAfter it replaces a pending later time with a
 * sooner one, which eviction deadlines need (a toleration shortened while a pod waits).
 */
export class TimerRequeue implements DelayedRequeue {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  constructor(private readonly add: (key: string) => void) {}

  schedule(key: string, delayMs: number): void {
    const delay = Math.max(0, delayMs);
    const at = Date.now() + delay;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delay);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  cancel(key: string): void {
    const pending = this.timers.get(key);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.timers.delete(key);
  }

  stop(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
