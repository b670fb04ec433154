import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, Nodes } from '@minik8s/client';
import { ControlPlaneHarness, freePort, removeDockerObjectsByLabel, waitFor, type ApiServerHarness } from '@minik8s/testing';

const ROOT = join(__dirname, '..', '..');
const LAUNCHER = join(ROOT, 'bin', 'minik8s.js');

/** The images a node of this cluster needs, built from local files when missing. */
export function ensureImages(images: readonly string[], only: string): void {
  const missing = images.filter((image) => spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return;
  const built = spawnSync('bash', [join(ROOT, 'scripts', 'images', 'build.sh'), '--only', only, '--skip-app-build'], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (built.status !== 0) throw new Error(`building ${missing.join(', ')} failed:\n${built.stdout}\n${built.stderr}`);
}

/**
 * A whole minik8s on this machine, as `npm run up` runs it: etcd, the apiserver, and the
 * controller-manager, scheduler and one kubelet as separate processes, the kubelet's pods on
 * this machine's Docker. Everything it starts it stops and removes.
 */
export class LocalCluster {
  controlPlane!: ControlPlaneHarness;
  client!: ApiClient;
  readonly nodeName: string;
  private readonly rootDir = mkdtempSync(join(tmpdir(), 'minik8s-e2e-'));
  private readonly processes = new Map<string, ChildProcess>();
  readonly logs = new Map<string, string>();
  /** The kubelet's stream port: a free one, so this cluster and another on the machine both fit. */
  kubeletPort = 0;

  /** `clusterCidr` keeps this cluster's pod network apart from any other on the machine. */
  constructor(readonly clusterCidr: string) {
    this.nodeName = `e2e-${Math.random().toString(36).slice(2, 8)}`;
  }

  async start(): Promise<void> {
    this.controlPlane = await ControlPlaneHarness.start();
    this.client = new ApiClient(this.controlPlane.address, { timeoutMs: 10_000 });
    this.startComponent('controller-manager', [`--cluster-cidr=${this.clusterCidr}`]);
    this.startComponent('scheduler', ['--health-port=-1']);
    this.kubeletPort = await freePort();
    this.startKubelet();
    await waitFor(
      async () => {
        const node = await this.client.resource(Nodes).get(this.nodeName);
        return node.spec?.podCIDR && node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      { timeoutMs: 60_000, intervalMs: 250, description: `node ${this.nodeName} Ready with a podCIDR` },
    );
  }

  /** The apiserver alone, for tests that restart it under the running components. */
  get apiserver(): ApiServerHarness {
    return this.controlPlane.apiserver;
  }

  startComponent(name: string, args: string[]): void {
    const child = spawn(process.execPath, [LAUNCHER, name, `--server=${this.controlPlane.address}`, '--log-format=json', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.logs.set(name, '');
    const append = (d: Buffer): void => void this.logs.set(name, ((this.logs.get(name) ?? '') + d.toString()).slice(-20_000));
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.processes.set(name, child);
  }

  startKubelet(): void {
    this.startComponent('kubelet', [
      `--node-name=${this.nodeName}`,
      '--node-ip=127.0.0.1',
      `--root-dir=${join(this.rootDir, 'kubelet')}`,
      '--address=127.0.0.1',
      `--port=${this.kubeletPort}`,
      // One node on loopback: no host-gw routes or host iptables rules to leave behind.
      '--network-plugin=none',
    ]);
  }

  /** Stops a component as an operator's SIGTERM does, and waits for it to exit. */
  async stopComponent(name: string): Promise<void> {
    const child = this.processes.get(name);
    this.processes.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }

  async stop(): Promise<void> {
    for (const name of ['kubelet', 'scheduler', 'controller-manager']) await this.stopComponent(name);
    this.client?.close();
    await this.controlPlane?.stop();
    await removeDockerObjectsByLabel(`io.minik8s.node=${this.nodeName}`).catch(() => undefined);
    spawnSync('docker', ['network', 'rm', `minik8s-${this.nodeName}`], { stdio: 'ignore' });
    rmSync(this.rootDir, { recursive: true, force: true });
  }
}
