/**
 * A worker thread that holds a share of the benchmark's watches, so that decoding their events
 * does not run on the writer's event loop. Commands come from WatcherPool (watch-pool.ts).
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { corev1 } from '@minik8s/api';
import { ApiClient, Pods, type WatchStream } from '@minik8s/client';

export interface WorkerSetup {
  address: string;
  namespace: string;
  watchers: number;
  /** Deliveries kept per phase before the log stops recording. */
  capacity: number;
}

export type WorkerCommand = { id: number; cmd: 'status' | 'reset' | 'collect' | 'close' };

export interface WorkerStatus {
  size: number;
  /** The fewest events any watcher has received since the last reset. */
  minPerWatcher: number;
  outOfOrder: number;
}

export interface WorkerLog extends WorkerStatus {
  rv: Float64Array;
  /** Receipt times, ms since the epoch (performance.timeOrigin + now()), comparable across threads. */
  at: Float64Array;
  perWatcher: Uint32Array;
}

const now = (): number => performance.timeOrigin + performance.now();

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('watch-worker must run in a worker thread');
  const setup = workerData as WorkerSetup;
  const client = new ApiClient(setup.address, { timeoutMs: 120_000 });
  const api = client.resource(Pods).namespace(setup.namespace);
  const rv = new Float64Array(setup.capacity);
  const at = new Float64Array(setup.capacity);
  const perWatcher = new Uint32Array(setup.watchers);
  const lastRv = new Float64Array(setup.watchers);
  let size = 0;
  let outOfOrder = 0;

  const streams: WatchStream<corev1.Pod>[] = [];
  const loops: Promise<void>[] = [];
  for (let w = 0; w < setup.watchers; w++) {
    const stream = api.watch({});
    streams.push(stream);
    loops.push(
      (async () => {
        for await (const event of stream) {
          const t = now();
          const r = Number(event.object.metadata?.resourceVersion ?? 0);
          if (r <= lastRv[w]) outOfOrder++;
          lastRv[w] = r;
          perWatcher[w]++;
          if (size < rv.length) {
            rv[size] = r;
            at[size] = t;
            size++;
          }
        }
      })().catch(() => undefined),
    );
  }

  const status = (): WorkerStatus => {
    let min = Infinity;
    for (const n of perWatcher) if (n < min) min = n;
    return { size, minPerWatcher: min, outOfOrder };
  };

  port.on('message', (message: WorkerCommand) => {
    switch (message.cmd) {
      case 'status':
        port.postMessage({ id: message.id, result: status() });
        break;
      case 'reset':
        size = 0;
        perWatcher.fill(0);
        port.postMessage({ id: message.id, result: status() });
        break;
      case 'collect': {
        const log: WorkerLog = { ...status(), rv: rv.slice(0, size), at: at.slice(0, size), perWatcher: perWatcher.slice() };
        port.postMessage({ id: message.id, result: log }, [log.rv.buffer as ArrayBuffer, log.at.buffer as ArrayBuffer, log.perWatcher.buffer as ArrayBuffer]);
        break;
      }
      case 'close':
        for (const stream of streams) stream.close();
        void Promise.all(loops).then(() => {
          client.close();
          port.postMessage({ id: message.id, result: status() });
        });
        break;
    }
  });
  port.postMessage({ ready: true });
}

main();
