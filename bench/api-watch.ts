import { performance } from 'node:perf_hooks';
import type { corev1 } from '@minik8s/api';
import { Pods, type ResourceClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ensureNamespace, type BenchContext } from './context';
import { cpuDelta, cpuSnapshot, type CpuSnapshot } from './cpu';
import { scrape } from './harness';
import { benchPod, touched } from './pods';
import { metricValue } from './prom';
import { summarize, type Summary } from './stats';
import { WatcherPool } from './watch-pool';

/** etcd 3.4 has both gauges: watchers (one per watched range) and watch streams (one per client stream). */
const ETCD_WATCHERS = 'etcd_debugging_mvcc_watcher_total';
const ETCD_STREAMS = 'etcd_debugging_mvcc_watch_stream_total';
const API_WATCHERS = 'apiserver_registered_watchers';

export interface WatchPhase {
  name: string;
  /** Writes: half creates, then updates of the pods just created. */
  writes: number;
  /**
   * Writes per second, open loop; 0 = back to back (each write waits for the previous one);
   * 'isolated' = each write waits until every watcher has the previous event.
   */
  rate: number | 'isolated';
}

export interface WatchOptions {
  watchers: number;
  /** Worker threads the watchers are spread over (each with its own connection). */
  threads: number;
  namespace: string;
  phases: WatchPhase[];
}

export interface WatchCounts {
  apiWatchers?: number;
  etcdWatchers?: number;
  etcdStreams?: number;
}

export interface PhaseResult {
  phase: WatchPhase;
  expectedDeliveries: number;
  deliveries: number;
  /** Watchers that saw every event of the phase. */
  completeWatchers: number;
  /** Deliveries that arrived before the writer got its response (counted as 0 ms). */
  early: number;
  fromWriteDone: Summary;
  fromWriteStart: Summary;
  /** Per write: from its response until the last watcher had it. */
  fanOutDone: Summary;
  writeLatency: Summary;
  /** From the first write to the last delivery. */
  drainMs: number;
  deliveriesPerSec: number;
  /** CPU seconds each process spent from the first write to the last delivery. */
  cpu: CpuSnapshot;
}

export interface WatchResult {
  options: WatchOptions;
  kinds: number;
  openMs: number;
  before: WatchCounts;
  during: WatchCounts;
  after: WatchCounts;
  /** Deliveries whose resourceVersion was not above the watcher's previous one. */
  outOfOrder: number;
  /** Events whose full decode (one checking watcher per thread) disagreed with what was timed. */
  malformed: number;
  phases: PhaseResult[];
}

async function counts(ctx: BenchContext): Promise<WatchCounts> {
  const [api, etcd] = await Promise.all([scrape(`${ctx.cluster.apiserver.healthUrl}/metrics`), scrape(`${ctx.cluster.etcd.endpoint}/metrics`)]);
  return {
    apiWatchers: metricValue(api, API_WATCHERS, { group: '', resource: 'pods' }) ?? 0,
    etcdWatchers: metricValue(etcd, ETCD_WATCHERS),
    etcdStreams: metricValue(etcd, ETCD_STREAMS),
  };
}

export function rateLabel(rate: WatchPhase['rate']): string {
  if (rate === 'isolated') return 'one event in flight at a time';
  return rate > 0 ? `${rate} writes/s` : 'back to back';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
/** ms since the epoch, sub-ms precision, comparable with the watch threads' clocks. */
const now = (): number => performance.timeOrigin + performance.now();

async function runPhase(ctx: BenchContext, api: ResourceClient<corev1.Pod>, namespace: string, pool: WatcherPool, watchers: number, phase: WatchPhase): Promise<PhaseResult> {
  const { writes, rate } = phase;
  await pool.reset();
  const creates = Math.ceil(writes / 2);
  const writeStart = new Float64Array(writes);
  const writeDone = new Float64Array(writes);
  const writeRv = new Float64Array(writes);
  const created: Promise<corev1.Pod>[] = [];
  const pending: Promise<void>[] = [];
  const paced = typeof rate === 'number' && rate > 0;
  const intervalMs = paced ? 1000 / rate : 0;
  ctx.progress(`  ${phase.name}: ${writes} writes (${creates} creates, ${writes - creates} updates), ${rateLabel(rate)}`);
  const cpuBefore = await cpuSnapshot(ctx.cluster);
  const t0 = now();
  for (let k = 0; k < writes; k++) {
    if (paced) await sleep(t0 + k * intervalMs - now());
    writeStart[k] = now();
    const write: Promise<corev1.Pod> =
      k < creates
        ? api.create(benchPod(namespace, `${phase.name}-${String(k).padStart(4, '0')}`, k))
        : created[k - creates].then((pod) => {
            writeStart[k] = now();
            return api.update(touched(pod, 1));
          });
    if (k < creates) created.push(write);
    const done = write.then((pod) => {
      writeDone[k] = now();
      writeRv[k] = Number(pod.metadata?.resourceVersion ?? 0);
    });
    pending.push(done);
    if (!paced) await done;
    if (rate === 'isolated') {
      await waitFor(async () => (await pool.status()).size >= watchers * (k + 1), { timeoutMs: 30_000, intervalMs: 5 }).catch(() => undefined);
      await sleep(20);
    }
  }
  await Promise.all(pending);
  const expectedDeliveries = watchers * writes;
  await waitFor(async () => (await pool.status()).size >= expectedDeliveries, { timeoutMs: 60_000, intervalMs: 25, description: 'every delivery' }).catch(
    () => undefined,
  );
  const cpu = cpuDelta(cpuBefore, await cpuSnapshot(ctx.cluster));
  const log = await pool.collect();
  let lastAt = t0;
  for (let i = 0; i < log.at.length; i++) if (log.at[i] > lastAt) lastAt = log.at[i];
  const drainMs = lastAt - t0;

  const byRv = new Map<number, number>();
  writeRv.forEach((rv, k) => byRv.set(rv, k));
  const fromDone = new Float64Array(log.rv.length);
  const fromStart = new Float64Array(log.rv.length);
  const lastArrival = new Float64Array(writes);
  let n = 0;
  let early = 0;
  for (let i = 0; i < log.rv.length; i++) {
    const k = byRv.get(log.rv[i]);
    if (k === undefined) continue;
    const sinceDone = log.at[i] - writeDone[k];
    if (sinceDone < 0) early++;
    fromDone[n] = Math.max(0, sinceDone);
    fromStart[n] = log.at[i] - writeStart[k];
    n++;
    if (log.at[i] > lastArrival[k]) lastArrival[k] = log.at[i];
  }
  const fanOut = Array.from(lastArrival, (at, k) => Math.max(0, at - writeDone[k]));
  return {
    phase,
    expectedDeliveries,
    deliveries: n,
    completeWatchers: log.perWatcher.filter((count) => count === writes).length,
    early,
    fromWriteDone: summarize(fromDone.subarray(0, n), drainMs),
    fromWriteStart: summarize(fromStart.subarray(0, n), drainMs),
    fanOutDone: summarize(fanOut, drainMs),
    writeLatency: summarize(
      Array.from(writeDone, (done, k) => done - writeStart[k]),
      drainMs,
    ),
    drainMs,
    deliveriesPerSec: n / (drainMs / 1000),
    cpu,
  };
}

/**
 * Opens `watchers` watches on the pods of one namespace, checks what they cost etcd, then for
 * each phase writes pods and times every delivery to every watcher.
 */
export async function runWatch(ctx: BenchContext, options: WatchOptions): Promise<WatchResult> {
  const { watchers, namespace } = options;
  await ensureNamespace(ctx, namespace);
  const api = ctx.client.resource(Pods).namespace(namespace);
  const before = await counts(ctx);

  ctx.progress(`  opening ${watchers.toLocaleString('en-US')} watches on pods in namespace ${namespace} from ${options.threads} thread${options.threads > 1 ? 's' : ''}`);
  const openStart = performance.now();
  const pool = await WatcherPool.open({
    address: ctx.cluster.apiserver.address,
    namespace,
    watchers,
    threads: options.threads,
    capacityPerWatcher: Math.max(1, ...options.phases.map((p) => p.writes)),
  });
  try {
    await waitFor(async () => ((await counts(ctx)).apiWatchers ?? 0) >= (before.apiWatchers ?? 0) + watchers, {
      timeoutMs: 60_000,
      intervalMs: 50,
      description: `${watchers} registered watchers`,
    });
    // A sentinel write proves every watch is live end to end before the clock starts.
    await api.create(benchPod(namespace, 'sentinel', 0));
    await waitFor(async () => (await pool.status()).minPerWatcher >= 1, { timeoutMs: 60_000, intervalMs: 20, description: 'the sentinel at every watcher' });
    const openMs = performance.now() - openStart;
    const during = await counts(ctx);
    ctx.progress(
      `  ${watchers} watches open in ${Math.round(openMs)} ms; apiserver watchers ${during.apiWatchers}, etcd watchers ${before.etcdWatchers} -> ${during.etcdWatchers}`,
    );

    const phases: PhaseResult[] = [];
    for (const phase of options.phases) phases.push(await runPhase(ctx, api, namespace, pool, watchers, phase));
    const { outOfOrder, malformed } = await pool.status();

    await pool.close();
    let after = await counts(ctx);
    await waitFor(async () => ((after = await counts(ctx)).apiWatchers ?? 0) <= (before.apiWatchers ?? 0), { timeoutMs: 10_000, intervalMs: 100 }).catch(
      () => undefined,
    );
    return { options, kinds: ctx.scheme.all().length, openMs, before, during, after, outOfOrder, malformed, phases };
  } finally {
    await pool.close();
  }
}
