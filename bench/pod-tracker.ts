import { performance } from 'node:perf_hooks';
import type { corev1 } from '@minik8s/api';
import { Pods, type ApiClient, type WatchStream } from '@minik8s/client';

/**
 * Watches the pods of one namespace and records, per pod index (pods are named `<prefix><i>`),
 * when spec.nodeName first appeared and when the pod was deleted. Times are performance.now().
 */
export class PodTracker {
  readonly boundAt: Float64Array;
  readonly nodeOf: (string | undefined)[];
  bound = 0;
  deleted = 0;
  added = 0;
  lastBoundAt = 0;
  firstBoundAt = Infinity;
  private stream: WatchStream<corev1.Pod> | undefined;
  private done: Promise<void> | undefined;
  private watchError: unknown;
  private waiters: (() => void)[] = [];
  /** Called for each tracked pod first seen without a node (the raw binder's trigger). */
  onPending: ((i: number, pod: corev1.Pod) => void) | undefined;

  constructor(
    private readonly client: ApiClient,
    readonly namespace: string,
    readonly prefix: string,
    readonly count: number,
  ) {
    this.boundAt = new Float64Array(count);
    this.nodeOf = new Array(count);
  }

  /** Lists (to get a resourceVersion) and starts the watch from there. */
  async start(): Promise<void> {
    const api = this.client.resource(Pods).namespace(this.namespace);
    const list = await api.list({ limit: 1 });
    const stream = api.watch({ resourceVersion: list.resourceVersion });
    this.stream = stream;
    this.done = (async () => {
      try {
        for await (const ev of stream) this.onEvent(ev.type, ev.object);
      } catch (err) {
        this.watchError = err;
      }
      this.wake();
    })();
  }

  private index(name: string | undefined): number {
    if (!name?.startsWith(this.prefix)) return -1;
    const i = Number(name.slice(this.prefix.length));
    return Number.isInteger(i) && i >= 0 && i < this.count ? i : -1;
  }

  private onEvent(type: string, pod: corev1.Pod): void {
    const i = this.index(pod.metadata?.name);
    if (i < 0) return;
    const now = performance.now();
    if (type === 'ADDED') this.added++;
    if (type === 'DELETED') this.deleted++;
    const node = pod.spec?.nodeName;
    if (type === 'ADDED' && !node) this.onPending?.(i, pod);
    if (node && this.boundAt[i] === 0) {
      this.boundAt[i] = now;
      this.nodeOf[i] = node;
      this.bound++;
      this.lastBoundAt = now;
      if (now < this.firstBoundAt) this.firstBoundAt = now;
    }
    this.wake();
  }

  /**
   * Bindings per second between the first and the last binding seen: (bound − 1) / (last − first),
   * the rate of whatever did the binding once it was going, without its start-up.
   */
  bindingRate(): number {
    if (this.bound < 2 || this.lastBoundAt <= this.firstBoundAt) return NaN;
    return (this.bound - 1) / ((this.lastBoundAt - this.firstBoundAt) / 1000);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Waits until `done()` holds. Gives up when nothing has changed for `stallMs` or at `deadlineMs`
   * (absolute, performance.now()); returns whether the condition was met.
   */
  async waitUntil(done: () => boolean, stallMs: number, deadlineMs: number): Promise<boolean> {
    let lastProgress = performance.now();
    let lastState = -1;
    while (!done()) {
      if (this.watchError) throw this.watchError instanceof Error ? this.watchError : new Error(String(this.watchError));
      const state = this.bound * 1e6 + this.deleted * 1e3 + this.added;
      const now = performance.now();
      if (state !== lastState) {
        lastState = state;
        lastProgress = now;
      }
      if (now - lastProgress > stallMs || now > deadlineMs) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  async stop(): Promise<void> {
    this.stream?.close();
    await this.done;
  }
}
