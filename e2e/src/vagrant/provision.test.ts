import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, Nodes, Pods } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ensureImages } from '../local-cluster';

// deploy/vagrant's provisioning scripts, run as they are in Debian containers standing in for the
// VMs (one control plane, two workers on one network), with no systemd: the units' ExecStart lines
// run directly. The containers run the Vagrant boxes' distribution (Debian trixie) with the
// packages the scripts would install already in from its mirror (vm-image.sh), so the run stays
// offline and every component runs on the distribution's Node.js, not this machine's.
const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
const PROVISION = '/vagrant/deploy/vagrant/provision';
const SUITE = 'trixie';
const VM_IMAGE = `minik8s/vagrant-vm:${SUITE}`;
const id = `mk8s-vg-${Math.random().toString(36).slice(2, 7)}`;
const images = mkdtempSync(join(tmpdir(), `${id}-images-`));
const workers = ['w1', 'w2'].map((w, i) => ({ container: `${id}-${w}`, name: `${id}-${w}`, index: i }));
let cpIp = '';
let client: ApiClient | undefined;

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 300_000, maxBuffer: 16 << 20 });
  return stdout.trim();
}

async function ipOf(container: string): Promise<string> {
  return docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${id}").IPAddress}}`, container);
}

async function provision(container: string, env: Record<string, string>, script: string): Promise<void> {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  try {
    await docker('exec', ...envArgs, container, 'bash', `${PROVISION}/${script}`);
  } catch (err) {
    const logs = await docker('exec', container, 'sh', '-c', 'tail -n 15 /var/log/minik8s/*.log').catch(() => '');
    throw new Error(`${script} on ${container} failed: ${(err as Error).message}\n${logs}`);
  }
}

beforeAll(async () => {
  ensureImages(['minik8s/pause:3.9', 'minik8s/busybox:1.36'], 'pause,busybox');
  ensureVmImage();
  await docker('save', '-o', join(images, 'images.tar'), 'minik8s/pause:3.9', 'minik8s/busybox:1.36');
  await docker('network', 'create', '--label', `io.minik8s.test=${id}`, id);
  await docker('run', '-d', '--init', '--name', `${id}-cp`, '--hostname', 'control-plane', '--network', id,
    '-v', `${ROOT}:/vagrant:ro`, VM_IMAGE, 'sleep', 'infinity');
  for (const w of workers) {
    // The Docker-in-Docker recipe of ENVIRONMENT.md: a worker VM runs its own engine.
    await docker('run', '-d', '--init', '--name', w.container, '--hostname', w.name, '--network', id,
      '--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE', '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
      '--security-opt', 'systempaths=unconfined', '--device-cgroup-rule', 'a *:* rwm', '--tmpfs', '/run',
      '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw', '-v', `${ROOT}:/vagrant:ro`, '-v', `${images}:/images:ro`,
      VM_IMAGE, 'sleep', 'infinity');
  }
  cpIp = await ipOf(`${id}-cp`);
  await provision(`${id}-cp`, { MINIK8S_ROLE: 'control-plane' }, 'install.sh');
  await provision(`${id}-cp`, { NODE_IP: cpIp, MINIK8S_DIR: '/vagrant' }, 'control-plane.sh');
  await Promise.all(
    workers.map(async (w) => {
      const ip = await ipOf(w.container);
      await provision(w.container, { MINIK8S_ROLE: 'worker' }, 'install.sh');
      await provision(
        w.container,
        {
          NODE_NAME: w.name,
          NODE_IP: ip,
          NODE_IFACE: 'eth0',
          APISERVER: `${cpIp}:6443`,
          MINIK8S_DIR: '/vagrant',
          MINIK8S_IMAGES: '/images',
          MINIK8S_DOCKERD_ARGS: `--cgroup-parent=/${w.container} --bip=172.29.${10 + w.index}.1/24`,
        },
        'worker.sh',
      );
    }),
  );
  client = new ApiClient(`${cpIp}:6443`, { timeoutMs: 10_000 });
}, 900_000);

afterAll(async () => {
  client?.close();
  await docker('rm', '-f', `${id}-cp`, ...workers.map((w) => w.container)).catch(() => undefined);
  await docker('network', 'rm', id).catch(() => undefined);
  // The workers' engines made cgroups under /<worker> (--cgroup-parent); empty now, they go too.
  const cgroups = `find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name '${id}-*' | while read -r d; do find "$d" -type d -delete; done`;
  spawnSync('sh', ['-c', cgroups], { stdio: 'ignore' });
  rmSync(images, { recursive: true, force: true });
});

/** The Debian root the stand-in VMs run, built from the distribution's packages by vm-image.sh when missing. */
function ensureVmImage(): void {
  if (spawnSync('docker', ['image', 'inspect', VM_IMAGE], { stdio: 'ignore' }).status === 0) return;
  const built = spawnSync('bash', [join(__dirname, 'vm-image.sh'), SUITE], { encoding: 'utf8', timeout: 900_000 });
  if (built.status !== 0) throw new Error(`building ${VM_IMAGE} failed:\n${built.stdout}\n${built.stderr}`);
}

describe('the Vagrant provisioning scripts', () => {
  it("run minik8s on the distribution's Node.js (20 or later)", async () => {
    for (const container of [`${id}-cp`, workers[0].container]) {
      const node = await docker('exec', container, 'sh', '-c', 'readlink -f "$(command -v node)"');
      expect(node).toBe('/usr/bin/node');
      expect(await docker('exec', container, 'dpkg', '-S', node)).toMatch(/^nodejs: \/usr\/bin\/node$/m);
      const major = Number((await docker('exec', container, 'node', '-p', 'process.versions.node')).split('.')[0]);
      expect(major).toBeGreaterThanOrEqual(20);
    }
    const apiserver = await docker('exec', `${id}-cp`, 'cat', '/etc/systemd/system/minik8s-apiserver.service');
    expect(apiserver).toMatch(/^ExecStart=\/usr\/bin\/node --max-semi-space-size=64 \/vagrant\/bin\/minik8s\.js apiserver /m);
  });

  it('write systemd units with explicit node IPs and interface', async () => {
    const kubelet = await docker('exec', workers[0].container, 'cat', '/etc/systemd/system/minik8s-kubelet.service');
    const ip = await ipOf(workers[0].container);
    expect(kubelet).toContain(`--node-ip ${ip} --pod-network-interface eth0`);
    expect(kubelet).toMatch(/^ExecStart=\S*node \/vagrant\/bin\/minik8s\.js kubelet --server /m);
    expect(kubelet).toContain('WantedBy=multi-user.target');
    const apiserver = await docker('exec', `${id}-cp`, 'cat', '/etc/systemd/system/minik8s-apiserver.service');
    expect(apiserver).toContain(`--advertise-address ${cpIp}`);
  });

  it('bring up nodes that join the control plane and run a pod on each', async () => {
    const api = client as ApiClient;
    await waitFor(
      async () => {
        const nodes = (await api.resource(Nodes).list()).items;
        return workers.every((w) => nodes.find((n) => n.metadata?.name === w.name)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      },
      { timeoutMs: 180_000, intervalMs: 1_000, description: 'both workers Ready' },
    );
    for (const w of workers) {
      await api.resource(Pods).namespace('default').create({
        metadata: { name: `hello-${w.index}` },
        spec: {
          nodeName: w.name,
          restartPolicy: 'Never',
          containers: [{ name: 'hello', image: 'minik8s/busybox:1.36', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo hello from $(hostname)'] }],
        },
      });
    }
    for (const w of workers) {
      const pod = await waitFor(
        async () => {
          const p = await api.resource(Pods).namespace('default').get(`hello-${w.index}`);
          return ['Succeeded', 'Failed'].includes(p.status?.phase ?? '') ? p : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 1_000, description: `pod hello-${w.index} to finish on ${w.name}` },
      );
      expect(pod.status?.phase).toBe('Succeeded');
    }
  });
});
