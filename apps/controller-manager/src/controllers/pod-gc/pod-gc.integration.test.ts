import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Namespaces, Nodes, Pods, realClock, type ApiClient, type TypedWatchEvent, type WatchStream } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { getOrUndefined } from '../../test-support/get-or-undefined';
import { podGcControllerFactoryWith } from './pod-gc-controller';

const NS = 'podgc';
const GC_PERIOD_MS = 200;
const QUARANTINE_MS = 1_000;
const THRESHOLD = 3;

let harness: ControllerHarness;
let client: ApiClient;

async function createNode(name: string): Promise<void> {
  await client.resource(Nodes).create({ metadata: { name }, spec: {} });
}

/** A pod placed on `nodeName` as the scheduler places it. */
async function boundPod(name: string, nodeName: string): Promise<corev1.Pod> {
  const pods = client.resource(Pods).namespace(NS);
  await pods.create({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  await client.bind(NS, name, nodeName);
  return pods.get(name);
}

async function getPod(name: string): Promise<corev1.Pod | undefined> {
  return getOrUndefined(() => client.resource(Pods).namespace(NS).get(name));
}

async function podNames(prefix: string): Promise<string[]> {
  const { items } = await client.resource(Pods).namespace(NS).list();
  return items.map((p) => p.metadata?.name ?? '').filter((n) => n.startsWith(prefix)).sort();
}

beforeAll(async () => {
  harness = await ControllerHarness.start({
    factories: [podGcControllerFactoryWith({ terminatedPodThreshold: THRESHOLD, gcPeriodMs: GC_PERIOD_MS, quarantineMs: QUARANTINE_MS })],
    startControllers: false,
  });
  client = harness.client;
  await client.resource(Namespaces).create({ metadata: { name: NS } });
  await createNode('keeper');
  await createNode('doomed');
  await harness.startControllers();
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

describe('pod garbage collector against a real apiserver', () => {
  it('deletes the pods of a deleted node after the quarantine, marking them Failed with DisruptionTarget first', async () => {
    await boundPod('orphan-a', 'doomed');
    await boundPod('orphan-b', 'doomed');
    await boundPod('safe', 'keeper');

    // Watch the namespace's pods to see what the collector writes before it deletes.
    const listed = await client.resource(Pods).namespace(NS).list();
    const watch: WatchStream<corev1.Pod> = client.resource(Pods).namespace(NS).watch({ resourceVersion: listed.resourceVersion });
    const events: TypedWatchEvent<corev1.Pod>[] = [];
    const watching = (async () => {
      for await (const event of watch) events.push(event);
    })().catch(() => undefined);

    const deletedAt = Date.now();
    await client.resource(Nodes).delete('doomed');
    const goneAt = await waitFor(async () => !(await getPod('orphan-a')) && !(await getPod('orphan-b')) && Date.now(), {
      timeoutMs: QUARANTINE_MS + 10_000,
      intervalMs: 50,
      description: 'the pods of the deleted node gone',
    });
    expect(goneAt - deletedAt).toBeGreaterThanOrEqual(QUARANTINE_MS);
    expect(await getPod('safe')).toBeDefined();

    await waitFor(() => events.filter((e) => e.type === 'DELETED').length >= 2, { timeoutMs: 5_000, description: 'the DELETED events' });
    watch.close();
    await watching;
    for (const name of ['orphan-a', 'orphan-b']) {
      const mine = events.filter((e) => e.object.metadata?.name === name);
      const marked = mine.findIndex((e) => e.type === 'MODIFIED' && e.object.status?.phase === 'Failed');
      const deleted = mine.findIndex((e) => e.type === 'DELETED');
      expect(marked, `${name} marked Failed`).toBeGreaterThanOrEqual(0);
      expect(deleted, `${name} deleted after it was marked`).toBeGreaterThan(marked);
      expect(mine[marked].object.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
        status: 'True',
        reason: 'DeletionByPodGC',
        message: 'PodGC: node no longer exists',
      });
      // Forced: gone at once, not left terminating for a kubelet that will never come.
      expect(mine[deleted].object.metadata?.deletionGracePeriodSeconds ?? 0).toBe(0);
    }
  });

  it(`keeps ${THRESHOLD} terminated pods and deletes the oldest beyond them`, async () => {
    const pods = client.resource(Pods).namespace(NS);
    const names = ['done-0', 'done-1', 'done-2', 'done-3', 'done-4'];
    for (const name of names) await boundPod(name, 'keeper');
    for (const name of names) {
      const pod = await pods.get(name);
      // The status as the kubelet reports a finished pod; qosClass is immutable, so it is kept.
      await pods.updateStatus({ ...pod, status: { ...pod.status, phase: 'Succeeded' } });
    }

    await waitFor(async () => JSON.stringify(await podNames('done-')) === JSON.stringify(['done-2', 'done-3', 'done-4']), {
      timeoutMs: 10_000,
      intervalMs: 50,
      description: 'the two oldest terminated pods deleted',
    });
    // Several passes later the three newest, and the running pod, are still there.
    await realClock.sleep(GC_PERIOD_MS * 4);
    expect(await podNames('done-')).toEqual(['done-2', 'done-3', 'done-4']);
    expect(await getPod('safe')).toBeDefined();
  });
});
