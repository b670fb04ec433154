import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@minik8s/testing';
import { conditionOf, KubeletFixture } from './test/fixture';

// Opt-in: KUBELET_BENCH=1 npx vitest run src/kubelet-bench.integration.test.ts
const enabled = process.env.KUBELET_BENCH === '1';
let f: KubeletFixture;

describe.runIf(enabled)('kubelet timings', () => {
  beforeAll(async () => {
    f = new KubeletFixture('10.244.252.0/24');
    await f.setUp();
    await f.startKubelet({ resyncIntervalMs: 10_000 });
  });
  afterAll(async () => {
    await f.tearDown();
  });

  it('measures pod start and delete latency', async () => {
    const n = Number(process.env.KUBELET_BENCH_PODS ?? 10);
    // One pod first, alone.
    let t = Date.now();
    await f.pods().create(f.pod('single', { containers: [{ name: 'c', command: ['sleep', '3600'] }], terminationGracePeriodSeconds: 0 }));
    await f.waitForPod('single', (p) => conditionOf(p, 'Ready')?.status === 'True');
    const single = Date.now() - t;

    t = Date.now();
    await Promise.all(
      Array.from({ length: n }, (_, i) => f.pods().create(f.pod(`bench-${i}`, { containers: [{ name: 'c', command: ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 0.2; done"] }], terminationGracePeriodSeconds: 5 }))),
    );
    const ready = new Map<string, number>();
    await waitFor(
      async () => {
        for (const p of (await f.pods().list()).items) {
          const name = p.metadata?.name ?? '';
          if (name.startsWith('bench-') && !ready.has(name) && conditionOf(p, 'Ready')?.status === 'True') ready.set(name, Date.now() - t);
        }
        return ready.size === n;
      },
      { timeoutMs: 120_000, intervalMs: 50, description: `${n} pods Ready` },
    );
    const times = [...ready.values()].sort((a, b) => a - b);

    t = Date.now();
    await Promise.all(Array.from({ length: n }, (_, i) => f.pods().delete(`bench-${i}`)));
    await waitFor(async () => (await f.pods().list()).items.filter((p) => p.metadata?.name?.startsWith('bench-')).length === 0, {
      timeoutMs: 120_000,
      intervalMs: 50,
      description: 'pods gone',
    });
    const deleted = Date.now() - t;
    await waitFor(async () => (await f.docker.listContainers({ all: true, filters: { label: [`io.minik8s.node=${f.nodeName}`, 'io.kubernetes.pod.name'] } })).filter((c) => c.Labels['io.kubernetes.pod.name'].startsWith('bench-')).length === 0, {
      timeoutMs: 60_000,
      description: 'bench containers removed',
    });
    console.log(
      `single pod created → Ready: ${single} ms; ${n} pods at once → Ready: p50 ${times[Math.floor(n / 2)]} ms, max ${times[n - 1]} ms; ` +
        `${n} pods delete → gone: ${deleted} ms`,
    );
    expect(times).toHaveLength(n);
  });
});

it.skipIf(enabled)('kubelet timings (set KUBELET_BENCH=1 to run)', () => undefined);
