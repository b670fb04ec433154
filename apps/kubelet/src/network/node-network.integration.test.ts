import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { corev1 } from '@minik8s/api';
import { ApiClient, Nodes } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { ControlPlaneHarness, waitFor } from '@minik8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRunner } from '@minik8s/exec';
import { NodeNetwork, cleanupNodeNetwork } from './node-network';

// Two "nodes" as network namespaces this test makes, each with a pod bridge on its podCIDR and a
// "pod" (a further namespace on a veth in the bridge), joined by one link; node A also has an
// uplink to an "outside" host. Each node looks like a Docker host: FORWARD policy DROP behind a
// DOCKER-USER chain, and Docker's MASQUERADE for its bridge subnet.
//
//   pod-a 10.244.1.2 ─ br0 10.244.1.1 [node-a 192.168.78.1] ─── [192.168.78.2 node-b] br0 10.244.2.1 ─ pod-b 10.244.2.2
//                                      └ uplink 203.0.113.1 ─── outside 203.0.113.2
//
// The NodeNetwork of each node runs here, against a real apiserver, with its commands in the
// node's namespace.

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const [cmd, args] of [['ip', ['netns', 'list']], ['iptables-restore', ['--version']]] as const) {
    const res = spawnSync(cmd, args, { encoding: 'utf8' });
    if (res.error || res.status !== 0) return `\`${cmd} ${args.join(' ')}\` is unavailable`;
  }
  return undefined;
}
const why = unavailable();
if (why) console.warn(`skipping the node network's netns integration test: ${why}`);

const prefix = `minik8s-net-test-${randomBytes(3).toString('hex')}`;
const namespaces: string[] = [];
const children: ChildProcess[] = [];

function sh(cmd: string, args: readonly string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}
function inNs(ns: string, cmd: string, ...args: string[]): string {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
}
function addNs(role: string): string {
  const name = `${prefix}-${role}`;
  sh('ip', ['netns', 'add', name]);
  namespaces.push(name);
  inNs(name, 'ip', 'link', 'set', 'lo', 'up');
  return name;
}
function link(aNs: string, aName: string, aAddr: string, bNs: string, bName: string, bAddr: string): void {
  sh('ip', ['link', 'add', aName, 'netns', aNs, 'type', 'veth', 'peer', 'name', bName, 'netns', bNs]);
  for (const [ns, dev, addr] of [[aNs, aName, aAddr], [bNs, bName, bAddr]]) {
    if (addr) inNs(ns, 'ip', 'addr', 'add', addr, 'dev', dev);
    inNs(ns, 'ip', 'link', 'set', dev, 'up');
  }
}

/** A TCP server that answers each connection with the address it came from. */
function startPeerEcho(ns: string, port: number): Promise<void> {
  const script = `require('net').createServer((s) => { s.on('error', () => {}); s.end(s.remoteAddress); }).listen(${port}, '0.0.0.0', () => console.log('ready'));`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`echo server in ${ns} exited with ${code}: ${out}`)));
  });
}

/** One TCP connection from `ns`; the server's answer, or the error code. */
function connect(ns: string, host: string, port: number, timeoutMs = 2000): string {
  const script = `const s = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port} }); let d = '';
    const t = setTimeout(() => { console.log('TIMEOUT'); process.exit(0); }, ${timeoutMs});
    s.on('data', (x) => (d += x)); s.on('end', () => { clearTimeout(t); console.log(d); });
    s.on('error', (e) => { clearTimeout(t); console.log(e.code || e.message); });`;
  return inNs(ns, process.execPath, '-e', script).trim();
}

function looksLikeDocker(ns: string, podCIDR: string): void {
  inNs(ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  inNs(ns, 'iptables', '-N', 'DOCKER-USER');
  inNs(ns, 'iptables', '-A', 'DOCKER-USER', '-j', 'RETURN');
  inNs(ns, 'iptables', '-A', 'FORWARD', '-j', 'DOCKER-USER');
  inNs(ns, 'iptables', '-P', 'FORWARD', 'DROP');
  inNs(ns, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', podCIDR, '!', '-o', 'br0', '-j', 'MASQUERADE');
}

function nodeObject(name: string, podCIDR: string, ip: string): corev1.Node {
  return { metadata: { name }, spec: { podCIDR } , status: { addresses: [{ type: 'InternalIP', address: ip }] } };
}

let controlPlane: ControlPlaneHarness;
let client: ApiClient;
const networks: NodeNetwork[] = [];
let nodeA: string;
let nodeB: string;
let podA: string;
let podB: string;
let outside: string;

function routes(ns: string): string {
  return inNs(ns, 'ip', '-4', 'route', 'show', 'proto', '77');
}

describe.skipIf(!!why)('host-gw node network in network namespaces', () => {
  beforeAll(async () => {
    nodeA = addNs('node-a');
    nodeB = addNs('node-b');
    podA = addNs('pod-a');
    podB = addNs('pod-b');
    outside = addNs('outside');
    link(nodeA, 'eth0', '192.168.78.1/24', nodeB, 'eth0', '192.168.78.2/24');
    link(nodeA, 'uplink', '203.0.113.1/24', outside, 'eth0', '203.0.113.2/24');
    inNs(nodeA, 'ip', 'route', 'add', 'default', 'via', '203.0.113.2');
    for (const [node, pod, net] of [[nodeA, podA, 1], [nodeB, podB, 2]] as const) {
      inNs(node, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
      inNs(node, 'ip', 'addr', 'add', `10.244.${net}.1/24`, 'dev', 'br0');
      inNs(node, 'ip', 'link', 'set', 'br0', 'up');
      link(node, 'veth-pod', '', pod, 'eth0', `10.244.${net}.2/24`);
      inNs(node, 'ip', 'link', 'set', 'veth-pod', 'master', 'br0');
      inNs(pod, 'ip', 'route', 'add', 'default', 'via', `10.244.${net}.1`);
      looksLikeDocker(node, `10.244.${net}.0/24`);
    }
    await Promise.all([startPeerEcho(podA, 8080), startPeerEcho(podB, 8080), startPeerEcho(outside, 8080)]);

    controlPlane = await ControlPlaneHarness.start();
    client = new ApiClient(controlPlane.address, { timeoutMs: 10_000 });
    for (const [name, cidr, ip] of [['node-a', '10.244.1.0/24', '192.168.78.1'], ['node-b', '10.244.2.0/24', '192.168.78.2']]) {
      const created = await client.resource(Nodes).create(nodeObject(name, cidr, ip));
      await client.resource(Nodes).updateStatus({ ...created, status: { addresses: [{ type: 'InternalIP', address: ip }] } });
    }
  }, 120_000);

  afterAll(async () => {
    for (const n of networks) await n.stop();
    client?.close();
    await controlPlane?.stop();
    for (const child of children) child.kill('SIGKILL');
    for (const ns of namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
  });

  it('cannot reach the other node\'s pods before the network runs', () => {
    expect(connect(podA, '10.244.2.2', 8080, 1000)).not.toBe('10.244.1.2');
  });

  it('routes a pod on node A to a pod on node B, which sees its real IP', async () => {
    for (const [name, ns, iface] of [['node-a', nodeA, 'eth0'], ['node-b', nodeB, '']]) {
      const network = new NodeNetwork({ client, nodeName: name, clusterCIDR: '10.244.0.0/16', iface, run: execRunner(ns), logger: silentLogger(), resyncMs: 0 });
      networks.push(network);
      await network.start();
    }
    await waitFor(() => routes(nodeA).includes('10.244.2.0/24 via 192.168.78.2 dev eth0'), { timeoutMs: 20_000, description: 'node A\'s route to node B\'s pods' });
    await waitFor(() => routes(nodeB).includes('10.244.1.0/24 via 192.168.78.1'), { timeoutMs: 20_000, description: 'node B\'s route to node A\'s pods' });
    expect(routes(nodeA)).not.toContain('10.244.1.0/24');
    expect(connect(podA, '10.244.2.2', 8080)).toBe('10.244.1.2');
    expect(connect(podB, '10.244.1.2', 8080)).toBe('10.244.2.2');
  });

  it('keeps its nat jump ahead of Docker\'s MASQUERADE, and enters forwarding through DOCKER-USER', () => {
    const nat = inNs(nodeA, 'iptables', '-t', 'nat', '-S', 'POSTROUTING').split('\n').filter((l) => l.startsWith('-A'));
    expect(nat[0]).toMatch(/-j MINIK8S-POSTROUTING$/);
    expect(inNs(nodeA, 'iptables', '-S', 'DOCKER-USER').split('\n')[1]).toMatch(/-j MINIK8S-FORWARD$/);
  });

  it('masquerades pod traffic leaving the cluster CIDR to the node\'s address', () => {
    expect(connect(podA, '203.0.113.2', 8080)).toBe('203.0.113.1');
  });

  it('follows Nodes as they come and go', async () => {
    const created = await client.resource(Nodes).create(nodeObject('node-c', '10.244.3.0/24', '192.168.78.3'));
    await client.resource(Nodes).updateStatus({ ...created, status: { addresses: [{ type: 'InternalIP', address: '192.168.78.3' }] } });
    await waitFor(() => routes(nodeA).includes('10.244.3.0/24 via 192.168.78.3') && routes(nodeB).includes('10.244.3.0/24 via 192.168.78.3'), {
      timeoutMs: 20_000,
      description: 'routes to the new node',
    });
    await client.resource(Nodes).delete('node-c');
    await waitFor(() => !routes(nodeA).includes('10.244.3.0/24') && !routes(nodeB).includes('10.244.3.0/24'), { timeoutMs: 20_000, description: 'routes to the deleted node gone' });
    // A route someone else added is never ours to remove.
    inNs(nodeA, 'ip', 'route', 'add', '10.250.0.0/24', 'via', '192.168.78.2');
    networks[0].requestSync(true);
    await networks[0].idle();
    expect(inNs(nodeA, 'ip', 'route', 'show', '10.250.0.0/24')).toContain('via 192.168.78.2');
    expect(connect(podA, '10.244.2.2', 8080)).toBe('10.244.1.2');
  });

  it('cleanup removes its routes, jumps and chains and nothing else', async () => {
    for (const n of networks.splice(0)) await n.stop();
    const res = await cleanupNodeNetwork(execRunner(nodeA));
    expect(res).toEqual({ routes: 1, jumps: 2 });
    expect(routes(nodeA)).toBe('');
    const save = inNs(nodeA, 'iptables-save');
    expect(save).not.toMatch(/MINIK8S-/);
    expect(save).toMatch(/-A FORWARD -j DOCKER-USER/);
    expect(save).toMatch(/-A POSTROUTING -s 10\.244\.1\.0\/24 ! -o br0 -j MASQUERADE/);
    expect(inNs(nodeA, 'ip', 'route', 'show', '10.250.0.0/24')).toContain('via 192.168.78.2');
    // Again: nothing left to do.
    expect(await cleanupNodeNetwork(execRunner(nodeA))).toEqual({ routes: 0, jumps: 0 });
  });
});
