import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ApiClient, Pods } from '@minik8s/client';
import { Component, cpuOf, startHollowNodes } from './components';
import { cpuSnapshot, cpuDelta, type CpuSnapshot } from './cpu';
import { startCluster, type BenchCluster } from './harness';
import { PodTracker } from './pod-tracker';
import { runOps } from './runner';
import { benchPod, createNamespace, deleteAll, HOLLOW_PREFIX, PREFIX, progress, spawnScheduler, type PodKind } from './sched-common';
import { CYCLE_CASES, runCycleCase, type CycleResult } from './sched-cycles';
import { reportArrival, runArrival, type ArrivalResult } from './sched-arrival';
import { readSchedStat, threadTimeShares, type ThreadTimeShares } from './sched-schedstat';
import { fmtInt, fmtMs, fmtPct, heading, renderTable } from './table';


interface Case {
  nodes: number;
  pods: number;
  kind: PodKind;
  /** The target's own case: run whatever the budget says, with a later hard limit. */
  required?: boolean;
}

interface SchedResult extends Case {
  /** Pod creations per second (before the scheduler started; informative only). */
  createPerSec: number;
  /** Bindings per second seen by the watch, first binding to last: (bound − 1) / (last − first). */
  podsPerSec: number;
  /** Scheduler process spawned → first binding seen (process start, informer lists, first cycle). */
  startupSec: number;
  bound: number;
  /** CPU seconds per process from the first binding seen to the last. */
  cpu: Map<string, number>;
  /** How the scheduler's JavaScript thread spent that window: on a CPU, or runnable and waiting for one. */
  schedThread?: ThreadTimeShares;
  deleteSec: number;
}

interface RawResult extends Case {
  /** Bindings per second seen by the watch, measured as for the scheduler. */
  bindPerSec: number;
  /** What the client saw: binding calls completed per second, and their p99. */
  clientPerSec: number;
  p99: number;
  errors: number;
  firstError?: string;
  /** CPU seconds per process from the first binding call to the last binding seen. */
  cpu: Map<string, number>;
  deleteSec: number;
}

const CONCURRENCY = 32;
/**
 * Raw bindings in flight: as many as the scheduler allows itself (its maxInFlightBindings), so
 * that the raw rate is what the apiserver can bind, not what 32 round trips at a time allow.
 */
const RAW_BIND_CONCURRENCY = 500;
/** Whole-suite budget; a case whose estimate does not fit is skipped, and the output says so. */
const BUDGET_MS = 270_000;
/** No wait runs past this (from the start of the suite), whatever is left to do. */
const HARD_LIMIT_MS = 290_000;
/** The same for a required case: on a very busy machine the suite takes longer rather than measure nothing. */
const REQUIRED_LIMIT_MS = 600_000;

const out = (text: string): void => void process.stdout.write(text + '\n');
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const key = (c: Case): string => `${c.nodes}/${c.pods}/${c.kind}`;





interface Cpus {
  cluster: CpuSnapshot;
  components: Map<string, number>;
}

async function cpuNow(cluster: BenchCluster, components: readonly Component[]): Promise<Cpus> {
  return { cluster: await cpuSnapshot(cluster), components: cpuOf(components) };
}

/** CPU seconds per process between two snapshots; a component absent before counts from its start. */
function cpuSince(before: Cpus, after: Cpus): Map<string, number> {
  const d = cpuDelta(before.cluster, after.cluster);
  const m = new Map<string, number>([
    ['apiserver', d.apiserver],
    ['etcd', d.etcd],
    ['bench', d.bench],
  ]);
  for (const [name, v] of after.components) {
    const label = name.startsWith('hollow') ? 'hollow-nodes' : name;
    m.set(label, (m.get(label) ?? 0) + v - (before.components.get(name) ?? 0));
  }
  return m;
}

/** Creates the case's pods at concurrency 32 into a fresh namespace whose watch is already recording. */
async function createPods(client: ApiClient, c: Case, ns: string): Promise<{ tracker: PodTracker; createPerSec: number }> {
  await createNamespace(client, ns);
  const tracker = new PodTracker(client, ns, PREFIX, c.pods);
  await tracker.start();
  const api = client.resource(Pods).namespace(ns);
  const created = await runOps(c.pods, CONCURRENCY, (i) => api.create(benchPod(ns, i, c.kind)));
  if (created.errors > 0) throw new Error(`${created.errors} pod creations failed in ${ns}: ${created.firstError}`);
  return { tracker, createPerSec: created.opsPerSec };
}

/**
 * As kube-scheduler's scheduler_perf measures the scheduler and not the client feeding it: every
 * pod exists (pending) before a fresh scheduler process starts; the rate runs from its first
 * binding to its last, as seen by a watch.
 */
async function runScheduled(client: ApiClient, cluster: BenchCluster, hollow: readonly Component[], c: Case, tag: string, deadline: number): Promise<SchedResult> {
  const ns = `sched-${tag}`;
  const { tracker, createPerSec } = await createPods(client, c, ns);
  const t0 = performance.now();
  const scheduler = spawnScheduler(cluster.apiserver.address);
  let bound: boolean;
  let before: Cpus;
  let after: Cpus;
  let threadBefore: ReturnType<typeof readSchedStat>;
  let threadAfter: ReturnType<typeof readSchedStat>;
  try {
    const first = await tracker.waitUntil(() => tracker.bound >= 1 || !scheduler.running, 60_000, Math.min(deadline, t0 + 120_000));
    scheduler.assertRunning();
    if (!first) throw new Error(`${ns}: the scheduler bound no pod within a minute of its start:\n${scheduler.output()}`);
    // CPU from the first binding on: the window the rate is measured over.
    before = await cpuNow(cluster, [...hollow, scheduler]);
    threadBefore = readSchedStat(scheduler.pid);
    bound = await tracker.waitUntil(() => tracker.bound >= c.pods, 30_000, Math.min(deadline, t0 + Math.max(60_000, c.pods * 40)));
    threadAfter = readSchedStat(scheduler.pid);
    after = await cpuNow(cluster, [...hollow, scheduler]);
    scheduler.assertRunning();
  } finally {
    await scheduler.stop();
  }
  if (!bound) progress(`  ${ns}: only ${tracker.bound}/${c.pods} pods bound before the deadline`);
  // Everything is read now: bindings that land while the pods are deleted do not count.
  const boundCount = tracker.bound;
  const podsPerSec = tracker.bindingRate();
  const startupSec = (tracker.firstBoundAt - t0) / 1000;
  if (c.kind === 'anti-affinity') {
    const nodes = new Set(tracker.nodeOf.filter((n) => n !== undefined));
    if (nodes.size !== boundCount) progress(`  warning: anti-affinity pods share nodes: ${boundCount} pods on ${nodes.size} nodes`);
  }
  progress(`  deleting the pods of ${ns}...`);
  const deleteSec = await deleteAll(client, tracker);
  await tracker.stop();
  const schedThread = threadTimeShares(threadBefore, threadAfter);
  return { ...c, createPerSec, podsPerSec, startupSec, bound: boundCount, cpu: cpuSince(before, after), schedThread, deleteSec };
}

/** No scheduler: the same pods, created first (untimed), then bound to round-robin nodes with `client.bind`, 500 in flight. */
async function runRaw(client: ApiClient, cluster: BenchCluster, hollow: readonly Component[], c: Case, tag: string, cleanup: boolean): Promise<RawResult> {
  const ns = `raw-${tag}`;
  const { tracker } = await createPods(client, c, ns);
  const before = await cpuNow(cluster, hollow);
  const bind = await runOps(c.pods, RAW_BIND_CONCURRENCY, (i) => client.bind(ns, `${PREFIX}${i}`, `${HOLLOW_PREFIX}${i % c.nodes}`));
  await tracker.waitUntil(() => tracker.bound >= c.pods - bind.errors, 10_000, performance.now() + 30_000);
  const cpu = cpuSince(before, await cpuNow(cluster, hollow));
  const bindPerSec = tracker.bindingRate();
  let deleteSec = NaN;
  if (cleanup) {
    progress(`  deleting the pods of ${ns}...`);
    deleteSec = await deleteAll(client, tracker);
  }
  await tracker.stop();
  return { ...c, bindPerSec, clientPerSec: bind.opsPerSec, p99: bind.p99, errors: bind.errors, firstError: bind.firstError, cpu, deleteSec };
}

/** 200 pods through a scheduler and the hollow nodes, untimed: proves the scheduler works and warms the apiserver's paths. */
async function warmUp(client: ApiClient, cluster: BenchCluster, hollow: readonly Component[], nodes: number, deadline: number): Promise<void> {
  const n = 200;
  const r = await runScheduled(client, cluster, hollow, { nodes, pods: n, kind: 'plain' }, `warmup-${nodes}n`, deadline);
  if (r.bound < n) throw new Error(`warm-up: only ${r.bound}/${n} pods were scheduled; is the scheduler working?`);
}

function reportCycles(results: readonly CycleResult[]): void {
  out(heading('Scheduling cycle alone (in this process: default plugins, no queue, no API, no binding)'));
  out(
    renderTable(
      [{ header: 'nodes' }, { header: 'pods' }, { header: 'kind', align: 'left' }, { header: 'nodes filtered/pod' }, { header: 'CPU µs/pod' }, { header: 'pods/s' }],
      results.map((r) => [fmtInt(r.nodes), fmtInt(r.pods), r.kind, fmtInt(r.evaluatedPerPod), fmtInt(r.cpuUsPerPod), fmtInt(r.podsPerSec)]),
    ),
  );
  out('  snapshot, PreFilter, Filter, PreScore, Score, select and assume per pod, after a warm-up round; CPU time moves less with other load than wall time');
}

async function runCycles(): Promise<CycleResult[]> {
  const results: CycleResult[] = [];
  for (const c of CYCLE_CASES) {
    progress(`scheduling cycle alone: ${fmtInt(c.pods)} ${c.kind} pods on ${fmtInt(c.nodes)} nodes...`);
    results.push(await runCycleCase(c));
  }
  return results;
}

const OPTIONS = ['--quick', '--cycles'];
const ONLY = '--only=';

/** `--only=1000n-1000-anti-affinity,100n-1000-plain`: those cases alone, whatever the budget says. */
function parseOnly(args: readonly string[]): Set<string> | undefined {
  const arg = args.find((a) => a.startsWith(ONLY));
  return arg ? new Set(arg.slice(ONLY.length).split(',').filter(Boolean)) : undefined;
}
const tagOf = (c: Case): string => `${c.nodes}n-${c.pods}-${c.kind}`;

export async function runSchedulerSuite(args: readonly string[]): Promise<void> {
  const unknown = args.filter((a) => !OPTIONS.includes(a) && !a.startsWith(ONLY));
  if (unknown.length > 0) throw new Error(`unknown option(s) for the scheduler suite: ${unknown.join(' ')} (it takes ${OPTIONS.join(', ')})`);
  if (args.includes('--cycles')) {
    out('minik8s scheduler benchmark (--cycles: the scheduling cycle alone)');
    out(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}); load average at start ${load()}`);
    reportCycles(await runCycles());
    return;
  }
  const quick = args.includes('--quick');
  const only = parseOnly(args);
  const began = performance.now();
  const elapsed = (): number => performance.now() - began;
  // First, while none of the cluster's processes take CPU.
  const cycles = quick || only ? [] : await runCycles();
  progress('starting etcd and the apiserver...');
  const cluster = await startCluster();
  const server = cluster.apiserver.address;
  const client = new ApiClient(server, { timeoutMs: 120_000 });
  const sched: SchedResult[] = [];
  const raw: RawResult[] = [];
  const skipped: string[] = [];
  const arrival: ArrivalResult[] = [];
  try {
    out('minik8s scheduler benchmark' + (quick ? ' (--quick: 1,000 plain pods on 100 nodes only)' : ''));
    out(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}); etcd, apiserver, hollow-nodes, scheduler and the bench share the machine`);
    out(`load average at start ${load()} (other work on the machine skews every figure)`);
    out(`pods: 1 container, requests cpu 10m / memory 16Mi; created at concurrency ${CONCURRENCY} before the scheduler starts; hollow nodes: 4 CPU, 8Gi, 110 pods`);

    const hollow: Component[] = [];
    const nodeCounts = quick ? [100] : only && ![...only].some((t) => t.startsWith('1000n-')) ? [100] : [100, 1000];
    for (const nodes of nodeCounts) {
      progress(`starting hollow nodes up to ${nodes}...`);
      const have = hollow.length === 0 ? 0 : 100;
      const t = performance.now();
      hollow.push(await startHollowNodes(client, server, { count: nodes - have, firstIndex: have, prefix: HOLLOW_PREFIX }));
      progress(`  ${nodes - have} nodes Ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);

      const all: Case[] = quick
        ? [{ nodes, pods: 1000, kind: 'plain' }]
        : nodes === 100
          ? [
              { nodes, pods: 1000, kind: 'plain' },
              { nodes, pods: 5000, kind: 'plain' },
            ]
          : [
              { nodes, pods: 1000, kind: 'plain', required: true },
              { nodes, pods: 1000, kind: 'anti-affinity' },
              { nodes, pods: 5000, kind: 'plain' },
            ];
      const cases = only ? all.filter((c) => only.has(tagOf(c))).map((c) => ({ ...c, required: true })) : all;
      if (cases.length === 0) continue;

      progress(`warm-up: 200 pods through a scheduler on ${fmtInt(nodes)} nodes...`);
      await warmUp(client, cluster, hollow, nodes, began + (cases.some((c) => c.required) ? REQUIRED_LIMIT_MS : HARD_LIMIT_MS));
      for (const [i, c] of cases.entries()) {
        // Estimate from the last plain run (per pod: two creations, scheduling, raw binding, two deletions).
        const ref = sched.filter((r) => r.kind === 'plain').at(-1);
        const refRaw = ref && raw.find((r) => key(r) === key(ref));
        if (ref && refRaw && !c.required) {
          const perPodMs =
            (2000 / ref.createPerSec + 1000 / ref.podsPerSec + 1000 / refRaw.clientPerSec + (ref.deleteSec * 1000 * 2) / ref.pods) * (c.kind === 'anti-affinity' ? 2 : 1.2);
          const rest = nodes === 100 && !quick ? 60_000 : 0; // leave room for the 1,000-node phase
          const estimate = perPodMs * c.pods + rest;
          if (elapsed() + estimate > BUDGET_MS) {
            skipped.push(
              `${fmtInt(c.pods)} ${c.kind} pods on ${fmtInt(nodes)} nodes: estimated ${Math.round((estimate - rest) / 1000)} s, ` +
                `${Math.max(0, Math.round((BUDGET_MS - elapsed() - rest) / 1000))} s of the ${BUDGET_MS / 1000} s budget left`,
            );
            continue;
          }
        }
        const tag = tagOf(c);
        progress(`scheduler: ${fmtInt(c.pods)} ${c.kind} pods on ${fmtInt(nodes)} nodes...`);
        sched.push(await runScheduled(client, cluster, hollow, c, tag, began + (c.required ? REQUIRED_LIMIT_MS : HARD_LIMIT_MS)));
        // Right after, so that both see the same load on the shared machine.
        progress(`raw binding (no scheduler): ${fmtInt(c.pods)} ${c.kind} pods on ${fmtInt(nodes)} nodes...`);
        const last = nodes === 1000 && i === cases.length - 1 && (quick || !!only); // the cluster is torn down next
        raw.push(await runRaw(client, cluster, hollow, c, tag, !last));
      }
      if (!quick && !only) {
        for (const kind of nodes === 1000 ? (['plain', 'anti-affinity'] as const) : (['plain'] as const)) {
          const c = { nodes, pods: 1000, kind };
          for (const binder of ['scheduler', 'raw'] as const) {
            progress(`pods arriving, ${binder === 'raw' ? 'raw binder' : 'warm scheduler'}: ${fmtInt(c.pods)} ${kind} pods on ${fmtInt(nodes)} nodes...`);
            arrival.push(await runArrival(client, server, c, binder, tagOf(c), performance.now() + 120_000));
          }
        }
      }
      for (const h of hollow) h.assertRunning();
    }

    report(sched, raw, skipped);
    if (arrival.length > 0) out(reportArrival(arrival));
    if (cycles.length > 0) reportCycles(cycles);
    out(`\nload average at end ${load()}; suite took ${Math.round(elapsed() / 1000)} s`);
  } finally {
    client.close();
    progress('stopping the components, the apiserver and etcd...');
    await cluster.stop();
  }
}

/** CPU milliseconds per pod, from seconds over a run. */
function perPod(cpuSec: number | undefined, pods: number | undefined): string {
  return cpuSec === undefined || !pods ? '-' : ((cpuSec * 1000) / pods).toFixed(2);
}

function report(sched: SchedResult[], raw: RawResult[], skipped: string[]): void {
  out(heading('Scheduling (all pods pending before a fresh scheduler starts; rate from its first to its last binding)'));
  out(
    renderTable(
      [
        { header: 'nodes' },
        { header: 'pods' },
        { header: 'kind', align: 'left' },
        { header: 'bound' },
        { header: 'pods/s' },
        { header: 'startup s' },
        { header: 'CPU ms/pod: sched' },
        { header: 'apiserver' },
        { header: 'etcd' },
        { header: 'hollow' },
        { header: 'bench' },
        { header: 'sched thread: on CPU' },
        { header: 'waiting for CPU' },
        { header: 'create/s' },
        { header: 'delete s' },
      ],
      sched.map((r) => [
        fmtInt(r.nodes),
        fmtInt(r.pods),
        r.kind,
        fmtInt(r.bound),
        fmtInt(r.podsPerSec),
        r.startupSec.toFixed(1),
        perPod(r.cpu.get('scheduler'), r.bound),
        perPod(r.cpu.get('apiserver'), r.bound),
        perPod(r.cpu.get('etcd'), r.bound),
        perPod(r.cpu.get('hollow-nodes'), r.bound),
        perPod(r.cpu.get('bench'), r.bound),
        r.schedThread ? fmtPct(r.schedThread.running) : '-',
        r.schedThread ? fmtPct(r.schedThread.waitingForCpu) : '-',
        fmtInt(r.createPerSec),
        r.deleteSec.toFixed(1),
      ]),
    ),
  );
  out('  pods/s = (bound pods − 1) / (last binding seen − first binding seen); startup = scheduler spawned → first binding;');
  out('  CPU ms/pod = CPU time of each process from the first binding seen to the last, per bound pod;');
  out('  sched thread = share of that window the scheduler\'s JavaScript thread ran on a CPU, and was runnable but waited in the');
  out('  kernel\'s run queue (/proc/PID/schedstat): the two adding up to ~100% mean a scheduler with work all along, i.e. CPU-bound');
  out('  on the CPU share the machine gave it, not waiting for the apiserver');

  out(heading(`Raw binding (no scheduler: pods/binding to a round-robin node, ${RAW_BIND_CONCURRENCY} in flight, right after each scheduled case)`));
  const rawOf = new Map(raw.map((r) => [key(r), r]));
  out(
    renderTable(
      [
        { header: 'nodes' },
        { header: 'pods' },
        { header: 'kind', align: 'left' },
        { header: 'binds/s' },
        { header: 'client binds/s' },
        { header: 'bind p99 ms' },
        { header: 'errors' },
        { header: 'CPU ms/pod: apiserver' },
        { header: 'etcd' },
        { header: 'hollow' },
        { header: 'bench' },
        { header: 'scheduler / raw' },
      ],
      sched.map((s) => {
        const r = rawOf.get(key(s));
        return [
          fmtInt(s.nodes),
          fmtInt(s.pods),
          s.kind,
          fmtInt(r?.bindPerSec ?? NaN),
          fmtInt(r?.clientPerSec ?? NaN),
          fmtMs(r?.p99 ?? NaN),
          fmtInt(r?.errors ?? NaN),
          perPod(r?.cpu.get('apiserver'), r?.pods),
          perPod(r?.cpu.get('etcd'), r?.pods),
          perPod(r?.cpu.get('hollow-nodes'), r?.pods),
          perPod(r?.cpu.get('bench'), r?.pods),
          fmtPct(r ? s.podsPerSec / r.bindPerSec : NaN),
        ];
      }),
    ),
  );
  out('  binds/s is measured as the scheduler\'s pods/s (first to last binding seen by the watch); client binds/s = calls / wall time;');
  out('  CPU ms/pod from the first binding call to the last binding seen');
  for (const r of raw) if (r.firstError) out(`  first bind error (${key(r)}): ${r.firstError}`);

  if (skipped.length > 0) {
    out('\nNot run (does not fit the time budget):');
    for (const s of skipped) out(`  - ${s}`);
  }

  out(heading('Targets'));
  const rows: string[][] = [];
  for (const s of sched) {
    if (s.nodes === 1000 && s.kind === 'plain') {
      rows.push([`plain pods/s, ${fmtInt(s.pods)} pods on 1,000 nodes`, '>= 300', fmtInt(s.podsPerSec), s.podsPerSec >= 300 && s.bound === s.pods ? 'PASS' : 'MISS']);
    }
  }
  for (const s of sched) {
    const r = rawOf.get(key(s));
    const ratio = r ? s.podsPerSec / r.bindPerSec : NaN;
    rows.push([`scheduler / raw binding, ${fmtInt(s.pods)} ${s.kind} pods on ${fmtInt(s.nodes)} nodes`, '>= 70%', fmtPct(ratio), ratio >= 0.7 && s.bound === s.pods ? 'PASS' : 'MISS']);
  }
  out(renderTable([{ header: 'target', align: 'left' }, { header: 'wanted' }, { header: 'got' }, { header: 'result', align: 'left' }], rows));
}
