import { performance } from 'node:perf_hooks';
import type { corev1 } from '@minik8s/api';
import { Pods, type WatchStream } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ensureNamespace, type BenchContext } from './context';
import { scrape } from './harness';
import { cpuDelta, cpuSnapshot, type CpuSnapshot } from './cpu';
import { benchPod, touched } from './pods';
import { metricValue } from './prom';
import { summarize, type Summary } from './stats';

/** etcd 3.4 has both gauges: watchers (one per watched range) and watch streams (one per client stream). */
const ETCD_WATCHERS = 'etcd_debugging_mvcc_watcher_total';
const ETCD_STREAMS = 'etcd_debugging_mvcc_watch_stream_total';
const API_WATCHERS = 'apiserver_registered_watchers';

export interface WatchOptions {
  watchers: number;
  /** Writes (half creates, half updates of the created pods). */
  writes: number;
  /** Writes per second, open loop. */
  writeRate: number;
  namespace: string;
}

export interface WatchCounts {
  apiWatchers?: number;
  etcdWatchers?: number;
  etcdStreams?: number;
}

export interface WatchResult {
  options: WatchOptions;
  kinds: number;
  openMs: number;
  before: WatchCounts;
  during: WatchCounts;
  after: WatchCounts;
  expectedDeliveries: number;
  deliveries: number;
  /** Watchers that saw every event, in order. */
  completeWatchers: number;
  /** Deliveries whose resourceVersion was not above the watcher's previous one. */
  outOfOrder: number;
  /** Deliveries that arrived before the writer got its response. */
  early: number;
  fromWriteDone: Summary;
  fromWriteStart: Summary;
  writeLatency: Summary;
  /** Milliseconds from the first write to the last delivery. */
  drainMs: number;
  /** CPU seconds each process spent from the first write to the last delivery. */
  cpu: CpuSnapshot;
}

async function counts(ctx: BenchContext): Promise<WatchCounts> {
  const [api, etcd] = await Promise.all([scrape(`${ctx.cluster.apiserver.healthUrl}/metrics`), scrape(`${ctx.cluster.etcd.endpoint}/metrics`)]);
  return {
    apiWatchers: metricValue(api, API_WATCHERS, { group: '', resource: 'pods' }) ?? 0,
    etcdWatchers: metricValue(etcd, ETCD_WATCHERS),
    etcdStreams: metricValue(etcd, ETCD_STREAMS),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Opens `watchers` watches on the pods of one namespace, checks what they cost etcd, then writes
 * pods at a steady rate and times every delivery to every watcher.
 */
export async function runWatch(ctx: BenchContext, options: WatchOptions): Promise<WatchResult> {
  const { watchers, writes, writeRate, namespace } = options;
  await ensureNamespace(ctx, namespace);
  const api = ctx.client.resource(Pods).namespace(namespace);
  const before = await counts(ctx);

  // Every delivery: which revision, when, to whom. Preallocated: watchers × (writes + sentinel).
  const capacity = watchers * (writes + 1);
  const recvRv = new Float64Array(capacity);
  const recvAt = new Float64Array(capacity);
  let received = 0;
  const perWatcher = new Uint32Array(watchers);
  const lastRv = new Float64Array(watchers);
  let outOfOrder = 0;

  ctx.progress(`  opening ${watchers.toLocaleString('en-US')} watches on pods in namespace ${namespace}`);
  const openStart = performance.now();
  const streams: WatchStream<corev1.Pod>[] = [];
  const loops: Promise<void>[] = [];
  for (let w = 0; w < watchers; w++) {
    const stream = api.watch({});
    streams.push(stream);
    loops.push(
      (async () => {
        for await (const event of stream) {
          const at = performance.now();
          const rv = Number(event.object.metadata?.resourceVersion ?? 0);
          if (rv <= lastRv[w]) outOfOrder++;
          lastRv[w] = rv;
          perWatcher[w]++;
          if (received < capacity) {
            recvRv[received] = rv;
            recvAt[received] = at;
            received++;
          }
        }
      })().catch(() => undefined),
    );
  }
  try {
    await waitFor(async () => ((await counts(ctx)).apiWatchers ?? 0) >= (before.apiWatchers ?? 0) + watchers, {
      timeoutMs: 60_000,
      intervalMs: 50,
      description: `${watchers} registered watchers`,
    });
    // A sentinel write proves every watch is live end to end before the clock starts.
    await api.create(benchPod(namespace, 'sentinel', 0));
    await waitFor(() => perWatcher.every((n) => n >= 1), { timeoutMs: 60_000, intervalMs: 20, description: 'the sentinel at every watcher' });
    const openMs = performance.now() - openStart;
    const during = await counts(ctx);
    ctx.progress(
      `  ${watchers} watches open in ${Math.round(openMs)} ms; apiserver watchers ${during.apiWatchers}, etcd watchers ${before.etcdWatchers} -> ${during.etcdWatchers}`,
    );

    // Open loop: write k starts at k / rate seconds, whether or not earlier ones are done.
    received = 0;
    perWatcher.fill(0);
    const creates = Math.ceil(writes / 2);
    const writeStart = new Float64Array(writes);
    const writeDone = new Float64Array(writes);
    const writeRv = new Float64Array(writes);
    const created: Promise<corev1.Pod>[] = [];
    const pending: Promise<void>[] = [];
    const intervalMs = 1000 / writeRate;
    ctx.progress(`  writing ${writes} pods (${creates} creates, ${writes - creates} updates) at ${writeRate}/s`);
    const cpuBefore = await cpuSnapshot(ctx.cluster);
    const t0 = performance.now();
    for (let k = 0; k < writes; k++) {
      await sleep(t0 + k * intervalMs - performance.now());
      const start = performance.now();
      writeStart[k] = start;
      const write: Promise<corev1.Pod> =
        k < creates
          ? api.create(benchPod(namespace, `w-${String(k).padStart(4, '0')}`, k))
          : created[k - creates].then((pod) => {
              writeStart[k] = performance.now();
              return api.update(touched(pod, 1));
            });
      if (k < creates) created.push(write);
      pending.push(
        write.then((pod) => {
          writeDone[k] = performance.now();
          writeRv[k] = Number(pod.metadata?.resourceVersion ?? 0);
        }),
      );
    }
    await Promise.all(pending);
    const expectedDeliveries = watchers * writes;
    await waitFor(() => received >= expectedDeliveries, { timeoutMs: 60_000, intervalMs: 20, description: 'every delivery' }).catch(
      () => undefined,
    );
    const cpu = cpuDelta(cpuBefore, await cpuSnapshot(ctx.cluster));
    let lastAt = t0;
    for (let i = 0; i < received; i++) if (recvAt[i] > lastAt) lastAt = recvAt[i];
    const drainMs = lastAt - t0;

    const byRv = new Map<number, number>();
    writeRv.forEach((rv, k) => byRv.set(rv, k));
    const fromDone: number[] = [];
    const fromStart: number[] = [];
    let early = 0;
    for (let i = 0; i < received; i++) {
      const k = byRv.get(recvRv[i]);
      if (k === undefined) continue;
      const sinceDone = recvAt[i] - writeDone[k];
      if (sinceDone < 0) early++;
      fromDone.push(Math.max(0, sinceDone));
      fromStart.push(recvAt[i] - writeStart[k]);
    }
    const writeLatencies = Array.from(writeDone, (done, k) => done - writeStart[k]);
    const result: Omit<WatchResult, 'after'> = {
      options,
      kinds: ctx.scheme.all().length,
      openMs,
      before,
      during,
      expectedDeliveries,
      deliveries: fromDone.length,
      completeWatchers: perWatcher.filter((n) => n === writes).length,
      outOfOrder,
      early,
      fromWriteDone: summarize(fromDone, drainMs),
      fromWriteStart: summarize(fromStart, drainMs),
      writeLatency: summarize(writeLatencies, drainMs),
      drainMs,
      cpu,
    };
    for (const stream of streams) stream.close();
    await Promise.all(loops);
    let after = await counts(ctx);
    await waitFor(async () => ((after = await counts(ctx)).apiWatchers ?? 0) <= (before.apiWatchers ?? 0), { timeoutMs: 10_000, intervalMs: 100 }).catch(
      () => undefined,
    );
    return { ...result, after };
  } finally {
    for (const stream of streams) stream.close();
  }
}
