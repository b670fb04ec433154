/**
 * A worker thread that holds a share of the benchmark's watches, apart from the writer's event
 * loop. Commands come from WatcherPool (watch-pool.ts).
 *
 * The watches are gRPC streams on one HTTP/2 connection per thread (watch-stream-http2.ts). Each
 * delivery is timestamped as its bytes arrive, and only its type and resourceVersion are read
 * (watch-event-bytes.ts): with 1,000 watchers, grpc-js and a full decode per delivery cost the
 * client more CPU than the apiserver spent sending, so the tail latency measured the client's own
 * queue. The first watcher of each thread still decodes every event in full and checks it agrees.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientHttp2Stream } from 'node:http2';
import { ApiServerService, corev1, WatchEvent, WatchRequest } from '@minik8s/api';
import { readEventHead, type EventHead } from './watch-event-bytes';
import { GrpcStreamsHttp2 } from './watch-stream-http2';

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
  /** Events of the checking watcher whose full decode disagreed with the bytes read, or failed. */
  malformed: number;
}

export interface WorkerLog extends WorkerStatus {
  rv: Float64Array;
  /** Receipt times, ms since the epoch (performance.timeOrigin + now()), comparable across threads. */
  at: Float64Array;
  perWatcher: Uint32Array;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Whether a full decode of the event sees the pod and resourceVersion that readEventHead read. */
function decodesAs(head: EventHead, bytes: Buffer): boolean {
  try {
    const event = WatchEvent.decode(bytes);
    const pod = corev1.Pod.decode(event.object?.raw ?? new Uint8Array());
    return event.type === head.type && event.object?.kind === 'Pod' && !!pod.metadata?.name && Number(pod.metadata.resourceVersion) === head.resourceVersion;
  } catch {
    return false;
  }
}

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('watch-worker must run in a worker thread');
  const setup = workerData as WorkerSetup;
  const client = new GrpcStreamsHttp2(setup.address);
  const request = Buffer.from(
    WatchRequest.encode({ ref: { group: '', version: 'v1', resource: 'pods', namespace: setup.namespace }, options: {} }).finish(),
  );
  const rv = new Float64Array(setup.capacity);
  const at = new Float64Array(setup.capacity);
  const perWatcher = new Uint32Array(setup.watchers);
  const lastRv = new Float64Array(setup.watchers);
  let size = 0;
  let outOfOrder = 0;
  let malformed = 0;

  const streams: ClientHttp2Stream[] = [];
  const ended: Promise<void>[] = [];
  for (let w = 0; w < setup.watchers; w++) {
    const onMessage = (bytes: Buffer, receivedAt: number): void => {
      let head: EventHead;
      try {
        head = readEventHead(bytes);
      } catch {
        head = { type: '', resourceVersion: 0 };
      }
      if (w === 0 && !decodesAs(head, bytes)) malformed++;
      const r = head.resourceVersion;
      if (r <= lastRv[w]) outOfOrder++;
      lastRv[w] = r;
      perWatcher[w]++;
      if (size < rv.length) {
        rv[size] = r;
        at[size] = receivedAt;
        size++;
      }
    };
    ended.push(new Promise<void>((resolve) => streams.push(client.open(ApiServerService.watch.path, request, onMessage, () => resolve(), now))));
  }

  const status = (): WorkerStatus => {
    let min = Infinity;
    for (const n of perWatcher) if (n < min) min = n;
    return { size, minPerWatcher: min, outOfOrder, malformed };
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
        void Promise.all(ended).then(() => {
          client.close();
          port.postMessage({ id: message.id, result: status() });
        });
        break;
    }
  });
  port.postMessage({ ready: true });
}

main();
