import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import type { corev1 } from '@minik8s/api';
import { ApiClient, Nodes, Pods, type WatchStream } from '@minik8s/client';
import { TEST_LABEL, buildBusyboxImage, buildPauseImage, ensureDockerEngine, freePort, removeDockerObjectsByLabel, waitFor } from '@minik8s/testing';
import { Component } from './components';

/** The log bounds the kubelet gives every container by default (--container-log-max-size 10Mi, --container-log-max-files 5). */
const KUBELET_LOG_CONFIG = { Type: 'json-file', Config: { 'max-size': String(10 * 1024 * 1024), 'max-file': '5' } };
import { cpuDelta, cpuSnapshot } from './cpu';
import { DockerApiTrace } from './docker-api-trace';
import { engineCpuDelta, engineCpuSnapshot } from './docker-engine-cpu';
import { onCleanup, startCluster, type BenchCluster } from './harness';
import { percentile } from './stats';
import { fmtMs, heading, renderTable } from './table';

/** Kubernetes' pod-startup SLO: p99 within 5 s (for pods whose images are present). */
const SLO_P99_MS = 5_000;
const TARGET_RATIO = 1.5;
const DEFAULT_POD_CIDR = '10.244.243.0/24';
/**
 * One pod network for every run, reused by the next run: Docker 20.10 under heavy load sometimes
 * keeps a stale endpoint after mass container removal and then refuses to remove the network
 * ("has active endpoints") until the engine restarts; a fixed name keeps that to one network.
 */
const NETWORK = 'minik8s-bench-pod-startup';
/** The app container of every pod, and of the baseline: it stops at once on SIGTERM. */
const APP_COMMAND = ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1; done"];

interface Options {
  sizes: number[];
  podCIDR: string;
  /** Put a recording proxy between the kubelet and the engine, and print where each pod's time went. */
  traceDocker: boolean;
  /** Per-pod times (epoch ms) written here as JSON lines, to line them up with other traces. */
  timeline?: string;
  /** The kubelet's --max-parallel-container-starts, which the dockerode baseline follows too. */
  maxParallelStarts: number;
}

function parseArgs(args: readonly string[]): Options {
  const value = (flag: string): string | undefined => args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
  const sizes = value('pods');
  const starts = Number(value('max-parallel-container-starts'));
  return {
    sizes: sizes ? sizes.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0) : [1, 10, 30],
    // Docker refuses a bridge whose subnet overlaps another network's.
    podCIDR: value('pod-cidr') ?? DEFAULT_POD_CIDR,
    traceDocker: args.includes('--trace-docker'),
    timeline: value('timeline'),
    // The kubelet's default when unset or 0.
    maxParallelStarts: Number.isInteger(starts) && starts > 0 ? starts : 2 * cpus().length,
  };
}

/** Per pod (by name): when its phase first read Running, and its Ready condition True. */
class StartupWatch {
  readonly running = new Map<string, number>();
  readonly ready = new Map<string, number>();
  private stream: WatchStream<corev1.Pod> | undefined;
  private done: Promise<void> | undefined;

  constructor(private readonly client: ApiClient) {}

  async start(): Promise<void> {
    const api = this.client.resource(Pods).namespace('default');
    const list = await api.list({ limit: 1 });
    const stream = api.watch({ resourceVersion: list.resourceVersion });
    this.stream = stream;
    this.done = (async () => {
      try {
        for await (const ev of stream) {
          const now = performance.now();
          const name = ev.object.metadata?.name ?? '';
          if (ev.object.status?.phase === 'Running' && !this.running.has(name)) this.running.set(name, now);
          if (ev.object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !this.ready.has(name)) this.ready.set(name, now);
        }
      } catch {
        // Closed by stop().
      }
    })();
  }

  async stop(): Promise<void> {
    this.stream?.close();
    await this.done;
  }
}

interface Round {
  pods: number;
  running: number[];
  ready: number[];
  docker: number[];
  /** CPU seconds per pod: the Docker engine's through the kubelet and through dockerode, the kubelet's and the apiserver's. */
  engineCpu: number;
  directEngineCpu: number;
  kubeletCpu: number;
  apiserverCpu: number;
  etcdCpu: number;
  /** The 1-minute load average after the kubelet's round: the machine is shared. */
  load: number;
}

/**
 * `npm run bench -- pod-startup`: a real kubelet (its own process) on this machine's Docker, and
 * for 1, 10 and 30 pods created at once the time from create to Running and to Ready; then the
 * same containers (a pause sandbox on the pod network plus the app container in its namespaces)
 * started straight through dockerode, as the floor the kubelet is compared with.
 */
export async function runPodStartupSuite(args: readonly string[]): Promise<void> {
  const options = parseArgs(args);
  const progress = (m: string): void => void process.stderr.write(`${m}\n`);
  await ensureDockerEngine();
  const runId = Math.random().toString(36).slice(2, 8);
  const testLabel = `${TEST_LABEL}=bench-${runId}`;
  const nodeName = `bench-node-${runId}`;
  const network = NETWORK;
  const busybox = `minik8s-bench/busybox:${runId}`;
  const pause = `minik8s-bench/pause:${runId}`;
  const rootDir = mkdtempSync(join(tmpdir(), 'minik8s-bench-kubelet-'));
  onCleanup(async () => rmSync(rootDir, { recursive: true, force: true }));
  onCleanup(() => removeDockerObjectsByLabel(testLabel));
  progress('building images...');
  await Promise.all([buildBusyboxImage(busybox, { testLabelValue: `bench-${runId}` }), buildPauseImage(pause, { testLabelValue: `bench-${runId}` })]);

  const cluster = await startCluster();
  const client = new ApiClient(cluster.apiserver.address, { timeoutMs: 60_000 });
  onCleanup(async () => client.close());
  const trace = options.traceDocker ? new DockerApiTrace(join(rootDir, 'docker-trace.sock')) : undefined;
  if (trace) {
    await trace.start();
    onCleanup(() => trace.stop());
  }
  progress('starting the kubelet...');
  // Registered after the images: cleanups run newest first, so the kubelet stops, then its containers go.
  onCleanup(async () => {
    await removeDockerObjectsByLabel(`io.minik8s.node=${nodeName}`);
    const left = await new Docker({ socketPath: '/var/run/docker.sock' }).getNetwork(network).inspect().catch(() => undefined);
    if (left) progress(`note: Docker kept the network ${network} (a stale endpoint); the next run reuses it`);
  });
  const kubelet = Component.spawn('kubelet', 'kubelet', [
    `--server=${cluster.apiserver.address}`,
    `--node-name=${nodeName}`,
    '--node-ip=127.0.0.1',
    `--pod-cidr=${options.podCIDR}`,
    `--root-dir=${rootDir}`,
    `--pod-infra-image=${pause}`,
    `--pod-network-name=${network}`,
    // Its streaming server: 10250 may be taken by another kubelet on this machine.
    `--port=${await freePort()}`,
    '--address=127.0.0.1',
    // One node: no routes to other nodes, and no rules left on this machine.
    '--network-plugin=none',
    '--log-format=json',
    '--log-level=warn',
    `--max-parallel-container-starts=${options.maxParallelStarts}`,
    ...(trace ? [`--docker-host=unix://${trace.socketPath}`] : []),
  ]);
  await waitFor(
    async () => {
      kubelet.assertRunning();
      const node = await client.resource(Nodes).get(nodeName).catch(() => undefined);
      return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    },
    { timeoutMs: 60_000, intervalMs: 200, description: 'kubelet node Ready' },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nkubelet output:\n${kubelet.output()}`);
  });

  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const rounds: Round[] = [];
  const traces: string[] = [];
  for (const n of options.sizes) {
    progress(`${n} pod(s) through the kubelet...`);
    const { running, ready, cpu, timeline } = await kubeletRound(client, cluster, kubelet, nodeName, busybox, n);
    if (options.timeline) appendFileSync(options.timeline, timeline.map((t) => JSON.stringify(t) + '\n').join(''));
    if (trace) traces.push(traceReport(trace, timeline));
    progress(`${n} pod(s) straight through dockerode...`);
    const load = loadavg()[0];
    const direct = await dockerRound(docker, network, busybox, pause, testLabel, n, options.maxParallelStarts);
    rounds.push({ pods: n, running, ready, docker: direct.times, engineCpu: cpu.engine / n, directEngineCpu: direct.engineCpu / n, kubeletCpu: cpu.kubelet / n, apiserverCpu: cpu.apiserver / n, etcdCpu: cpu.etcd / n, load });
  }
  await kubelet.stop();

  process.stdout.write(heading('Pod startup: create → Running / Ready through the kubelet, vs. the same containers started directly with dockerode') + '\n');
  const rows = rounds.map((r) => {
    const p = (v: number[], q: number): number => percentile(v, q);
    return [
      String(r.pods),
      r.load.toFixed(1),
      fmtMs(p(r.running, 50)),
      fmtMs(p(r.running, 99)),
      fmtMs(p(r.ready, 50)),
      fmtMs(p(r.ready, 99)),
      fmtMs(p(r.docker, 50)),
      fmtMs(p(r.docker, 99)),
      (p(r.ready, 50) / p(r.docker, 50)).toFixed(2),
      (p(r.ready, 99) / p(r.docker, 99)).toFixed(2),
      fmtMs(r.engineCpu * 1000),
      fmtMs(r.directEngineCpu * 1000),
      fmtMs(r.kubeletCpu * 1000),
      fmtMs(r.apiserverCpu * 1000),
    ];
  });
  process.stdout.write(
    renderTable(
      [
        { header: 'pods' },
        { header: 'load' },
        { header: 'Running p50 ms' },
        { header: 'Running p99 ms' },
        { header: 'Ready p50 ms' },
        { header: 'Ready p99 ms' },
        { header: 'docker p50 ms' },
        { header: 'docker p99 ms' },
        { header: 'ratio p50' },
        { header: 'ratio p99' },
        { header: 'engine CPU ms/pod' },
        { header: 'docker engine CPU ms/pod' },
        { header: 'kubelet CPU ms/pod' },
        { header: 'apiserver CPU ms/pod' },
      ],
      rows,
    ) + '\n',
  );
  const last = rounds[rounds.length - 1];
  if (last) {
    const p99 = percentile(last.ready, 99);
    const ratio = percentile(last.ready, 99) / percentile(last.docker, 99);
    process.stdout.write(
      `\n${last.pods} pods: Ready p99 ${fmtMs(p99)} ms (SLO ${SLO_P99_MS} ms: ${p99 <= SLO_P99_MS ? 'met' : 'MISSED'}); ` +
        `kubelet/dockerode p99 ratio ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})\n`,
    );
    // Every pod is created at once, so the last one is Ready no sooner than the machine can do
    // all of their work: the CPU they cost, spread over every core.
    const perPod = last.engineCpu + last.kubeletCpu + last.apiserverCpu + last.etcdCpu;
    process.stdout.write(
      `CPU floor: ${last.pods} pods × ${fmtMs(perPod * 1000)} ms CPU (engine ${fmtMs(last.engineCpu * 1000)}, kubelet ${fmtMs(last.kubeletCpu * 1000)}, ` +
        `apiserver ${fmtMs(last.apiserverCpu * 1000)}, etcd ${fmtMs(last.etcdCpu * 1000)}) / ${cpus().length} CPUs = ${fmtMs((last.pods * perPod * 1000) / cpus().length)} ms ` +
        `before the last pod can be Ready, on an otherwise idle machine; starts in flight at most ${options.maxParallelStarts}\n`,
    );
  }
  if (traces.length > 0) process.stdout.write('\n' + heading('Where the time went (--trace-docker): per pod, ms, p50 / p99') + '\n' + traces.join('\n') + '\n');
  await cluster.stop();
}

/**
 * Splits each pod's create → Ready into what the kubelet did and what it waited on the engine
 * for, from the recorded calls, and counts the kubelet's Docker calls per pod over the round.
 */
function traceReport(trace: DockerApiTrace, timeline: readonly PodTimes[]): string {
  const phases: [string, number[]][] = [
    ['create → sandbox create sent (API, watch, worker, lists)', []],
    ['sandbox create + start (engine)', []],
    ['sandbox started → app create sent (kubelet)', []],
    ['app create + start (engine)', []],
    ['app started → Ready seen (status write, watch)', []],
  ];
  for (const t of timeline) {
    const calls = trace.startsOf(t.pod, 'default');
    const sandbox = calls.get('POD');
    const app = calls.get('app');
    if (!sandbox?.create || !sandbox.start?.answered || !app?.create || !app.start) continue;
    const marks = [t.created, sandbox.create.sent, sandbox.start.answered, app.create.sent, app.start.answered, t.ready];
    for (let i = 0; i < phases.length; i++) phases[i][1].push(marks[i + 1] - marks[i]);
  }
  const from = Math.min(...timeline.map((t) => t.created));
  const to = Math.max(...timeline.map((t) => t.ready));
  const counts = trace.countsBetween(from, to).map(([kind, n]) => `${kind} ${(n / timeline.length).toFixed(1)}`);
  const rows = phases.map(([name, v]) => [name, fmtMs(percentile(v, 50)), fmtMs(percentile(v, 99))]);
  return (
    `${timeline.length} pods:\n` +
    renderTable([{ header: 'phase', align: 'left' }, { header: 'p50 ms' }, { header: 'p99 ms' }], rows) +
    `\nDocker calls per pod until the last was Ready: ${counts.join(', ')}\n`
  );
}

/** One pod of a kubelet round, in epoch milliseconds (for --timeline). */
interface PodTimes {
  pod: string;
  created: number;
  running: number;
  ready: number;
}

const epoch = (t: number): number => performance.timeOrigin + t;

/**
 * Creates `n` pods at once, records create → Running / Ready of each and the CPU each side spent
 * until the last was Ready, then deletes them and waits until they are gone.
 */
async function kubeletRound(
  client: ApiClient,
  cluster: BenchCluster,
  kubelet: Component,
  nodeName: string,
  image: string,
  n: number,
): Promise<{ running: number[]; ready: number[]; cpu: { engine: number; kubelet: number; apiserver: number; etcd: number }; timeline: PodTimes[] }> {
  const prefix = `startup-${n}-`;
  const watch = new StartupWatch(client);
  await watch.start();
  const createdAt = new Map<string, number>();
  const api = client.resource(Pods).namespace('default');
  const engineBefore = engineCpuSnapshot();
  const kubeletBefore = kubelet.cpuSeconds();
  const apiBefore = await cpuSnapshot(cluster);
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const name = `${prefix}${i}`;
      createdAt.set(name, performance.now());
      await api.create({
        metadata: { name, namespace: 'default', labels: { bench: 'pod-startup' } },
        spec: {
          nodeName,
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent', command: APP_COMMAND }],
        },
      });
    }),
  );
  await waitFor(
    () => {
      kubelet.assertRunning();
      return [...createdAt.keys()].every((name) => watch.ready.has(name));
    },
    { timeoutMs: 180_000, intervalMs: 50, description: `${n} pods Ready` },
  );
  const cpu = {
    engine: engineCpuDelta(engineBefore, engineCpuSnapshot()),
    kubelet: kubelet.cpuSeconds() - kubeletBefore,
    ...(({ apiserver, etcd }) => ({ apiserver, etcd }))(cpuDelta(apiBefore, await cpuSnapshot(cluster))),
  };
  await watch.stop();
  const running = [...createdAt].map(([name, t]) => (watch.running.get(name) ?? NaN) - t);
  const ready = [...createdAt].map(([name, t]) => (watch.ready.get(name) ?? NaN) - t);
  const timeline = [...createdAt].map(([pod, t]) => ({ pod, created: epoch(t), running: epoch(watch.running.get(pod) ?? NaN), ready: epoch(watch.ready.get(pod) ?? NaN) }));
  await Promise.all([...createdAt.keys()].map((name) => api.delete(name, { gracePeriodSeconds: 0 })));
  await waitFor(async () => (await api.list({ labelSelector: 'bench=pod-startup' })).items.length === 0, {
    timeoutMs: 180_000,
    intervalMs: 200,
    description: `${n} pods deleted`,
  });
  return { running, ready, cpu, timeline };
}

/**
 * Starts at most `limit` containers at once, those joining a running sandbox before new
 * sandboxes: the rule the kubelet's runtime follows (its StartLimiter), so that the baseline
 * runs the engine the same way.
 */
class Starts {
  private running = 0;
  private readonly waiting: { sandbox: boolean; go: () => void }[] = [];
  constructor(private readonly limit: number) {}

  async run(sandbox: boolean, start: () => Promise<unknown>): Promise<void> {
    if (this.running < this.limit) this.running++;
    else
      await new Promise<void>((go) => {
        const at = sandbox ? -1 : this.waiting.findIndex((w) => w.sandbox);
        this.waiting.splice(at < 0 ? this.waiting.length : at, 0, { sandbox, go });
      });
    try {
      await start();
    } finally {
      const next = this.waiting.shift();
      if (next) next.go();
      else this.running--;
    }
  }
}

/**
 * The floor: for each of `n` pods at once, a pause container on the pod network and the app
 * container joined to it, created and started, with at most `maxParallelStarts` starts in flight
 * as the kubelet.
 */
async function dockerRound(
  docker: Docker,
  network: string,
  image: string,
  pause: string,
  testLabel: string,
  n: number,
  maxParallelStarts: number,
): Promise<{ times: number[]; engineCpu: number }> {
  const [labelKey, labelValue] = testLabel.split('=');
  const labels = { [labelKey]: labelValue, 'io.minik8s.bench': 'pod-startup' };
  const sandboxes: string[] = [];
  const apps: string[] = [];
  const starts = new Starts(maxParallelStarts);
  const engineBefore = engineCpuSnapshot();
  const times = await Promise.all(
    Array.from({ length: n }, async () => {
      const t = performance.now();
      const sandbox = await docker.createContainer({ Image: pause, Labels: labels, HostConfig: { NetworkMode: network, IpcMode: 'shareable', LogConfig: KUBELET_LOG_CONFIG } });
      sandboxes.push(sandbox.id);
      await starts.run(true, () => sandbox.start());
      const app = await docker.createContainer({
        Image: image,
        Entrypoint: APP_COMMAND,
        Labels: labels,
        HostConfig: { NetworkMode: `container:${sandbox.id}`, IpcMode: `container:${sandbox.id}`, LogConfig: KUBELET_LOG_CONFIG },
      });
      apps.push(app.id);
      await starts.run(false, () => app.start());
      return performance.now() - t;
    }),
  );
  const engineCpu = engineCpuDelta(engineBefore, engineCpuSnapshot());
  // Apps before their sandboxes, as the kubelet does: tearing a sandbox down under a joined
  // container can leave Docker 20.10 with a stale endpoint that blocks removing the network.
  await Promise.all(apps.map((id) => docker.getContainer(id).remove({ force: true })));
  await Promise.all(sandboxes.map((id) => docker.getContainer(id).remove({ force: true })));
  return { times, engineCpu };
}
