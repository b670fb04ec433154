import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Pods } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { waitFor } from '@minik8s/testing';
import { Scheduler } from './scheduler';
import { TestCluster } from './testing/cluster';

const NODES = Number(process.env.SCHEDULER_PERF_NODES ?? 1000);
const PODS = Number(process.env.SCHEDULER_PERF_PODS ?? 1000);
const ZONES = ['zone-a', 'zone-b', 'zone-c'];

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

function plainPod(i: number): corev1.Pod {
  return {
    metadata: { name: `perf-${i}`, namespace: 'default', labels: { app: `app-${i % 10}` } },
    spec: {
      containers: [{ name: 'app', image: `registry.example.com/app-${i % 10}:1.0`, resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
    },
  };
}

/**
 * Throughput: plain pods onto many nodes, all created through the API before the scheduler
 * starts, timed from the scheduler's first cycle until every binding call has returned.
 * Prints the figure; asserts only that everything gets bound.
 */
describe('scheduler throughput', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start();
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it(`schedules ${PODS} pods onto ${NODES} nodes`, async () => {
    const created = Date.now();
    await pool(
      Array.from({ length: NODES }, (_, i) => i),
      32,
      (i) =>
        cluster.createNode(`node-${String(i).padStart(4, '0')}`, { cpu: '8', memory: '32Gi', pods: '110' }, { labels: { 'topology.kubernetes.io/zone': ZONES[i % ZONES.length] } }),
    );
    await pool(
      Array.from({ length: PODS }, (_, i) => i),
      32,
      (i) => cluster.createPod(plainPod(i)),
    );
    const setupMs = Date.now() - created;

    const scheduler = new Scheduler({ client: cluster.client, logger: silentLogger(), recordEvents: process.env.SCHEDULER_PERF_EVENTS !== '0' });
    scheduler.start();
    await scheduler.waitForCacheSync();
    await waitFor(() => scheduler.cache.nodeCount === NODES && scheduler.queue.stats().active === PODS, { timeoutMs: 60_000, description: 'all nodes and pods seen' });
    const stop = new AbortController();
    const began = Date.now();
    const running = scheduler.run(stop.signal);
    let lastAssumed = 0;
    await waitFor(
      () => {
        if (!lastAssumed && scheduler.metrics.attempts >= PODS) lastAssumed = Date.now();
        return scheduler.metrics.scheduled >= PODS;
      },
      { timeoutMs: 120_000, intervalMs: 5, description: `${PODS} pods bound` },
    );
    const elapsed = Date.now() - began;
    stop.abort();
    await running;
    await scheduler.stop();

    const perSecond = (PODS / elapsed) * 1000;
    const cycles = lastAssumed ? (PODS / (lastAssumed - began)) * 1000 : perSecond;
    process.stdout.write(
      `\n[scheduler throughput] ${PODS} pods onto ${NODES} nodes: ${elapsed} ms, ${perSecond.toFixed(0)} pods/s bound ` +
        `(scheduling cycles alone: ${cycles.toFixed(0)} pods/s; setup of nodes and pods: ${setupMs} ms)\n`,
    );
    const bound = (await cluster.client.resource(Pods).namespace('default').list()).items.filter((p) => p.spec?.nodeName);
    expect(bound.length).toBe(PODS);
    expect(scheduler.metrics.bindErrors).toBe(0);
  }, 300_000);
});
