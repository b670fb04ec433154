import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { ApiClient, Informer, Leases, Namespaces, Nodes, Pods } from '@minik8s/client';
import { ControlPlaneHarness, waitFor } from '@minik8s/testing';
import { HollowNodes } from './hollow-nodes';
import { mapLimit, NODE_LEASE_NAMESPACE } from './node-registration';

const NODES = 200;
const NS = 'hollow-scale';

let controlPlane: ControlPlaneHarness;
let client: ApiClient;
let hollow: HollowNodes | undefined;

beforeAll(async () => {
  controlPlane = await ControlPlaneHarness.start();
  client = new ApiClient(controlPlane.address, { timeoutMs: 30_000 });
  await client.resource(Namespaces).create({ metadata: { name: NS } });
}, 90_000);

afterAll(async () => {
  await hollow?.stop();
  client?.close();
  await controlPlane?.stop();
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

describe('HollowNodes at scale', () => {
  it(`registers ${NODES} nodes and runs a pod on each`, async () => {
    const began = Date.now();
    hollow = new HollowNodes({ client, count: NODES, namePrefix: 'scale-' });
    await hollow.start();
    const startMs = Date.now() - began;
    const registration = hollow.stats.registration;
    console.log(`${NODES} nodes: registered (Node + Lease each) in ${registration?.durationMs}ms; start() done in ${startMs}ms`);
    expect(registration?.created).toBe(NODES);
    // Loose: a sanity bound for a 2-core CI machine, not a benchmark.
    expect(startMs).toBeLessThan(60_000);

    const nodes = (await client.resource(Nodes).list()).items.filter((n) => n.metadata?.name?.startsWith('scale-'));
    expect(nodes).toHaveLength(NODES);
    expect(nodes.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).toBe(true);
    const leases = (await client.resource(Leases).namespace(NODE_LEASE_NAMESPACE).list()).items.filter((l) => l.metadata?.name?.startsWith('scale-'));
    expect(leases).toHaveLength(NODES);

    // One pod per node, bound as a scheduler would; time from each bind to Running as a watcher sees it.
    const runningAt = new Map<string, number>();
    const watcher = new Informer<corev1.Pod>(client, client.kindInfo(Pods), { namespace: NS });
    const note = (p: corev1.Pod) => {
      const name = p.metadata?.name ?? '';
      if (p.status?.phase === 'Running' && !runningAt.has(name)) runningAt.set(name, Date.now());
    };
    watcher.addEventHandler({ onAdd: note, onUpdate: (_, p) => note(p) });
    watcher.start();
    await watcher.waitForCacheSync();

    const pods = client.resource(Pods).namespace(NS);
    const boundAt = new Map<string, number>();
    const podsBegan = Date.now();
    await mapLimit(
      Array.from({ length: NODES }, (_, i) => i),
      16,
      async (i) => {
        const name = `p-${i}`;
        await pods.create({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
        await client.bind(NS, name, `scale-${i}`);
        boundAt.set(name, Date.now());
      },
    );
    await waitFor(() => runningAt.size === NODES, { timeoutMs: 60_000, intervalMs: 100, description: 'every pod Running' });
    const allMs = Date.now() - podsBegan;
    await watcher.stop();

    const latencies = [...boundAt].map(([name, at]) => (runningAt.get(name) ?? 0) - at).sort((a, b) => a - b);
    console.log(
      `${NODES} pods bound (16 at a time) and Running in ${allMs}ms; bind → Running p50 ${percentile(latencies, 50)}ms, ` +
        `p99 ${percentile(latencies, 99)}ms, max ${latencies[latencies.length - 1]}ms; ` +
        `status writes ${hollow.stats.pods.statusWrites}, conflicts retried ${hollow.stats.pods.conflicts}`,
    );
    expect(hollow.stats.pods.syncErrors).toBe(0);
    const ips = (await pods.list()).items.map((p) => p.status?.podIP);
    expect(new Set(ips).size).toBe(NODES);
  }, 180_000);
});
