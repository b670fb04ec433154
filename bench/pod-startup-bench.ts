import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import type { corev1 } from '@minik8s/api';
import { ApiClient, Nodes, Pods, type WatchStream } from '@minik8s/client';
import { TEST_LABEL, buildBusyboxImage, buildPauseImage, ensureDockerEngine, freePort, removeDockerObjectsByLabel, waitFor } from '@minik8s/testing';
import { Component } from './components';
import { onCleanup, startCluster } from './harness';
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
}

function parseArgs(args: readonly string[]): Options {
  const value = (flag: string): string | undefined => args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
  const sizes = value('pods');
  return {
    sizes: sizes ? sizes.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0) : [1, 10, 30],
    // Docker refuses a bridge whose subnet overlaps another network's.
    podCIDR: value('pod-cidr') ?? DEFAULT_POD_CIDR,
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
  for (const n of options.sizes) {
    progress(`${n} pod(s) through the kubelet...`);
    const { running, ready } = await kubeletRound(client, kubelet, nodeName, busybox, n);
    progress(`${n} pod(s) straight through dockerode...`);
    const direct = await dockerRound(docker, network, busybox, pause, testLabel, n);
    rounds.push({ pods: n, running, ready, docker: direct });
  }
  await kubelet.stop();

  process.stdout.write(heading('Pod startup: create → Running / Ready through the kubelet, vs. the same containers started directly with dockerode') + '\n');
  const rows = rounds.map((r) => {
    const p = (v: number[], q: number): number => percentile(v, q);
    return [
      String(r.pods),
      fmtMs(p(r.running, 50)),
      fmtMs(p(r.running, 99)),
      fmtMs(p(r.ready, 50)),
      fmtMs(p(r.ready, 99)),
      fmtMs(p(r.docker, 50)),
      fmtMs(p(r.docker, 99)),
      (p(r.ready, 50) / p(r.docker, 50)).toFixed(2),
      (p(r.ready, 99) / p(r.docker, 99)).toFixed(2),
    ];
  });
  process.stdout.write(
    renderTable(
      [
        { header: 'pods' },
        { header: 'Running p50 ms' },
        { header: 'Running p99 ms' },
        { header: 'Ready p50 ms' },
        { header: 'Ready p99 ms' },
        { header: 'docker p50 ms' },
        { header: 'docker p99 ms' },
        { header: 'ratio p50' },
        { header: 'ratio p99' },
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
  }
  await cluster.stop();
}

/** Creates `n` pods at once, records create → Running / Ready of each, then deletes them and waits until they are gone. */
async function kubeletRound(client: ApiClient, kubelet: Component, nodeName: string, image: string, n: number): Promise<{ running: number[]; ready: number[] }> {
  const prefix = `startup-${n}-`;
  const watch = new StartupWatch(client);
  await watch.start();
  const createdAt = new Map<string, number>();
  const api = client.resource(Pods).namespace('default');
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
  await watch.stop();
  const running = [...createdAt].map(([name, t]) => (watch.running.get(name) ?? NaN) - t);
  const ready = [...createdAt].map(([name, t]) => (watch.ready.get(name) ?? NaN) - t);
  await Promise.all([...createdAt.keys()].map((name) => api.delete(name, { gracePeriodSeconds: 0 })));
  await waitFor(async () => (await api.list({ labelSelector: 'bench=pod-startup' })).items.length === 0, {
    timeoutMs: 180_000,
    intervalMs: 200,
    description: `${n} pods deleted`,
  });
  return { running, ready };
}

/** The floor: for each of `n` pods at once, a pause container on the pod network and the app container joined to it, created and started. */
async function dockerRound(docker: Docker, network: string, image: string, pause: string, testLabel: string, n: number): Promise<number[]> {
  const [labelKey, labelValue] = testLabel.split('=');
  const labels = { [labelKey]: labelValue, 'io.minik8s.bench': 'pod-startup' };
  const sandboxes: string[] = [];
  const apps: string[] = [];
  const times = await Promise.all(
    Array.from({ length: n }, async () => {
      const t = performance.now();
      const sandbox = await docker.createContainer({ Image: pause, Labels: labels, HostConfig: { NetworkMode: network, IpcMode: 'shareable' } });
      sandboxes.push(sandbox.id);
      await sandbox.start();
      const app = await docker.createContainer({
        Image: image,
        Entrypoint: APP_COMMAND,
        Labels: labels,
        HostConfig: { NetworkMode: `container:${sandbox.id}`, IpcMode: `container:${sandbox.id}` },
      });
      apps.push(app.id);
      await app.start();
      return performance.now() - t;
    }),
  );
  // Apps before their sandboxes, as the kubelet does: tearing a sandbox down under a joined
  // container can leave Docker 20.10 with a stale endpoint that blocks removing the network.
  await Promise.all(apps.map((id) => docker.getContainer(id).remove({ force: true })));
  await Promise.all(sandboxes.map((id) => docker.getContainer(id).remove({ force: true })));
  return times;
}
