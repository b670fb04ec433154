import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerCommand, WorkerLog, WorkerSetup, WorkerStatus } from './watch-worker';

/** Loads the TypeScript worker through tsx, with the workspace's path aliases. */
function bootstrap(file: string): string {
  const tsconfig = join(__dirname, '..', 'tsconfig.base.json');
  return [
    `process.env.TSX_TSCONFIG_PATH ??= ${JSON.stringify(tsconfig)};`,
    `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();`,
    `require(${JSON.stringify(file)});`,
  ].join('\n');
}

class WatchWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  private failure: Error | undefined;
  readonly ready: Promise<void>;

  constructor(readonly worker: Worker) {
    let resolveReady: () => void = () => undefined;
    let rejectReady: (err: Error) => void = () => undefined;
    this.ready = new Promise((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    worker.on('message', (message: { id?: number; result?: unknown; ready?: boolean }) => {
      if (message.ready) return resolveReady();
      if (message.id === undefined) return;
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      waiter?.resolve(message.result);
    });
    const fail = (err: Error): void => {
      this.failure ??= err;
      rejectReady(err);
      for (const waiter of this.waiting.values()) waiter.reject(err);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`watch worker exited with code ${code}`)));
  }

  call<T>(cmd: WorkerCommand['cmd']): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.worker.postMessage({ id, cmd } satisfies WorkerCommand);
    });
  }
}

export interface PoolLog {
  rv: Float64Array;
  at: Float64Array;
  perWatcher: Uint32Array;
  outOfOrder: number;
}

/**
 * `watchers` ApiClient watches on pods of one namespace, spread over `threads` worker threads
 * (each with its own gRPC connection). Receipt times are ms since the epoch.
 */
export class WatcherPool {
  private constructor(private readonly workers: WatchWorker[]) {}

  static async open(options: { address: string; namespace: string; watchers: number; threads: number; capacityPerWatcher: number }): Promise<WatcherPool> {
    const workers: WatchWorker[] = [];
    for (let t = 0; t < options.threads; t++) {
      const share = Math.floor(options.watchers / options.threads) + (t < options.watchers % options.threads ? 1 : 0);
      const setup: WorkerSetup = { address: options.address, namespace: options.namespace, watchers: share, capacity: share * options.capacityPerWatcher };
      const worker = new Worker(bootstrap(join(__dirname, 'watch-worker.ts')), { eval: true, workerData: setup });
      workers.push(new WatchWorker(worker));
    }
    const pool = new WatcherPool(workers);
    await Promise.all(workers.map((w) => w.ready));
    return pool;
  }

  async status(): Promise<WorkerStatus> {
    const all = await Promise.all(this.workers.map((w) => w.call<WorkerStatus>('status')));
    return {
      size: all.reduce((sum, s) => sum + s.size, 0),
      minPerWatcher: Math.min(...all.map((s) => s.minPerWatcher)),
      outOfOrder: all.reduce((sum, s) => sum + s.outOfOrder, 0),
      malformed: all.reduce((sum, s) => sum + s.malformed, 0),
    };
  }

  async reset(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call('reset')));
  }

  async collect(): Promise<PoolLog> {
    const logs = await Promise.all(this.workers.map((w) => w.call<WorkerLog>('collect')));
    const concat = <A extends Float64Array | Uint32Array>(make: (n: number) => A, parts: A[]): A => {
      const out = make(parts.reduce((sum, p) => sum + p.length, 0));
      let offset = 0;
      for (const p of parts) {
        out.set(p, offset);
        offset += p.length;
      }
      return out;
    };
    return {
      rv: concat((n) => new Float64Array(n), logs.map((l) => l.rv)),
      at: concat((n) => new Float64Array(n), logs.map((l) => l.at)),
      perWatcher: concat((n) => new Uint32Array(n), logs.map((l) => l.perWatcher)),
      outOfOrder: logs.reduce((sum, l) => sum + l.outOfOrder, 0),
    };
  }

  /** Closes every watch and ends the threads. */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        const timeout = new Promise((r) => setTimeout(r, 5000).unref());
        await Promise.race([w.call('close'), timeout]).catch(() => undefined);
        await w.worker.terminate();
      }),
    );
  }
}
