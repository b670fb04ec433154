import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pods } from '@minik8s/client';
import { ApiServerService, CreateRequest } from '@minik8s/api';
import { closeCrudClients, crudNamespace, openCrudClients, runCrud, type CrudClients, type CrudOptions, type CrudRow } from './api-crud';
import { etcdPutRequest, ETCD_KV } from './api-wire';
import { runFullList, type FullListResult } from './api-list';
import { crudReport, fullListReport, summaryReport, watchReport } from './api-report';
import { evaluateTargets } from './api-targets';
import { runWatch, type WatchPhase, type WatchResult } from './api-watch';
import { closeContext, ensureNamespace, openContext, type BenchContext } from './context';
import { startCluster } from './harness';
import { benchPod, touched } from './pods';
import { runOps } from './runner';
import { fmtInt } from './table';

export interface ApiSuiteConfig {
  /** Creates and puts that warm the CRUD step's connections and code paths, untimed. */
  warmUpOps: number;
  sizes: number[];
  concurrencies: number[];
  crud: CrudOptions;
  listReps: number;
  watchers: number;
  watchPhases: WatchPhase[];
}

export const FULL: ApiSuiteConfig = {
  warmUpOps: 2000,
  sizes: [1000, 10000],
  concurrencies: [1, 64],
  crud: { sequentialSample: 1000, listOps: 200, listPageSize: 100 },
  listReps: 3,
  watchers: 1000,
  watchPhases: [
    { name: 'isolated', writes: 20, rate: 'isolated' },
    { name: 'steady', writes: 60, rate: 5 },
    { name: 'burst', writes: 60, rate: 0 },
  ],
};

/** A small run to try the suite out in seconds (`npm run bench -- api --quick`); figures are not comparable. */
export const QUICK: ApiSuiteConfig = {
  warmUpOps: 400,
  sizes: [200, 1000],
  concurrencies: [1, 64],
  crud: { sequentialSample: 200, listOps: 50, listPageSize: 100 },
  listReps: 2,
  watchers: 100,
  watchPhases: [
    { name: 'isolated', writes: 10, rate: 'isolated' },
    { name: 'steady', writes: 40, rate: 10 },
    { name: 'burst', writes: 40, rate: 0 },
  ],
};

/**
 * Options after the suite name: --quick (small sizes), --steps=1,3 (a subset; step 2 lists what
 * step 1 wrote, so it brings step 1 along), --watch-rate=N (one steady watch phase at N writes/s),
 * --watch-threads=N (worker threads holding the watches; default 1).
 */
function parseArgs(args: readonly string[]): { config: ApiSuiteConfig; steps: Set<number>; watchRate?: number; watchThreads: number } {
  const value = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const unknown = args.filter((a) => !/^--(quick|steps=|watch-rate=|watch-threads=)/.test(a));
  if (unknown.length > 0) throw new Error(`unknown option(s) for the api suite: ${unknown.join(' ')}`);
  const steps = new Set((value('steps') ?? '1,2,3').split(',').map((x) => Number(x.trim())));
  if (steps.has(2)) steps.add(1);
  const rate = value('watch-rate');
  return {
    config: args.includes('--quick') ? QUICK : FULL,
    steps,
    watchRate: rate === undefined ? undefined : Number(rate),
    watchThreads: Math.max(1, Number(value('watch-threads') ?? 1)),
  };
}

const out = (text: string): void => void process.stdout.write(text + '\n');
const progress = (text: string): void => void process.stderr.write(`${text}\n`);

/** JIT, connections and etcd's first compactions out of the way before anything is timed. */
async function warmUp(ctx: BenchContext): Promise<void> {
  const ns = 'bench-warmup';
  await ensureNamespace(ctx, ns);
  const api = ctx.client.resource(Pods).namespace(ns);
  const n = 400;
  const pods = await Promise.all(Array.from({ length: n }, (_, i) => api.create(benchPod(ns, `warm-${i}`, i))));
  await runOps(n, 16, (i) => api.update(touched(pods[i], 1)));
  await runOps(n, 16, (i) => api.get(`warm-${i}`));
  await runOps(50, 8, () => api.list({ limit: 100 }));
  await runOps(5, 1, () => api.list({ resourceVersion: '0' }));
  await runOps(n, 16, (i) => ctx.etcd.kv.put({ key: Buffer.from(`/bench-raw/warm/${i}`), value: Buffer.alloc(2000, 1) }));
}

/**
 * The CRUD step's own connections warmed the same way, at the concurrency measured first: a
 * few hundred calls leave the apiserver's create path half compiled, and the first timed run
 * then measured V8 more than the apiserver.
 */
async function warmUpWire(ctx: BenchContext, clients: CrudClients, n: number, concurrency: number): Promise<void> {
  const ns = 'bench-warmup';
  const creates = Array.from({ length: n }, (_, i) =>
    Buffer.from(
      CreateRequest.encode({
        ref: { group: '', version: 'v1', resource: 'pods', namespace: ns },
        object: { apiVersion: 'v1', kind: 'Pod', raw: Buffer.from(ctx.scheme.encode(ctx.pods, benchPod(ns, `wire-${i}`, i))) },
      }).finish(),
    ),
  );
  await runOps(n, concurrency, (i) => clients.api.call(ApiServerService.create.path, creates[i]));
  await runOps(n, concurrency, (i) => clients.etcd.call(ETCD_KV.put, etcdPutRequest(Buffer.from(`/bench-raw/warm-wire/${i}`), Buffer.alloc(2000, 1))));
}

async function etcdVersion(ctx: BenchContext): Promise<string> {
  try {
    const res = await fetch(`${ctx.cluster.etcd.endpoint}/version`);
    return ((await res.json()) as { etcdserver?: string }).etcdserver ?? '?';
  } catch {
    return '?';
  }
}

export async function runApiSuite(args: readonly string[]): Promise<void> {
  const { config, steps, watchRate, watchThreads } = parseArgs(args);
  const began = performance.now();
  progress('starting etcd and the apiserver...');
  const cluster = await startCluster();
  const ctx = openContext(cluster, progress);
  try {
    const cpu = cpus();
    out(`minik8s API benchmark${config === QUICK ? ' (--quick: small sizes, figures not comparable)' : ''}`);
    out(`node ${process.version}, etcd ${await etcdVersion(ctx)}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? '?'})`);
    out(`load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine skews every figure)`);
    out(`etcd ${cluster.etcd.endpoint} (temp dir ${cluster.etcd.dataDir}); apiserver ${cluster.apiserver.address}; bench, apiserver and etcd share the machine.`);

    progress('warming up...');
    await warmUp(ctx);

    // For each size, concurrency 64 runs first, so the 1-at-a-time sample runs with the full set stored.
    const crudRows: CrudRow[] = [];
    const crudClients = openCrudClients(ctx);
    try {
      await warmUpWire(ctx, crudClients, config.warmUpOps, Math.max(...config.concurrencies));
      for (const size of steps.has(1) ? config.sizes : []) {
        for (const concurrency of [...config.concurrencies].sort((a, b) => b - a)) {
          progress(`step 1: ${fmtInt(size)} pods at concurrency ${concurrency}`);
          crudRows.push(...(await runCrud(ctx, crudClients, size, concurrency, config.crud)));
        }
      }
    } finally {
      closeCrudClients(crudClients);
    }
    if (steps.has(1)) out(crudReport(crudRows, config.crud.sequentialSample));

    const biggest = Math.max(...config.sizes);
    const maxConcurrency = Math.max(...config.concurrencies);
    let fullList: FullListResult | undefined;
    if (steps.has(2)) {
      progress(`step 2: list ${fmtInt(biggest)} pods in one call`);
      fullList = await runFullList(ctx, crudNamespace(biggest, maxConcurrency), biggest, config.listReps, 'pod-00000');
      out(fullListReport(fullList, biggest));
    }

    let watch: WatchResult | undefined;
    if (steps.has(3)) {
      progress(`step 3: ${fmtInt(config.watchers)} watches`);
      watch = await runWatch(ctx, {
        watchers: config.watchers,
        threads: watchThreads,
        phases: watchRate ? [{ name: 'steady', writes: 100, rate: watchRate }] : config.watchPhases,
        namespace: 'bench-watch',
      });
      out(watchReport(watch));
    }

    const targets = evaluateTargets({ crudRows, fullList, watch, pods: biggest, concurrency: maxConcurrency, sizes: config.sizes, watchers: config.watchers });
    out(summaryReport(targets));
    out(`\nTotal benchmark time ${((performance.now() - began) / 1000).toFixed(0)} s; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`);
  } finally {
    closeContext(ctx);
    progress('stopping the apiserver and etcd...');
    await cluster.stop();
  }
}
