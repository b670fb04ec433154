/**
 * The way the node's network pieces reconcile: syncs never overlap, requests arriving during one
 * make exactly one more, a failed sync is retried after a pause (and forced), and a slow periodic
 * resync catches anything an event missed. `force` asks the next sync to redo everything rather
 * than only what looks changed.
 */
export interface SyncLoopOptions {
  sync: (force: boolean) => Promise<void>;
  /** Told of each failed sync before the retry is scheduled. */
  onError: (err: Error, retryMs: number) => void;
  retryMs: number;
}

export class SyncLoop {
  private running: Promise<void> | undefined;
  private again = false;
  private forceNext = false;
  private retry: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: SyncLoopOptions) {}

  request(force = false): void {
    if (this.stopped) return;
    this.forceNext ||= force;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** A (forced) sync every `ms`; 0: never. */
  resyncEvery(ms: number): void {
    if (ms <= 0 || this.periodic) return;
    this.periodic = setInterval(() => this.request(true), ms);
    this.periodic.unref?.();
  }

  /** Resolves once no sync is running (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.periodic) clearInterval(this.periodic);
    await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const force = this.forceNext;
      this.forceNext = false;
      try {
        await this.options.sync(force);
      } catch (err) {
        this.options.onError(err as Error, this.options.retryMs);
        if (!this.stopped && !this.retry) {
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.request(true);
          }, this.options.retryMs);
        }
        return;
      }
    } while (this.again && !this.stopped);
  }
}
