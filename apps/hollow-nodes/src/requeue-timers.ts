import type { Clock } from '@minik8s/client';

/**
 * One pending wake-up per key, the earliest asked for: `at(key, when)` replaces a later wake-up
 * with a sooner one and ignores a later one. (The work queue's `addAfter` keeps whichever timer
 * came first, so a pod waiting minutes in back-off would miss a sooner deadline, such as its
 * deletion's.) Due keys are handed to `fire`, normally the work queue's `add`.
 */
export class RequeueTimers<K> {
  private readonly timers = new Map<K, { due: number; timer: NodeJS.Timeout }>();
  private stopped = false;

  constructor(
    private readonly fire: (key: K) => void,
    private readonly clock: Clock,
  ) {}

  at(key: K, due: number): void {
    if (this.stopped) return;
    const pending = this.timers.get(key);
    if (pending && pending.due <= due) return;
    if (pending) clearTimeout(pending.timer);
    const delay = Math.max(0, due - this.clock.now());
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.fire(key);
    }, delay);
    this.timers.set(key, { due, timer });
  }

  cancel(key: K): void {
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending.timer);
    this.timers.delete(key);
  }

  get size(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
