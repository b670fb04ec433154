import { performance } from 'node:perf_hooks';
import type { discoveryv1 } from '@minik8s/api';
import { ApiClient, EndpointSlices, Namespaces, Services } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { Component } from './components';
import { startCluster } from './harness';
import { measureDataPath } from './network-datapath';
import { BenchTopology, DIRECT_CLIENT_POD_IP, HTTP_SERVER, OUTSIDE_CLIENT_IP, POD_IP, POD_PORT, SERVICE_CLIENT_POD_IP, netnsUnavailable } from './network-topology';
import { runOps } from './runner';
import { percentile } from './stats';
import { fmtInt, fmtMs, heading, renderTable } from './table';

/** Targets from issue #7. */
const TARGET_RATIO = 0.9;
const TARGET_RULES_P99_MS = 1_000;
const NS = 'netbench';
const NODE = 'bench-node';

interface Options {
  services: number;
  changes: number;
  rounds: number;
  durationMs: number;
  concurrency: number;
}

function parseArgs(args: readonly string[]): Options {
  const num = (flag: string, dflt: number): number => {
    const v = args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number`);
    return n;
  };
  return { services: num('services', 1000), changes: num('changes', 40), rounds: num('rounds', 6), durationMs: num('duration', 3) * 1000, concurrency: num('concurrency', 16) };
}

function slice(service: string, ips: string[]): discoveryv1.EndpointSlice {
  return {
    metadata: { name: `${service}-bench`, namespace: NS, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: '', protocol: 'TCP', port: POD_PORT }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: NODE })),
  };
}

/** The proxy's "wrote proxy rules" log lines: when each sync ended, and how long it took. */
function syncsIn(output: string): { time: number; ms: number; servicePorts: number }[] {
  const out: { time: number; ms: number; servicePorts: number }[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('wrote proxy rules')) continue;
    try {
      const rec = JSON.parse(line) as { time?: number; ms?: number; servicePorts?: number };
      if (typeof rec.time === 'number') out.push({ time: rec.time, ms: rec.ms ?? NaN, servicePorts: rec.servicePorts ?? 0 });
    } catch {
      // a line cut by the output tail
    }
  }
  return out;
}

export async function runNetworkSuite(args: readonly string[]): Promise<void> {
  const why = netnsUnavailable();
  if (why) throw new Error(why);
  const opts = parseArgs(args);
  process.stdout.write(heading(`network: ClusterIP vs. pod IP, and rule updates with ${fmtInt(opts.services)} Services`));

  const cluster = await startCluster();
  const topo = new BenchTopology();
  topo.create();
  const server = await topo.start(topo.pod, HTTP_SERVER);
  const client = new ApiClient(cluster.apiserver.address, { timeoutMs: 30_000 });
  await client.resource(Namespaces).create({ metadata: { name: NS } });
  const web = await client.resource(Services).namespace(NS).create({
    metadata: { name: 'web', namespace: NS },
    spec: { ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: POD_PORT } }] },
  });
  await client.resource(EndpointSlices).namespace(NS).create(slice('web', [POD_IP]));
  const clusterIP = web.spec?.clusterIP ?? '';

  // The proxy with kube-proxy's defaults (--min-sync-period 1 s), programming the node namespace.
  const proxy = Component.spawn('proxy', 'proxy', [
    `--server=${cluster.apiserver.address}`,
    `--node-name=${NODE}`,
    `--netns=${topo.node}`,
    '--log-format=json',
    '--log-level=info',
  ]);
  const natRules = (): string => topo.exec(topo.node, 'iptables-save', '-t', 'nat');
  await waitFor(() => (proxy.assertRunning(), natRules().includes(`${NS}/web cluster IP`)), { timeoutMs: 180_000, description: 'the proxy\'s rules for the bench Service' });

  // ---- 1. the data path: the same load straight at the pod and through the ClusterIP ----
  const serverPid = server.pid;
  const fromPod = await measureDataPath(
    topo,
    { direct: topo.directClientPod, viaService: topo.serviceClientPod },
    clusterIP,
    serverPid,
    opts,
    `client pods on the server pod's node bridge (${DIRECT_CLIENT_POD_IP} straight, ${SERVICE_CLIENT_POD_IP} via the ClusterIP; no masquerade)`,
  );
  const fromOutside = await measureDataPath(
    topo,
    { direct: topo.outsideClient, viaService: topo.outsideClient },
    clusterIP,
    serverPid,
    opts,
    `a client outside the cluster CIDR, ${OUTSIDE_CLIENT_IP}, routed through the node (masqueraded to the node's address via the ClusterIP)`,
  );
  const ratio = fromPod.ratio;
  const p99Ratio = fromPod.p99Ratio;

  // ---- 2. rules with many Services: time from an endpoint change to the rules in place ----
  const count = opts.services;
  const created = performance.now();
  const creates = await runOps(count, 32, async (i) => {
    const name = `svc-${i}`;
    await client.resource(Services).namespace(NS).create({ metadata: { name, namespace: NS }, spec: { ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: POD_PORT } }] } });
    await client.resource(EndpointSlices).namespace(NS).create(slice(name, [`10.244.${10 + (i >> 8)}.${i & 255}`, `10.245.${10 + (i >> 8)}.${i & 255}`]));
  });
  if (creates.errors > 0) throw new Error(`creating the Services failed: ${creates.firstError}`);
  const last = `${NS}/svc-${count - 1} cluster IP`;
  await waitFor(() => (proxy.assertRunning(), syncsIn(proxy.output()).some((s) => s.servicePorts >= count + 1) && natRules().includes(last)), {
    timeoutMs: 300_000,
    intervalMs: 500,
    description: `the proxy's rules for ${count} Services`,
  });
  const allInMs = performance.now() - created;
  const save = natRules();
  const natLines = save.split('\n').filter((l) => l.startsWith('-A ')).length;

  const latencies: number[] = [];
  const syncMs: number[] = [];
  for (let i = 0; i < opts.changes; i++) {
    const name = `svc-${(i * 37) % count}`;
    const newIP = `10.246.${i >> 8}.${i & 255}`;
    const current = await client.resource(EndpointSlices).namespace(NS).get(`${name}-bench`);
    const t0 = Date.now();
    await client.resource(EndpointSlices).namespace(NS).update({ ...current, endpoints: [...(current.endpoints ?? []).slice(1), { addresses: [newIP], conditions: { ready: true }, nodeName: NODE }] });
    // The first sync logged after the change whose tables hold the new endpoint: its log line's
    // time is when the rules were in place. Only the log is polled; the tables are read once per
    // sync, so the measuring does not load the machine the proxy runs on.
    let checked = t0;
    const applied = await waitFor(
      () => {
        proxy.assertRunning();
        const next = syncsIn(proxy.output()).find((s) => s.time >= checked);
        if (!next) return undefined;
        checked = next.time + 1;
        return natRules().includes(`--to-destination ${newIP}:${POD_PORT}`) ? next : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 10, description: `the rules for ${newIP}` },
    );
    latencies.push(applied.time - t0);
    syncMs.push(applied.ms);
    // Spaced past --min-sync-period, so each change is measured alone, as kube-proxy's SLI is.
    await new Promise((r) => setTimeout(r, 1100));
  }
  client.close();

  process.stdout.write(`\n\nRules: ${fmtInt(count)} Services with 2 endpoints each (+1), ${fmtInt(natLines)} nat rules; all in place ${fmtMs(allInMs)} ms after the first create.\n`);
  process.stdout.write(
    renderTable(
      [{ header: `endpoint change → rules in place (${opts.changes} changes)`, align: 'left' }, { header: 'p50 ms', align: 'right' }, { header: 'p99 ms', align: 'right' }, { header: 'max ms', align: 'right' }],
      [
        ['latency', fmtMs(percentile(latencies, 50)), fmtMs(percentile(latencies, 99)), fmtMs(Math.max(...latencies))],
        ['of which the proxy\'s sync (render + iptables-restore)', fmtMs(percentile(syncMs, 50)), fmtMs(percentile(syncMs, 99)), fmtMs(Math.max(...syncMs))],
      ],
    ),
  );
  const rulesP99 = percentile(latencies, 99);
  process.stdout.write('\n\nSummary:\n');
  process.stdout.write(
    `  ${ratio >= TARGET_RATIO ? 'PASS' : 'MISS'}  ClusterIP/pod-IP req/s ratio ${ratio.toFixed(2)} from a client pod (target >= ${TARGET_RATIO}); p99 ratio ${p99Ratio.toFixed(2)}, CPU per request ratio ${fromPod.cpuRatio.toFixed(2)}\n`,
  );
  process.stdout.write(
    `  info  from outside the cluster (masqueraded): req/s ratio ${fromOutside.ratio.toFixed(2)}, p99 ratio ${fromOutside.p99Ratio.toFixed(2)}; ${fmtInt(fromOutside.viaService.synRetransmits)} SYNs sent again through the ClusterIP and ${fmtInt(fromOutside.viaService.pawsRejected)} PAWS drops at the pod's TIME_WAIT sockets (straight: ${fmtInt(fromOutside.direct.synRetransmits)} and ${fmtInt(fromOutside.direct.pawsRejected)})\n`,
  );
  process.stdout.write(`  ${rulesP99 < TARGET_RULES_P99_MS ? 'PASS' : 'MISS'}  endpoint change → rules p99 ${fmtMs(rulesP99)} ms with ${fmtInt(count)} Services (target < ${fmtMs(TARGET_RULES_P99_MS)} ms)\n`);
  await proxy.stop();
  await cluster.stop();
}
