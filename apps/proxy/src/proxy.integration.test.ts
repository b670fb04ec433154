import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { corev1, discoveryv1 } from '@minik8s/api';
import { ApiClient, EndpointSlices, Namespaces, Services } from '@minik8s/client';
import { ControlPlaneHarness, waitFor } from '@minik8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECHO_SERVER, HeldConnection, PEER_ECHO_SERVER, TCP_ECHO_SERVER, Topology, UDP_ECHO_SERVER, UdpPinger, connectMany, netnsUnavailable } from './test/netns';

// The real proxy (the launcher users run, with --netns) against a real apiserver and etcd, in a
// topology of network namespaces made for this test:
//
//   client 192.168.77.2 ──veth── 192.168.77.1 node 10.244.1.1 (br0) ──veth── pod-1 10.244.1.2:8080
//                                (default route out of an unused uplink)
//                                  (proxy rules here)                 └─veth── pod-2 10.244.1.3:8080
//
// No endpoints controller runs: the test writes EndpointSlices by hand, labelled
// kubernetes.io/service-name as kube-proxy reads them.

const why = netnsUnavailable();
if (why) console.warn(`skipping the proxy's netns integration tests: ${why}`);
// A pod's traffic to a Service endpoint on its own bridge comes back bridged: only with
// br_netfilter does it pass conntrack to be un-DNATed (kube-proxy's iptables mode requires it).
const noBrNetfilter = existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables') ? undefined : 'the br_netfilter module is not loaded';
if (!why && noBrNetfilter) console.warn(`skipping the proxy's pod-to-Service test on one bridge: ${noBrNetfilter}`);

const LAUNCHER = join(__dirname, '..', '..', '..', 'bin', 'minik8s.js');
const NS = 'proxy-it';
const NODE = 'node-1';
const NODE_IP = '192.168.77.1';
const POD1 = '10.244.1.2';
const POD2 = '10.244.1.3';
const CLIENT_IP = '192.168.77.2';
const LB_IP = '192.0.2.10';
const LB_LOCAL_IP = '192.0.2.11';
const EXTERNAL_IP = '203.0.113.77';

let topo: Topology;
let nodeNs: string;
let clientNs: string;
let podNs: string[];
let controlPlane: ControlPlaneHarness;
let client: ApiClient;
let proxy: ChildProcess | undefined;
let proxyOutput = '';

function iptablesSave(): string {
  return topo.exec(nodeNs, 'iptables-save', []);
}

/** The KUBE-* lines of the nat and filter tables, without counters or comments from iptables-save. */
function kubeRules(): string {
  return iptablesSave()
    .split('\n')
    .filter((l) => /KUBE-/.test(l))
    .map((l) => l.replace(/\[\d+:\d+\]/, ''))
    .join('\n');
}

function startProxy(): ChildProcess {
  proxyOutput = '';
  const child = spawn(
    process.execPath,
    [LAUNCHER, 'proxy', `--server=${controlPlane.address}`, `--node-name=${NODE}`, `--node-ip=${NODE_IP}`, `--netns=${nodeNs}`, '--min-sync-period=100', '--log-format=json', '--log-level=info'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (proxyOutput += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (proxyOutput += d.toString()));
  return child;
}

async function stopProxy(): Promise<void> {
  const child = proxy;
  proxy = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function runLauncher(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LAUNCHER, 'proxy', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function createService(name: string, spec: corev1.ServiceSpec): Promise<corev1.Service> {
  return client.resource(Services).namespace(NS).create({ metadata: { name, namespace: NS }, spec });
}

function endpointSlice(service: string, endpoints: { ip: string; node?: string }[], port = 8080, protocol = 'TCP'): discoveryv1.EndpointSlice {
  return {
    metadata: { name: `${service}-abcde`, namespace: NS, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: '', protocol, port }],
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: true }, nodeName: e.node ?? NODE })),
  };
}

/** Waits until the proxy has programmed a rule mentioning `text` (or, with absent, removed it). */
async function waitForRule(text: string, absent = false): Promise<void> {
  await waitFor(() => iptablesSave().includes(text) !== absent, { timeoutMs: 15_000, intervalMs: 50, description: `rules ${absent ? 'without' : 'with'} ${text}; proxy output: ${proxyOutput}` });
}

let web: corev1.Service;

describe.skipIf(!!why)('proxy in network namespaces', () => {
  beforeAll(async () => {
    topo = new Topology();
    nodeNs = topo.addNamespace('node');
    clientNs = topo.addNamespace('client');
    const pods = [topo.addNamespace('pod1'), topo.addNamespace('pod2')];
    podNs = pods;
    topo.exec(nodeNs, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
    topo.exec(nodeNs, 'ip', ['addr', 'add', '10.244.1.1/24', 'dev', 'br0']);
    topo.exec(nodeNs, 'ip', ['link', 'set', 'br0', 'up']);
    topo.exec(nodeNs, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    if (!noBrNetfilter) topo.exec(nodeNs, 'sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1']);
    // Like a real node, a default route (out of an uplink that leads nowhere: a veth whose peer
    // is unused), so traffic to a Service IP is routed and meets the FORWARD chain's REJECT.
    topo.exec(nodeNs, 'ip', ['link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'uplink-peer']);
    topo.exec(nodeNs, 'ip', ['link', 'set', 'uplink-peer', 'up']);
    topo.exec(nodeNs, 'ip', ['addr', 'add', '198.51.100.1/24', 'dev', 'uplink']);
    topo.exec(nodeNs, 'ip', ['link', 'set', 'uplink', 'up']);
    topo.exec(nodeNs, 'ip', ['route', 'add', 'default', 'via', '198.51.100.254']);
    for (const [i, ns] of pods.entries()) {
      topo.link(nodeNs, `veth-pod${i + 1}`, ns, 'eth0');
      topo.exec(nodeNs, 'ip', ['link', 'set', `veth-pod${i + 1}`, 'master', 'br0']);
      // As the kubelet's hairpin-veth mode does: a pod's packet to its own Service, DNATed back
      // to itself, leaves the bridge by the port it came in on.
      topo.exec(nodeNs, 'ip', ['link', 'set', `veth-pod${i + 1}`, 'type', 'bridge_slave', 'hairpin', 'on']);
      topo.exec(ns, 'ip', ['addr', 'add', `${[POD1, POD2][i]}/24`, 'dev', 'eth0']);
      topo.exec(ns, 'ip', ['route', 'add', 'default', 'via', '10.244.1.1']);
      await topo.start(ns, ECHO_SERVER(`pod${i + 1}`, 8080));
      await topo.start(ns, PEER_ECHO_SERVER(9090));
      await topo.start(ns, UDP_ECHO_SERVER(`pod${i + 1}`, 5353));
      await topo.start(ns, TCP_ECHO_SERVER(7070));
    }
    topo.link(nodeNs, 'veth-client', clientNs, 'eth0');
    topo.exec(nodeNs, 'ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', 'veth-client']);
    topo.exec(clientNs, 'ip', ['addr', 'add', '192.168.77.2/24', 'dev', 'eth0']);
    topo.exec(clientNs, 'ip', ['route', 'add', 'default', 'via', NODE_IP]);

    controlPlane = await ControlPlaneHarness.start();
    client = new ApiClient(controlPlane.address, { timeoutMs: 5000 });
    await client.resource(Namespaces).create({ metadata: { name: NS } });
    web = await createService('web', { type: 'ClusterIP', ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080 } }] });
    await client.resource(EndpointSlices).namespace(NS).create(endpointSlice('web', [{ ip: POD1 }, { ip: POD2 }]));

    proxy = startProxy();
    await waitForRule(`${NS}/web cluster IP`);
    // The jumps from the built-in chains go in right after the first write.
    await waitForRule('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  }, 120_000);

  afterAll(async () => {
    await stopProxy();
    client?.close();
    await controlPlane?.stop();
    await topo?.destroy();
  });

  it('balances a ClusterIP over both endpoints, from a client routed through the node', async () => {
    const answers = await connectMany(clientNs, web.spec!.clusterIP!, 80, 30);
    expect(new Set(answers)).toEqual(new Set(['pod1', 'pod2']));
  });

  it.skipIf(!!noBrNetfilter)('keeps a pod\'s own IP through a ClusterIP; masquerades a client outside the cluster CIDR and a pod reaching itself', async () => {
    const peer = await createService('peer', { ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 9090 } }] });
    await client.resource(EndpointSlices).namespace(NS).create(endpointSlice('peer', [{ ip: POD1 }], 9090));
    await waitForRule(`${NS}/peer cluster IP`);
    const ip = peer.spec!.clusterIP!;
    // pod-2 → Service → pod-1 on the same bridge: no NAT of the source, as in Kubernetes.
    expect(await connectMany(podNs[1], ip, 80, 5)).toEqual(Array(5).fill(POD2));
    // Outside the cluster CIDR: masqueraded to the node's address on the pods' bridge.
    expect(await connectMany(clientNs, ip, 80, 5)).toEqual(Array(5).fill('10.244.1.1'));
    // Hairpin: pod-1 through its own Service reaches itself, masqueraded so the reply comes back the same way.
    expect(await connectMany(podNs[0], ip, 80, 5)).toEqual(Array(5).fill('10.244.1.1'));
  });

  it('added the jumps from the built-in chains and the masquerade rules', () => {
    const save = iptablesSave();
    expect(save).toMatch(/-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES/);
    expect(save).toMatch(/-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING/);
    expect(save).toMatch(/-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000\/0x4000/);
  });

  it('rejects a Service without endpoints at once', async () => {
    const empty = await createService('empty', { ports: [{ protocol: 'TCP', port: 80 }] });
    await waitForRule(`${NS}/empty has no endpoints`);
    const started = Date.now();
    expect(await connectMany(clientNs, empty.spec!.clusterIP!, 80, 3)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('serves a NodePort on the node IP', async () => {
    const np = await createService('np', { type: 'NodePort', ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080 } }] });
    await client.resource(EndpointSlices).namespace(NS).create(endpointSlice('np', [{ ip: POD1 }, { ip: POD2 }]));
    const nodePort = np.spec!.ports![0].nodePort!;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    await waitForRule(`--dport ${nodePort} -j KUBE-EXT-`);
    const answers = await connectMany(clientNs, NODE_IP, nodePort, 30);
    expect(new Set(answers)).toEqual(new Set(['pod1', 'pod2']));
  });

  it('keeps one client on one endpoint with sessionAffinity ClientIP', async () => {
    const sticky = await createService('sticky', { sessionAffinity: 'ClientIP', ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080 } }] });
    await client.resource(EndpointSlices).namespace(NS).create(endpointSlice('sticky', [{ ip: POD1 }, { ip: POD2 }]));
    await waitForRule(`${NS}/sticky cluster IP`);
    const answers = await connectMany(clientNs, sticky.spec!.clusterIP!, 80, 20);
    expect(answers.every((a) => a === 'pod1' || a === 'pod2')).toBe(true);
    expect(new Set(answers).size).toBe(1);
  });

  it('sends external NodePort traffic only to local endpoints with externalTrafficPolicy Local', async () => {
    const local = await createService('local', {
      type: 'NodePort',
      externalTrafficPolicy: 'Local',
      ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080 } }],
    });
    // pod2 claims to run on another node; it is still reachable, so only the rules keep it out.
    await client.resource(EndpointSlices).namespace(NS).create(endpointSlice('local', [{ ip: POD1 }, { ip: POD2, node: 'node-2' }]));
    const nodePort = local.spec!.ports![0].nodePort!;
    await waitForRule(`--dport ${nodePort} -j KUBE-EXT-`);
    expect(new Set(await connectMany(clientNs, NODE_IP, nodePort, 20))).toEqual(new Set(['pod1']));
    expect(new Set(await connectMany(clientNs, local.spec!.clusterIP!, 80, 30))).toEqual(new Set(['pod1', 'pod2']));
  });

  it('answers on a LoadBalancer ingress IP and on an external IP, masquerading the client', async () => {
    const lb = await createService('lb', {
      type: 'LoadBalancer',
      externalIPs: [EXTERNAL_IP],
      ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 9090 } }],
    });
    await client.resource(Services).namespace(NS).updateStatus({ ...lb, status: { loadBalancer: { ingress: [{ ip: LB_IP, ipMode: 'VIP' }] } } });
    await client.resource(EndpointSlices).namespace(NS).create(endpointSlice('lb', [{ ip: POD1 }], 9090));
    await waitForRule(`${NS}/lb loadbalancer IP`);
    await waitForRule(`${NS}/lb external IP`);
    // Cluster policy: the pod sees the node (the bridge's address), not the client.
    expect(new Set(await connectMany(clientNs, LB_IP, 80, 5))).toEqual(new Set(['10.244.1.1']));
    expect(new Set(await connectMany(clientNs, EXTERNAL_IP, 80, 5))).toEqual(new Set(['10.244.1.1']));
  });

  it('keeps the client\'s IP on a LoadBalancer IP and NodePort with externalTrafficPolicy Local, and refuses at once without endpoints', async () => {
    const lbl = await createService('lb-local', {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 9090 } }],
    });
    await client.resource(Services).namespace(NS).updateStatus({ ...lbl, status: { loadBalancer: { ingress: [{ ip: LB_LOCAL_IP, ipMode: 'VIP' }] } } });
    await waitForRule(`${NS}/lb-local has no endpoints`);
    expect(await connectMany(clientNs, LB_LOCAL_IP, 80, 2)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    await client.resource(EndpointSlices).namespace(NS).create(endpointSlice('lb-local', [{ ip: POD1 }, { ip: POD2, node: 'node-2' }], 9090));
    await waitForRule(`${NS}/lb-local loadbalancer IP`);
    expect(new Set(await connectMany(clientNs, LB_LOCAL_IP, 80, 10))).toEqual(new Set([CLIENT_IP]));
    const nodePort = lbl.spec!.ports![0].nodePort!;
    expect(new Set(await connectMany(clientNs, NODE_IP, nodePort, 10))).toEqual(new Set([CLIENT_IP]));
  });

  it('flushes stale UDP conntrack entries: a flow refused before endpoints, and one to an endpoint that went away', async () => {
    const conntrack = spawnSync('conntrack', ['--version']);
    if (conntrack.error) {
      console.warn('conntrack is not installed: skipping the stale UDP conntrack test');
      return;
    }
    const udp = await createService('udp', { ports: [{ protocol: 'UDP', port: 53, targetPort: { type: 0, intVal: 5353 } }] });
    await waitForRule(`${NS}/udp has no endpoints`);
    // One flow (fixed source port) that keeps sending: its conntrack entry outlives rule changes
    // unless the proxy deletes it.
    const pinger = new UdpPinger(clientNs, udp.spec!.clusterIP!, 53, 40053);
    try {
      // The flow is refused a few times (the REJECT rule counts its packets) before endpoints appear.
      const refused = (): number => {
        const line = topo.exec(nodeNs, 'iptables', ['-w', '5', '-t', 'filter', '-L', 'KUBE-SERVICES', '-v', '-n', '-x']).split('\n').find((l) => l.includes(`${NS}/udp has no endpoints`));
        return Number(line?.trim().split(/\s+/)[0] ?? 0);
      };
      await waitFor(() => refused() >= 3, { timeoutMs: 15_000, description: 'UDP packets refused before the endpoints appear' });
      await client.resource(EndpointSlices).namespace(NS).create(endpointSlice('udp', [{ ip: POD1 }], 5353, 'UDP'));
      await waitFor(() => pinger.answers.includes('pod1'), { timeoutMs: 15_000, description: `UDP answers from pod1 after endpoints appeared; got ${pinger.answers.length}` });
      const slice = await client.resource(EndpointSlices).namespace(NS).get('udp-abcde');
      await client.resource(EndpointSlices).namespace(NS).update({ ...slice, endpoints: [{ addresses: [POD2], conditions: { ready: true }, nodeName: NODE }] });
      // pod1 still runs and would keep answering this flow if its entry stayed.
      await waitFor(() => pinger.answers[pinger.answers.length - 1] === 'pod2', { timeoutMs: 15_000, description: 'UDP answers moving to pod2' });
    } finally {
      await pinger.stop();
    }
  });

  it('follows endpoint changes', async () => {
    const slice = await client.resource(EndpointSlices).namespace(NS).get('web-abcde');
    await client.resource(EndpointSlices).namespace(NS).update({ ...slice, endpoints: slice.endpoints!.filter((e) => e.addresses![0] === POD2) });
    await waitForRule(`${NS}/web -> ${POD1}:8080`, true);
    expect(new Set(await connectMany(clientNs, web.spec!.clusterIP!, 80, 10))).toEqual(new Set(['pod2']));
    await client.resource(Services).namespace(NS).delete('sticky');
    await waitForRule(`${NS}/sticky cluster IP`, true);
    expect(kubeRules()).not.toMatch(/sticky/);
  });

  it('restarts without a gap: the rules stay while it is down and come back the same', async () => {
    const heldSvc = await createService('held', { ports: [{ protocol: 'TCP', port: 7070, targetPort: { type: 0, intVal: 7070 } }] });
    await client.resource(EndpointSlices).namespace(NS).create(endpointSlice('held', [{ ip: POD1 }], 7070));
    await waitForRule(`${NS}/held cluster IP`);
    const held = new HeldConnection(clientNs, heldSvc.spec!.clusterIP!, 7070);
    expect(await held.next()).toBe('connected');
    expect(await held.send('before')).toBe('before');
    const before = kubeRules();
    await stopProxy();
    // The rules outlive the process, so Services keep working while the proxy is down.
    expect(await connectMany(clientNs, web.spec!.clusterIP!, 80, 3)).toEqual(['pod2', 'pod2', 'pod2']);
    proxy = startProxy();
    // Traffic keeps flowing through the restarted proxy's first write (no flush, one transaction).
    const during: string[] = [];
    const deadline = Date.now() + 30_000;
    while (!/wrote proxy rules/.test(proxyOutput)) {
      if (Date.now() > deadline) throw new Error(`the restarted proxy did not write its rules: ${proxyOutput}`);
      during.push(...(await connectMany(clientNs, web.spec!.clusterIP!, 80, 10, 1000)));
    }
    during.push(...(await connectMany(clientNs, web.spec!.clusterIP!, 80, 10, 1000)));
    expect(during.filter((a) => a !== 'pod2')).toEqual([]);
    expect(kubeRules()).toBe(before);
    expect(await connectMany(clientNs, web.spec!.clusterIP!, 80, 3)).toEqual(['pod2', 'pod2', 'pod2']);
    // The connection made before the restart is still up.
    expect(await held.send('after')).toBe('after');
    await held.stop();
  });

  it('--cleanup removes every KUBE-* chain and jump', async () => {
    await stopProxy();
    const res = await runLauncher(['--cleanup', `--netns=${nodeNs}`, '--log-format=json']);
    expect(res.code, res.output).toBe(0);
    expect(iptablesSave()).not.toMatch(/KUBE-/);
    expect(await connectMany(clientNs, web.spec!.clusterIP!, 80, 1, 500)).not.toEqual(['pod2']);
  });
});

describe.skipIf(!!why)('golden rules in a real iptables-restore', () => {
  let scratch: Topology;
  beforeAll(() => {
    scratch = new Topology();
    scratch.addNamespace('scratch');
  });
  afterAll(async () => scratch?.destroy());

  const dir = join(__dirname, 'rules', 'testdata');
  const files = readdirSync(dir).filter((f) => f.endsWith('.rules') && !f.startsWith('stale-'));
  it.each(files)('%s loads, and loads again over itself', (file) => {
    const ns = scratch.ns('scratch');
    const text = readFileSync(join(dir, file), 'utf8');
    scratch.exec(ns, 'iptables-restore', ['--noflush'], text);
    scratch.exec(ns, 'iptables-restore', ['--noflush'], text);
    const save = scratch.exec(ns, 'iptables-save', []);
    const want = text.split('\n').filter((l) => l.startsWith('-A ')).length;
    expect(save.split('\n').filter((l) => /^-A KUBE-/.test(l)).length).toBe(want);
    scratch.exec(ns, 'iptables', ['-t', 'nat', '-F']);
    scratch.exec(ns, 'iptables', ['-t', 'nat', '-X']);
    scratch.exec(ns, 'iptables', ['-t', 'filter', '-F']);
    scratch.exec(ns, 'iptables', ['-t', 'filter', '-X']);
  });
});
