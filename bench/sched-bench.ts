import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { corev1 } from '@minik8s/api';
import { ApiClient, Namespaces, Pods } from '@minik8s/client';
import { Component, cpuOf, startHollowNodes, startScheduler } from './components';
import { cpuSnapshot, cpuDelta, type CpuSnapshot } from './cpu';
import { startCluster, type BenchCluster } from './harness';
import { PodTracker } from './pod-tracker';
import { runOps } from './runner';
import { percentile } from './stats';
import { fmtInt, fmtMs, fmtPct, heading, renderTable } from './table';

type PodKind = 'plain' | 'anti-affinity';

interface Case {
  nodes: number;
  pods: number;
  kind: PodKind;
}

interface SchedResult extends Case {
  createPerSec: number;
  /** pods / (last binding seen − first create sent). */
  podsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  bound: number;
  cpu: Map<string, number>;
  deleteSec: number;
}

interface RawResult extends Case {
  bindPerSec: number;
  p99: number;
  errors: number;
  firstError?: string;
  deleteSec: number;
}

const CONCURRENCY = 32;
const PREFIX = 'p-';
const HOLLOW_PREFIX = 'hollow-';
/** Whole-suite budget; a case whose estimate does not fit is skipped, and the output says so. */
const BUDGET_MS = 270_000;
/** No wait runs past this (from the start of the suite), whatever is left to do. */
const HARD_LIMIT_MS = 290_000;

const out = (text: string): void => void process.stdout.write(text + '\n');
const progress = (text: string): void => void process.stderr.write(`${text}\n`);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const key = (c: Case): string => `${c.nodes}/${c.pods}/${c.kind}`;

function benchPod(ns: string, i: number, kind: PodKind): corev1.Pod {
  const app = kind === 'plain' ? 'sched-plain' : 'sched-anti';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${PREFIX}${i}`, namespace: ns, labels: { app } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: 'registry.example.com/pause:3.9', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
      affinity:
        kind === 'anti-affinity'
          ? {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' }],
              },
            }
          : undefined,
    },
  };
}

async function createNamespace(client: ApiClient, name: string): Promise<void> {
  await client.resource(Namespaces).create({ metadata: { name } });
}

/** deletecollection with grace 0, then waits until the watch has seen every pod go. */
async function deleteAll(client: ApiClient, tracker: PodTracker): Promise<number> {
  const t0 = performance.now();
  await client.resource(Pods).namespace(tracker.namespace).deleteCollection({}, { gracePeriodSeconds: 0 });
  const ok = await tracker.waitUntil(() => tracker.deleted >= tracker.added, 30_000, t0 + 120_000);
  if (!ok) progress(`  warning: ${tracker.added - tracker.deleted} pods of ${tracker.namespace} not deleted yet`);
  return (performance.now() - t0) / 1000;
}

interface Cpus {
  cluster: CpuSnapshot;
  components: Map<string, number>;
}

async function cpuNow(cluster: BenchCluster, components: readonly Component[]): Promise<Cpus> {
  return { cluster: await cpuSnapshot(cluster), components: cpuOf(components) };
}

function cpuSince(before: Cpus, after: Cpus): Map<string, number> {
  const d = cpuDelta(before.cluster, after.cluster);
  const m = new Map<string, number>([
    ['apiserver', d.apiserver],
    ['etcd', d.etcd],
    ['bench', d.bench],
  ]);
  for (const [name, v] of after.components) {
    const label = name.startsWith('hollow') ? 'hollow-nodes' : name;
    m.set(label, (m.get(label) ?? 0) + v - (before.components.get(name) ?? NaN));
  }
  return m;
}

/** Creates the pods at concurrency 32 with the scheduler running; times creation → binding per pod. */
async function runScheduled(client: ApiClient, cluster: BenchCluster, components: readonly Component[], c: Case, tag: string, deadline: number): Promise<SchedResult> {
  const ns = `sched-${tag}`;
  await createNamespace(client, ns);
  const tracker = new PodTracker(client, ns, PREFIX, c.pods);
  await tracker.start();
  const api = client.resource(Pods).namespace(ns);
  const createdAt = new Float64Array(c.pods);
  const before = await cpuNow(cluster, components);
  const t0 = performance.now();
  const created = await runOps(c.pods, CONCURRENCY, async (i) => {
    await api.create(benchPod(ns, i, c.kind));
    createdAt[i] = performance.now();
  });
  if (created.errors > 0) throw new Error(`${created.errors} pod creations failed in ${ns}: ${created.firstError}`);
  const bound = await tracker.waitUntil(() => tracker.bound >= c.pods, 30_000, Math.min(deadline, t0 + Math.max(60_000, c.pods * 40)));
  const after = await cpuNow(cluster, components);
  if (!bound) progress(`  ${ns}: only ${tracker.bound}/${c.pods} pods bound before the deadline`);
  // Everything is read now: bindings that land while the pods are deleted do not count.
  const boundCount = tracker.bound;
  const lastBoundAt = tracker.lastBoundAt;
  const lat: number[] = [];
  for (let i = 0; i < c.pods; i++) if (tracker.boundAt[i] > 0) lat.push(Math.max(0, tracker.boundAt[i] - createdAt[i]));
  if (c.kind === 'anti-affinity') {
    const nodes = new Set(tracker.nodeOf.filter((n) => n !== undefined));
    if (nodes.size !== boundCount) progress(`  warning: anti-affinity pods share nodes: ${boundCount} pods on ${nodes.size} nodes`);
  }
  progress(`  deleting the pods of ${ns}...`);
  const deleteSec = await deleteAll(client, tracker);
  await tracker.stop();
  return {
    ...c,
    createPerSec: created.opsPerSec,
    podsPerSec: boundCount / ((lastBoundAt - t0) / 1000),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: percentile(lat, 100),
    bound: boundCount,
    cpu: cpuSince(before, after),
    deleteSec,
  };
}

/** Scheduler not running: creates the pods (untimed), then binds each to a round-robin node at concurrency 32. */
async function runRaw(client: ApiClient, c: Case, tag: string, cleanup: boolean): Promise<RawResult> {
  const ns = `raw-${tag}`;
  await createNamespace(client, ns);
  const tracker = new PodTracker(client, ns, PREFIX, c.pods);
  await tracker.start();
  const api = client.resource(Pods).namespace(ns);
  const created = await runOps(c.pods, CONCURRENCY, (i) => api.create(benchPod(ns, i, c.kind)));
  if (created.errors > 0) throw new Error(`${created.errors} pod creations failed in ${ns}: ${created.firstError}`);
  const bind = await runOps(c.pods, CONCURRENCY, (i) => client.bind(ns, `${PREFIX}${i}`, `${HOLLOW_PREFIX}${i % c.nodes}`));
  let deleteSec = NaN;
  if (cleanup) {
    await tracker.waitUntil(() => tracker.bound >= c.pods - bind.errors, 10_000, performance.now() + 30_000);
    progress(`  deleting the pods of ${ns}...`);
    deleteSec = await deleteAll(client, tracker);
  }
  await tracker.stop();
  return { ...c, bindPerSec: bind.opsPerSec, p99: bind.p99, errors: bind.errors, firstError: bind.firstError, deleteSec };
}

/** Some pods through the scheduler and hollow nodes, untimed: JIT and informers warm. */
async function warmUp(client: ApiClient, tag: string): Promise<void> {
  const ns = `warmup-${tag}`;
  const n = 100;
  await createNamespace(client, ns);
  const tracker = new PodTracker(client, ns, PREFIX, n);
  await tracker.start();
  const api = client.resource(Pods).namespace(ns);
  await runOps(n, CONCURRENCY, (i) => api.create(benchPod(ns, i, 'plain')));
  const ok = await tracker.waitUntil(() => tracker.bound >= n, 30_000, performance.now() + 60_000);
  if (!ok) throw new Error(`warm-up: only ${tracker.bound}/${n} pods were scheduled; is the scheduler working?`);
  await deleteAll(client, tracker);
  await tracker.stop();
}

export async function runSchedulerSuite(args: readonly string[]): Promise<void> {
  if (args.length > 0) throw new Error(`the scheduler suite takes no options (got ${args.join(' ')})`);
  const began = performance.now();
  const elapsed = (): number => performance.now() - began;
  progress('starting etcd and the apiserver...');
  const cluster = await startCluster();
  const server = cluster.apiserver.address;
  const client = new ApiClient(server, { timeoutMs: 120_000 });
  const sched: SchedResult[] = [];
  const raw: RawResult[] = [];
  const skipped: string[] = [];
  try {
    out('minik8s scheduler benchmark');
    out(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}); etcd, apiserver, hollow-nodes, scheduler and the bench share the machine`);
    out(`load average at start ${load()} (other work on the machine skews every figure)`);
    out(`pods: 1 container, requests cpu 10m / memory 16Mi; created at concurrency ${CONCURRENCY}; hollow nodes: 4 CPU, 8Gi, 110 pods`);

    const hollow: Component[] = [];
    let scheduler: Component | undefined;
    for (const nodes of [100, 1000]) {
      progress(`starting hollow nodes up to ${nodes}...`);
      const have = hollow.length === 0 ? 0 : 100;
      const t = performance.now();
      hollow.push(await startHollowNodes(client, server, { count: nodes - have, firstIndex: have, prefix: HOLLOW_PREFIX }));
      progress(`  ${nodes - have} nodes Ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);

      const cases: Case[] =
        nodes === 100
          ? [
              { nodes, pods: 1000, kind: 'plain' },
              { nodes, pods: 5000, kind: 'plain' },
            ]
          : [
              { nodes, pods: 1000, kind: 'plain' },
              { nodes, pods: 1000, kind: 'anti-affinity' },
              { nodes, pods: 5000, kind: 'plain' },
            ];

      progress('starting the scheduler...');
      scheduler = await startScheduler(server);
      const components = [...hollow, scheduler];
      await warmUp(client, `${nodes}n`);
      const ran: Case[] = [];
      for (const c of cases) {
        // Estimate from the last run (per pod: scheduling, the raw run's create + bind, two deletions).
        const ref = sched.filter((r) => r.kind === 'plain').at(-1);
        if (ref) {
          const perPodMs = (1000 / ref.podsPerSec + 2000 / ref.createPerSec + (ref.deleteSec * 1000 * 2) / ref.pods) * (c.kind === 'anti-affinity' ? 2 : 1.2);
          const rest = nodes === 100 ? 60_000 : 0; // leave room for the 1,000-node phase
          const estimate = perPodMs * c.pods + rest;
          if (elapsed() + estimate > BUDGET_MS) {
            skipped.push(
              `${fmtInt(c.pods)} ${c.kind} pods on ${fmtInt(nodes)} nodes: estimated ${Math.round((estimate - rest) / 1000)} s, ` +
                `${Math.max(0, Math.round((BUDGET_MS - elapsed() - rest) / 1000))} s of the ${BUDGET_MS / 1000} s budget left`,
            );
            continue;
          }
        }
        progress(`scheduler: ${fmtInt(c.pods)} ${c.kind} pods on ${fmtInt(nodes)} nodes...`);
        sched.push(await runScheduled(client, cluster, components, c, `${nodes}n-${c.pods}-${c.kind}`, began + HARD_LIMIT_MS));
        ran.push(c);
      }
      scheduler.assertRunning();
      await scheduler.stop();

      for (const [i, c] of ran.entries()) {
        progress(`raw binding (no scheduler): ${fmtInt(c.pods)} ${c.kind} pods on ${fmtInt(nodes)} nodes...`);
        // The very last run's pods need not go: the cluster is torn down next.
        raw.push(await runRaw(client, c, `${nodes}n-${c.pods}-${c.kind}`, !(nodes === 1000 && i === ran.length - 1)));
      }
      for (const h of hollow) h.assertRunning();
    }

    report(sched, raw, skipped);
    out(`\nload average at end ${load()}; suite took ${Math.round(elapsed() / 1000)} s`);
  } finally {
    client.close();
    progress('stopping the components, the apiserver and etcd...');
    await cluster.stop();
  }
}

function report(sched: SchedResult[], raw: RawResult[], skipped: string[]): void {
  out(heading('Scheduling (scheduler running; creation → first watch event with spec.nodeName)'));
  out(
    renderTable(
      [
        { header: 'nodes' },
        { header: 'pods' },
        { header: 'kind', align: 'left' },
        { header: 'bound' },
        { header: 'create/s' },
        { header: 'pods/s' },
        { header: 'p50 ms' },
        { header: 'p99 ms' },
        { header: 'max ms' },
        { header: 'CPU s: sched' },
        { header: 'apiserver' },
        { header: 'etcd' },
        { header: 'hollow' },
        { header: 'bench' },
        { header: 'delete s' },
      ],
      sched.map((r) => [
        fmtInt(r.nodes),
        fmtInt(r.pods),
        r.kind,
        fmtInt(r.bound),
        fmtInt(r.createPerSec),
        fmtInt(r.podsPerSec),
        fmtMs(r.p50),
        fmtMs(r.p99),
        fmtMs(r.max),
        (r.cpu.get('scheduler') ?? NaN).toFixed(1),
        (r.cpu.get('apiserver') ?? NaN).toFixed(1),
        (r.cpu.get('etcd') ?? NaN).toFixed(1),
        (r.cpu.get('hollow-nodes') ?? NaN).toFixed(1),
        (r.cpu.get('bench') ?? NaN).toFixed(1),
        r.deleteSec.toFixed(1),
      ]),
    ),
  );
  out('  pods/s = bound pods / (last binding seen − first create sent); CPU = seconds used by each process over the run');

  out(heading(`Raw binding (no scheduler: pods/binding to a round-robin node, concurrency ${CONCURRENCY})`));
  const rawOf = new Map(raw.map((r) => [key(r), r]));
  out(
    renderTable(
      [{ header: 'nodes' }, { header: 'pods' }, { header: 'kind', align: 'left' }, { header: 'binds/s' }, { header: 'bind p99 ms' }, { header: 'errors' }, { header: 'scheduler / raw' }],
      sched.map((s) => {
        const r = rawOf.get(key(s));
        return [fmtInt(s.nodes), fmtInt(s.pods), s.kind, fmtInt(r?.bindPerSec ?? NaN), fmtMs(r?.p99 ?? NaN), fmtInt(r?.errors ?? NaN), fmtPct(r ? s.podsPerSec / r.bindPerSec : NaN)];
      }),
    ),
  );
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
