import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { appsv1, corev1 } from '@minik8s/api';
import { ApiClient, Deployments, Namespaces, Pods, ReplicaSets, type WatchStream } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { Component, cpuOf, startControllerManager, startHollowNodes, startScheduler } from './components';
import { cpuDelta, cpuSnapshot, type CpuSnapshot } from './cpu';
import { startCluster, type BenchCluster } from './harness';
import { fmtInt, heading, renderTable } from './table';

const NODES = 100;
const REPLICAS = 1000;
const NS = 'bench-deploy';
const NAME = 'web';
const CONTROLLERS = 'deployment,replicaset,garbage-collector';
const IMAGE_V1 = 'registry.example.com/web:1.0';
const IMAGE_V2 = 'registry.example.com/web:2.0';
const PHASE_DEADLINE_MS = 150_000;
const STALL_MS = 45_000;

const out = (text: string): void => void process.stdout.write(text + '\n');
const progress = (text: string): void => void process.stderr.write(`${text}\n`);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

function deployment(ns: string, name: string, replicas: number, image: string): appsv1.Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { type: 1, strVal: '25%' }, maxUnavailable: { type: 1, strVal: '25%' } } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
      },
    },
  };
}

/** Keeps the latest Deployment and ReplicaSets of the namespace, and counts pod ADDED/DELETED events. */
class Observer {
  deployment: appsv1.Deployment | undefined;
  readonly replicaSets = new Map<string, appsv1.ReplicaSet>();
  podsAdded = 0;
  podsDeleted = 0;
  /** Most pods that existed at once (ADDED − DELETED, terminating ones included) since the last reset. */
  peakPods = 0;
  /** Most pods at once that were neither terminating nor finished: what maxSurge bounds. */
  peakActivePods = 0;
  /** Highest Deployment status.replicas, and highest sum of ReplicaSet spec.replicas, since the last reset. */
  peakStatusReplicas = 0;
  peakSpecReplicas = 0;
  /** The ReplicaSets' sizes when peakSpecReplicas was reached, e.g. "web-5d8f 1,000 + web-7c9b 279". */
  peakSpecAt = '';
  private readonly activePods = new Set<string>();
  private streams: WatchStream<unknown>[] = [];
  private loops: Promise<void>[] = [];
  private error: unknown;
  private waiters: (() => void)[] = [];

  constructor(private readonly client: ApiClient) {}

  async start(): Promise<void> {
    const watch = async <T>(api: { list(o: object): Promise<{ resourceVersion: string }>; watch(o: object): WatchStream<T> }, on: (type: string, obj: T) => void): Promise<void> => {
      const list = await api.list({ limit: 1 });
      const stream = api.watch({ resourceVersion: list.resourceVersion });
      this.streams.push(stream as WatchStream<unknown>);
      this.loops.push(
        (async () => {
          try {
            for await (const ev of stream) {
              on(ev.type, ev.object);
              this.wake();
            }
          } catch (err) {
            this.error = err;
            this.wake();
          }
        })(),
      );
    };
    await watch(this.client.resource(Deployments).namespace(NS), (type, d) => {
      if (d.metadata?.name !== NAME) return;
      this.deployment = type === 'DELETED' ? undefined : d;
      this.peakStatusReplicas = Math.max(this.peakStatusReplicas, d.status?.replicas ?? 0);
    });
    await watch(this.client.resource(ReplicaSets).namespace(NS), (type, rs) => {
      const name = rs.metadata?.name ?? '';
      if (type === 'DELETED') this.replicaSets.delete(name);
      else this.replicaSets.set(name, rs);
      this.notePeakSpec();
    });
    await watch(this.client.resource(Pods).namespace(NS), (type, pod: corev1.Pod) => {
      if (type === 'ADDED') this.podsAdded++;
      if (type === 'DELETED') this.podsDeleted++;
      this.peakPods = Math.max(this.peakPods, this.podsAdded - this.podsDeleted);
      const uid = pod.metadata?.uid ?? '';
      const phase = pod.status?.phase;
      if (type === 'DELETED' || pod.metadata?.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') this.activePods.delete(uid);
      else this.activePods.add(uid);
      this.peakActivePods = Math.max(this.peakActivePods, this.activePods.size);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits for `done()`; false at the deadline or after STALL_MS without any event. Reports progress every 10 s. */
  async waitUntil(what: string, done: () => boolean, describe: () => string, deadlineMs: number): Promise<boolean> {
    let lastEvent = performance.now();
    let lastReport = performance.now();
    while (!done()) {
      if (this.error) throw this.error instanceof Error ? this.error : new Error(String(this.error));
      const now = performance.now();
      if (now > deadlineMs || now - lastEvent > STALL_MS) return false;
      if (now - lastReport > 10_000) {
        progress(`  ${what}: ${describe()}`);
        lastReport = now;
      }
      const woke = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 500);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (woke) lastEvent = performance.now();
    }
    return true;
  }

  /** Starts the peaks of a new phase from what exists now. */
  resetPeaks(): void {
    this.peakPods = this.podsAdded - this.podsDeleted;
    this.peakActivePods = this.activePods.size;
    this.peakStatusReplicas = this.deployment?.status?.replicas ?? 0;
    this.peakSpecReplicas = 0;
    this.notePeakSpec();
  }

  private notePeakSpec(): void {
    let spec = 0;
    for (const r of this.replicaSets.values()) spec += r.spec?.replicas ?? 0;
    if (spec <= this.peakSpecReplicas) return;
    this.peakSpecReplicas = spec;
    this.peakSpecAt = [...this.replicaSets.values()].map((r) => `${r.metadata?.name} ${fmtInt(r.spec?.replicas ?? 0)}`).join(' + ');
  }

  rsWithImage(image: string): appsv1.ReplicaSet | undefined {
    for (const rs of this.replicaSets.values()) if (rs.spec?.template?.spec?.containers?.[0]?.image === image) return rs;
    return undefined;
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.close();
    await Promise.all(this.loops);
  }
}

interface Phase {
  name: string;
  done: boolean;
  seconds: number;
  created: number;
  deleted: number;
  peakPods: number;
  peakActivePods: number;
  peakStatusReplicas: number;
  peakSpecReplicas: number;
  peakSpecAt: string;
  cpu: Map<string, number>;
  note: string;
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
  for (const [name, v] of after.components) m.set(name, v - (before.components.get(name) ?? NaN));
  return m;
}

/** A small Deployment through every component, untimed: proves the controller-manager is up and warms everything. */
async function warmUp(client: ApiClient): Promise<void> {
  const ns = 'bench-warmup';
  await client.resource(Namespaces).create({ metadata: { name: ns } });
  const deployments = client.resource(Deployments).namespace(ns);
  await deployments.create(deployment(ns, 'warm', 50, IMAGE_V1));
  await waitFor(async () => ((await deployments.get('warm')).status?.availableReplicas ?? 0) >= 50, {
    timeoutMs: 90_000,
    intervalMs: 250,
    description: 'the warm-up Deployment (50 replicas) to become available; are the controller-manager and scheduler working?',
  });
  await deployments.delete('warm', { propagationPolicy: 'Foreground' });
  const pods = client.resource(Pods).namespace(ns);
  await waitFor(async () => (await pods.list({ limit: 1 })).items.length === 0, { timeoutMs: 60_000, intervalMs: 250, description: 'the warm-up pods to go' });
}

export async function runControllersSuite(args: readonly string[]): Promise<void> {
  if (args.length > 0) throw new Error(`the controllers suite takes no options (got ${args.join(' ')})`);
  const began = performance.now();
  progress('starting etcd and the apiserver...');
  const cluster = await startCluster();
  const server = cluster.apiserver.address;
  const client = new ApiClient(server, { timeoutMs: 120_000 });
  try {
    out('minik8s controllers benchmark');
    out(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}); etcd, apiserver, hollow-nodes, scheduler, controller-manager and the bench share the machine`);
    out(`load average at start ${load()} (other work on the machine skews every figure)`);
    out(
      `a ${fmtInt(REPLICAS)}-replica Deployment (RollingUpdate 25% surge / 25% unavailable; pods request cpu 10m / memory 16Mi) ` +
        `on ${NODES} hollow nodes; controller-manager --controllers=${CONTROLLERS}`,
    );

    progress(`starting ${NODES} hollow nodes...`);
    const hollow = await startHollowNodes(client, server, { count: NODES });
    progress('starting the scheduler and the controller-manager...');
    const scheduler = await startScheduler(server);
    const cm = startControllerManager(server, CONTROLLERS);
    const components = [hollow, scheduler, cm];
    progress('warming up (a 50-replica Deployment)...');
    await warmUp(client);

    await client.resource(Namespaces).create({ metadata: { name: NS } });
    const obs = new Observer(client);
    await obs.start();
    const deployments = client.resource(Deployments).namespace(NS);
    const phases: Phase[] = [];
    const check = (): void => {
      for (const c of components) c.assertRunning();
    };

    // 1. Create → availableReplicas = 1,000.
    progress(`creating the ${fmtInt(REPLICAS)}-replica Deployment...`);
    let before = await cpuNow(cluster, components);
    let t0 = performance.now();
    const created = await deployments.create(deployment(NS, NAME, REPLICAS, IMAGE_V1));
    const available = (): boolean => (obs.deployment?.status?.availableReplicas ?? 0) >= REPLICAS;
    const status = (): string => {
      const s = obs.deployment?.status;
      return `replicas ${s?.replicas ?? 0}, updated ${s?.updatedReplicas ?? 0}, ready ${s?.readyReplicas ?? 0}, available ${s?.availableReplicas ?? 0}; pods added ${obs.podsAdded}, deleted ${obs.podsDeleted}`;
    };
    let ok = await obs.waitUntil('available', available, status, t0 + PHASE_DEADLINE_MS);
    check();
    phases.push({
      name: `create → availableReplicas = ${fmtInt(REPLICAS)}`,
      done: ok,
      seconds: (performance.now() - t0) / 1000,
      created: obs.podsAdded,
      deleted: obs.podsDeleted,
      peakPods: obs.peakPods,
      peakActivePods: obs.peakActivePods,
      peakStatusReplicas: obs.peakStatusReplicas,
      peakSpecReplicas: obs.peakSpecReplicas,
      peakSpecAt: obs.peakSpecAt,
      cpu: cpuSince(before, await cpuNow(cluster, components)),
      note: ok ? '' : `not reached: ${status()}`,
    });

    // 2. Image change → rollout complete.
    if (ok) {
      progress('rolling over to a new image...');
      const added0 = obs.podsAdded;
      const deleted0 = obs.podsDeleted;
      obs.resetPeaks();
      before = await cpuNow(cluster, components);
      const current = await deployments.get(NAME);
      current.spec!.template!.spec!.containers![0].image = IMAGE_V2;
      t0 = performance.now();
      const updated = await deployments.update(current);
      const generation = updated.metadata?.generation ?? (created.metadata?.generation ?? 1) + 1;
      const rolledOver = (): boolean => {
        const s = obs.deployment?.status;
        const old = obs.rsWithImage(IMAGE_V1);
        const fresh = obs.rsWithImage(IMAGE_V2);
        return (
          (s?.observedGeneration ?? 0) >= generation &&
          s?.updatedReplicas === REPLICAS &&
          s?.availableReplicas === REPLICAS &&
          s?.replicas === REPLICAS &&
          fresh !== undefined &&
          (old === undefined || ((old.spec?.replicas ?? 0) === 0 && (old.status?.replicas ?? 0) === 0))
        );
      };
      const rolloutStatus = (): string => {
        const old = obs.rsWithImage(IMAGE_V1);
        return `${status()}; old RS spec ${old?.spec?.replicas ?? '-'} / status ${old?.status?.replicas ?? '-'}`;
      };
      ok = await obs.waitUntil('rollout', rolledOver, rolloutStatus, t0 + PHASE_DEADLINE_MS);
      check();
      phases.push({
        name: 'image change → rollout complete',
        done: ok,
        seconds: (performance.now() - t0) / 1000,
        created: obs.podsAdded - added0,
        deleted: obs.podsDeleted - deleted0,
        peakPods: obs.peakPods,
        peakActivePods: obs.peakActivePods,
        peakStatusReplicas: obs.peakStatusReplicas,
        peakSpecReplicas: obs.peakSpecReplicas,
        peakSpecAt: obs.peakSpecAt,
        cpu: cpuSince(before, await cpuNow(cluster, components)),
        note: ok ? '' : `not reached: ${rolloutStatus()}`,
      });
    }
    await obs.stop();

    out(heading('Deployment'));
    out(
      renderTable(
        [
          { header: 'phase', align: 'left' },
          { header: 'result', align: 'left' },
          { header: 'seconds' },
          { header: 'pods created' },
          { header: 'created/s' },
          { header: 'pods deleted' },
          { header: 'deleted/s' },
          { header: 'peak pods' },
          { header: 'peak active' },
          { header: 'peak RS spec' },
          { header: 'peak status.replicas' },
        ],
        phases.map((p) => [
          p.name,
          p.done ? 'done' : 'TIMED OUT',
          p.seconds.toFixed(1),
          fmtInt(p.created),
          fmtInt(p.created / p.seconds),
          fmtInt(p.deleted),
          fmtInt(p.deleted / p.seconds),
          fmtInt(p.peakPods),
          fmtInt(p.peakActivePods),
          fmtInt(p.peakSpecReplicas),
          fmtInt(p.peakStatusReplicas),
        ]),
      ),
    );
    for (const p of phases) if (p.note) out(`  ${p.name}: ${p.note}`);
    for (const p of phases) out(`  ${p.name}: peak RS spec ${fmtInt(p.peakSpecReplicas)} = ${p.peakSpecAt}`);
    out('  pods created/deleted = ADDED/DELETED events on a pod watch of the namespace during the phase; per second over the whole phase');
    out(`  peak pods = most pods in the namespace at once, terminating ones included; peak active = most at once neither terminating nor finished`);
    out(`  peak RS spec = highest sum of the ReplicaSets' spec.replicas; peak status.replicas = highest Deployment status.replicas`);
    out(`  a rollover needs ${fmtInt(REPLICAS)} created and deleted; maxSurge 25% bounds RS spec and status.replicas by ${fmtInt(REPLICAS * 1.25)}`);

    out(heading('CPU seconds per process during each phase'));
    const names = ['controller-manager', 'scheduler', hollow.name, 'apiserver', 'etcd', 'bench'];
    out(
      renderTable(
        [{ header: 'phase', align: 'left' }, ...names.map((n) => ({ header: n.startsWith('hollow') ? 'hollow-nodes' : n }))],
        phases.map((p) => [p.name, ...names.map((n) => (p.cpu.get(n) ?? NaN).toFixed(1))]),
      ),
    );
    out(`\nload average at end ${load()}; suite took ${Math.round((performance.now() - began) / 1000)} s`);
  } finally {
    client.close();
    progress('stopping the components, the apiserver and etcd...');
    await cluster.stop();
  }
}
