import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pods } from '@minik8s/client';
import { crudNamespace, runCrud, type CrudOptions, type CrudRow } from './api-crud';
import { runFullList, type FullListResult } from './api-list';
import { crudReport, fullListReport, summaryReport, watchReport, type TargetRow } from './api-report';
import { runWatch, type WatchResult } from './api-watch';
import { closeContext, ensureNamespace, openContext, type BenchContext } from './context';
import { startCluster } from './harness';
import { benchPod, touched } from './pods';
import { runOps } from './runner';
import { fmtInt, fmtMs, fmtPct } from './table';

export interface ApiSuiteConfig {
  sizes: number[];
  concurrencies: number[];
  crud: CrudOptions;
  listReps: number;
  watchers: number;
  watchWrites: number;
  watchWriteRate: number;
}

export const FULL: ApiSuiteConfig = {
  sizes: [1000, 10000],
  concurrencies: [1, 64],
  crud: { sequentialSample: 1000, listOps: 200, listPageSize: 100 },
  listReps: 3,
  watchers: 1000,
  watchWrites: 200,
  watchWriteRate: 20,
};

/** A small run to try the suite out in seconds (`npm run bench -- api --quick`); figures are not comparable. */
export const QUICK: ApiSuiteConfig = {
  sizes: [200, 1000],
  concurrencies: [1, 64],
  crud: { sequentialSample: 200, listOps: 50, listPageSize: 100 },
  listReps: 2,
  watchers: 100,
  watchWrites: 40,
  watchWriteRate: 20,
};

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

async function etcdVersion(ctx: BenchContext): Promise<string> {
  try {
    const res = await fetch(`${ctx.cluster.etcd.endpoint}/version`);
    return ((await res.json()) as { etcdserver?: string }).etcdserver ?? '?';
  } catch {
    return '?';
  }
}

export async function runApiSuite(args: readonly string[]): Promise<void> {
  const config = args.includes('--quick') ? QUICK : FULL;
  // --steps=1,3 runs a subset (step 2 lists what step 1 wrote, so it needs step 1).
  const stepsArg = args.find((a) => a.startsWith('--steps='));
  const steps = new Set((stepsArg ? stepsArg.slice('--steps='.length) : '1,2,3').split(',').map((x) => Number(x.trim())));
  if (steps.has(2)) steps.add(1);
  const began = performance.now();
  progress('starting etcd and the apiserver...');
  const cluster = await startCluster();
  const ctx = openContext(cluster, progress);
  try {
    const cpu = cpus();
    out(`minik8s API benchmark${config === QUICK ? ' (--quick: small sizes, figures not comparable)' : ''}`);
    out(`node ${process.version}, etcd ${await etcdVersion(ctx)}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? '?'})`);
    out(`etcd ${cluster.etcd.endpoint} (temp dir ${cluster.etcd.dataDir}); apiserver ${cluster.apiserver.address}; bench, apiserver and etcd share the machine.`);

    progress('warming up...');
    await warmUp(ctx);

    // For each size, concurrency 64 runs first, so the 1-at-a-time sample runs with the full set stored.
    const crudRows: CrudRow[] = [];
    for (const size of steps.has(1) ? config.sizes : []) {
      for (const concurrency of [...config.concurrencies].sort((a, b) => b - a)) {
        progress(`step 1: ${fmtInt(size)} pods at concurrency ${concurrency}`);
        crudRows.push(...(await runCrud(ctx, size, concurrency, config.crud)));
      }
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
        writes: config.watchWrites,
        writeRate: config.watchWriteRate,
        namespace: 'bench-watch',
      });
      out(watchReport(watch));
    }

    const targets: TargetRow[] = [];
    for (const size of config.sizes) {
      const create = crudRows.find((r) => r.pods === size && r.concurrency === maxConcurrency && r.op === 'create');
      if (!create) continue;
      const ratio = create.api.opsPerSec / create.etcd.opsPerSec;
      targets.push({
        target: `create throughput, ${fmtInt(size)} pods, conc ${maxConcurrency}`,
        measured: `${fmtInt(create.api.opsPerSec)} vs ${fmtInt(create.etcd.opsPerSec)} puts/s = ${fmtPct(ratio)}`,
        goal: '>= 50% of raw etcd put',
        pass: create.api.errors === 0 && ratio >= 0.5,
      });
    }
    for (const row of (fullList?.rows ?? []).filter((r) => r.api && r.oneCall)) {
      targets.push({
        target: `list ${fmtInt(biggest)} pods, ${row.source.replace('apiserver, ', '')}`,
        measured: row.error ? `failed: ${row.error.replace(/^etcd: /, '').slice(0, 46)}` : `${fmtMs(row.medianMs)} ms (median of ${row.runsMs.length})`,
        goal: '< 1 s',
        pass: !row.error && row.medianMs < 1000,
      });
    }
    if (watch) {
    const etcdDelta = (watch.during.etcdWatchers ?? NaN) - (watch.before.etcdWatchers ?? NaN);
    const apiDelta = (watch.during.apiWatchers ?? 0) - (watch.before.apiWatchers ?? 0);
    targets.push({
      target: `${fmtInt(config.watchers)} watchers cost one etcd watch`,
      measured: `etcd watchers ${watch.before.etcdWatchers} -> ${watch.during.etcdWatchers} (+${etcdDelta}) for +${fmtInt(apiDelta)} API watches`,
      goal: '+0 (the shared pods watch)',
      pass: Number.isNaN(etcdDelta) ? undefined : etcdDelta === 0 && apiDelta === config.watchers,
    });
    targets.push({
      target: 'watch event delivery p99',
      measured: `${fmtMs(watch.fromWriteDone.p99)} ms over ${fmtInt(watch.deliveries)} deliveries`,
      goal: '< 100 ms',
      pass: watch.deliveries === watch.expectedDeliveries && watch.fromWriteDone.p99 < 100,
    });
    }
    out(summaryReport(targets));
    out(`\nTotal benchmark time ${((performance.now() - began) / 1000).toFixed(0)} s.`);
  } finally {
    closeContext(ctx);
    progress('stopping the apiserver and etcd...');
    await cluster.stop();
  }
}
