import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createLogger, silentLogger } from '@minik8s/logging';
import { execRunner } from '@minik8s/exec';
import { waitFor } from '@minik8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeletFixture } from '../test/fixture';
import { BridgeHairpin } from './bridge-hairpin';
import { parseBridgePorts } from './hairpin';
import { ipMonitorLinks } from './link-monitor';
import { dockerBridgeName } from './pod-bridge';

// A kubelet on this host's Docker with a pod network of its own; each pod runs an HTTP server
// answering its own name and is reached through a "Service": a virtual IP DNATed to the pod, and
// the pod's packets to itself masqueraded, as the proxy's KUBE-SEP chains do. The rules live in
// two chains of this test, match only this test's podCIDR, and are removed after.

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const [cmd, args] of [['ip', ['-V']], ['iptables', ['--version']]] as const) {
    const res = spawnSync(cmd, args, { encoding: 'utf8' });
    if (res.error || res.status !== 0) return `\`${cmd} ${args.join(' ')}\` is unavailable`;
  }
  return undefined;
}
const why = unavailable();
if (why) console.warn(`skipping the hairpin integration test: ${why}`);

/** Whether bridged traffic meets iptables (Docker turns it on): only then is a hairpin bridged straight back. */
function brNetfilter(): boolean {
  try {
    return readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

const f = new KubeletFixture('10.244.238.0/24');
const CHAIN = `MK8S-HP-${f.runId}`;
const POST_CHAIN = `MK8S-HP-POST-${f.runId}`;
let hairpin: BridgeHairpin | undefined;
let bridge = '';
let rulesAdded = false;

function iptables(...args: string[]): string {
  return execFileSync('iptables', ['-w', '5', '-t', 'nat', ...args], { encoding: 'utf8' });
}

/** A Service with virtual IP `vip`:80 whose one endpoint is `podIP`:8080. */
function addService(vip: string, podIP: string): void {
  iptables('-A', CHAIN, '-s', f.podCIDR, '-d', `${vip}/32`, '-p', 'tcp', '--dport', '80', '-j', 'DNAT', '--to-destination', `${podIP}:8080`);
  iptables('-A', POST_CHAIN, '-s', `${podIP}/32`, '-d', `${podIP}/32`, '-p', 'tcp', '--dport', '8080', '-j', 'MASQUERADE');
}

function removeRules(): void {
  if (!rulesAdded) return;
  for (const [builtin, chain] of [['PREROUTING', CHAIN], ['POSTROUTING', POST_CHAIN]]) {
    spawnSync('iptables', ['-w', '5', '-t', 'nat', '-D', builtin, '-j', chain]);
    spawnSync('iptables', ['-w', '5', '-t', 'nat', '-F', chain]);
    spawnSync('iptables', ['-w', '5', '-t', 'nat', '-X', chain]);
  }
}

/** The bridge ports' hairpin flags. */
function ports(): Map<string, boolean> {
  const out = execFileSync('ip', ['-d', '-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' });
  return new Map(parseBridgePorts(out).map((p) => [p.name, p.hairpin]));
}

/** Starts a pod serving its own name on :8080; resolves to its IP and the server's container ID. */
async function startWebPod(name: string): Promise<{ ip: string; id: string }> {
  await f.pods().create(
    f.pod(name, {
      containers: [{ name: 'web', command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'] }],
    }),
  );
  const pod = await f.waitForPod(name, (p) => p.status?.phase === 'Running' && !!p.status.podIP, { timeoutMs: 60_000 });
  const id = pod.status?.containerStatuses?.[0]?.containerID?.replace('docker://', '') ?? '';
  return { ip: pod.status?.podIP ?? '', id };
}

/** From inside the pod, requests to `vip`:80 until one answers `want` (a busy machine may be slow to answer one). */
async function reaches(id: string, vip: string, want: string): Promise<void> {
  let last = '';
  try {
    await waitFor(async () => (last = await fetchFrom(id, vip)) === want, { timeoutMs: 60_000, intervalMs: 200, description: `${want} through ${vip}` });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last answer: ${last}`);
  }
}

/** From inside the pod, one HTTP request to `vip`:80: the body, or nc's complaint. */
async function fetchFrom(id: string, vip: string): Promise<string> {
  const res = await f.kubelet!.runtime.exec(id, ['sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${vip} 80 2>&1 | tail -n 1`], 20_000);
  return res.output.trim();
}

describe.skipIf(!!why)('--hairpin-mode on a kubelet\'s Docker pod bridge', () => {
  beforeAll(async () => {
    await f.setUp();
    await f.startKubelet();
    const networkName = f.config().podNetworkName ?? '';
    bridge = await waitFor(() => dockerBridgeName(f.docker, networkName), { timeoutMs: 30_000, description: 'the pod network' });
    iptables('-N', CHAIN);
    iptables('-N', POST_CHAIN);
    rulesAdded = true;
    iptables('-I', 'PREROUTING', '1', '-j', CHAIN);
    iptables('-I', 'POSTROUTING', '1', '-j', POST_CHAIN);
  }, 180_000);

  afterAll(async () => {
    await hairpin?.stop();
    removeRules();
    await f.tearDown();
  });

  it('a pod reaches itself through its Service once hairpin-veth runs, and so does each new pod', async () => {
    const self = await startWebPod('self');
    addService('10.111.238.1', self.ip);
    expect(ports().size).toBe(1);
    // Without the fix (Docker leaves hairpin off): the reply, bridged back to the port it came in
    // on, is dropped, and the pod times out calling its own Service.
    expect([...ports().values()]).toEqual([false]);
    if (brNetfilter()) expect(await fetchFrom(self.id, '10.111.238.1')).toBe('nc: timed out');

    const logger = process.env.KUBELET_TEST_LOG ? createLogger({ component: 'hairpin', level: process.env.KUBELET_TEST_LOG, format: 'json' }) : silentLogger();
    // No resync: what follows is driven by the start and by link events only.
    hairpin = new BridgeHairpin({
      mode: 'hairpin-veth',
      resolveBridge: () => dockerBridgeName(f.docker, f.config().podNetworkName ?? ''),
      run: execRunner(),
      watchLinks: ipMonitorLinks(logger),
      logger,
      resyncMs: 0,
    });
    hairpin.start();
    await waitFor(() => [...ports().values()].every(Boolean), { timeoutMs: 20_000, description: 'hairpin on for the running pod' });
    await reaches(self.id, '10.111.238.1', 'self');

    // A pod started afterwards: its port joins the bridge, the link event turns hairpin on.
    const other = await startWebPod('other');
    addService('10.111.238.2', other.ip);
    await waitFor(() => ports().size === 2 && [...ports().values()].every(Boolean), { timeoutMs: 20_000, description: 'hairpin on for the new pod' });
    await reaches(other.id, '10.111.238.2', 'other');
    // And through the other pod's Service, as any two pods on one bridge (no hairpin involved).
    await reaches(self.id, '10.111.238.2', 'other');
    expect(hairpin.stats.failures).toBe(0);
    expect(hairpin.stats.portsChanged).toBeGreaterThanOrEqual(2);
  }, 240_000);
});
