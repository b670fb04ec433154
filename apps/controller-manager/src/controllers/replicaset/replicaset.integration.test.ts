import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { appsv1, corev1 } from '@minik8s/api';
import { Events, MERGE_PATCH, Pods, ReplicaSets, ReplicationControllers, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { getControllerOf } from '../../shared/controller-ref';
import { ControllerHarness } from '../../test-support/controller-harness';
import { replicaSetControllerFactory, replicationControllerFactory } from './replicaset-controller';

let harness: ControllerHarness;
let client: ApiClient;

beforeAll(async () => {
  harness = await ControllerHarness.start({ factories: [replicaSetControllerFactory, replicationControllerFactory] });
  client = harness.client;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

const TEMPLATE_SPEC: corev1.PodSpec = { containers: [{ name: 'web', image: 'nginx:1.27' }] };

function replicaSet(name: string, replicas: number, labels: Record<string, string>, minReadySeconds = 0): appsv1.ReplicaSet {
  return {
    metadata: { name },
    spec: { replicas, minReadySeconds, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: TEMPLATE_SPEC } },
  };
}

/** Pods in `ns` a controller with `uid` controls and that are not terminating, by name. */
async function ownedPods(ns: string, uid: string | undefined): Promise<corev1.Pod[]> {
  const { items } = await client.resource(Pods).namespace(ns).list();
  return items.filter((p) => getControllerOf(p)?.uid === uid && !p.metadata?.deletionTimestamp).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

async function waitForOwned(ns: string, uid: string | undefined, count: number, description: string): Promise<corev1.Pod[]> {
  return waitFor(
    async () => {
      const pods = await ownedPods(ns, uid);
      return pods.length === count ? pods : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 100, description },
  );
}

/** What kubelet would do: the pod runs and its Ready condition turns True. */
async function markReady(pod: corev1.Pod): Promise<void> {
  const pods = client.resource(Pods).namespace(pod.metadata?.namespace);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const fresh = await pods.get(pod.metadata?.name ?? '');
  await pods.updateStatus({
    ...fresh,
    status: { ...fresh.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
  });
}

describe('ReplicaSet controller against a real apiserver', () => {
  it('creates 3 pods, replaces a deleted one, and scales down to 1', async () => {
    const ns = await harness.createNamespace('rs-basic');
    const rsClient = client.resource(ReplicaSets).namespace(ns);
    const rs = await rsClient.create(replicaSet('web', 3, { app: 'web' }));
    const uid = rs.metadata?.uid;

    const pods = await waitForOwned(ns, uid, 3, '3 pods');
    for (const p of pods) {
      expect(p.metadata?.name).toMatch(/^web-/);
      expect(p.metadata?.labels).toEqual({ app: 'web' });
      expect(getControllerOf(p)).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid, controller: true, blockOwnerDeletion: true });
    }
    await waitFor(async () => (await rsClient.get('web')).status?.replicas === 3, { timeoutMs: 10_000, description: 'status.replicas 3' });

    const victim = pods[0].metadata?.name ?? '';
    await client.resource(Pods).namespace(ns).delete(victim);
    const replaced = await waitFor(
      async () => {
        const now = await ownedPods(ns, uid);
        return now.length === 3 && !now.some((p) => p.metadata?.name === victim) ? now : undefined;
      },
      { timeoutMs: 15_000, description: 'a replacement for the deleted pod' },
    );
    expect(replaced).toHaveLength(3);

    await rsClient.patch('web', MERGE_PATCH, { spec: { replicas: 1 } });
    await waitForOwned(ns, uid, 1, 'scale down to 1');
    const scaled = await waitFor(
      async () => {
        const cur = await rsClient.get('web');
        return cur.status?.replicas === 1 && cur.status.observedGeneration === cur.metadata?.generation ? cur : undefined;
      },
      { timeoutMs: 10_000, description: 'status after scaling down' },
    );
    expect(scaled.status).toMatchObject({ replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 0, availableReplicas: 0 });

    // The pod control recorded what it did. (Only creations are checked: the recorder names an
    // event by a digest of the tail of its message, so "Deleted pod: x" folds into "Created pod: x".)
    const events = (await client.resource(Events).namespace(ns).list()).items;
    expect(events.filter((e) => e.reason === 'SuccessfulCreate' && e.involvedObject?.uid === uid).length).toBeGreaterThanOrEqual(3);
  });

  it('releases a pod relabelled out of its selector and replaces it', async () => {
    const ns = await harness.createNamespace('rs-release');
    const rs = await client.resource(ReplicaSets).namespace(ns).create(replicaSet('web', 2, { app: 'web' }));
    const uid = rs.metadata?.uid;
    const [first] = await waitForOwned(ns, uid, 2, '2 pods');
    const name = first.metadata?.name ?? '';

    await client.resource(Pods).namespace(ns).patch(name, MERGE_PATCH, { metadata: { labels: { app: 'debug' } } });
    await waitFor(
      async () => {
        const released = await client.resource(Pods).namespace(ns).get(name);
        return !released.metadata?.deletionTimestamp && (released.metadata?.ownerReferences ?? []).length === 0;
      },
      { timeoutMs: 15_000, description: 'the relabelled pod released' },
    );
    const now = await waitForOwned(ns, uid, 2, 'a replacement for the released pod');
    expect(now.map((p) => p.metadata?.name)).not.toContain(name);
    // It keeps running, detached.
    const { items } = await client.resource(Pods).namespace(ns).list();
    expect(items.map((p) => p.metadata?.name)).toContain(name);
  });

  it('adopts a matching orphan instead of creating a pod', async () => {
    const ns = await harness.createNamespace('rs-adopt');
    await client.resource(Pods).namespace(ns).create({ metadata: { name: 'orphan', labels: { app: 'web' } }, spec: TEMPLATE_SPEC });
    const rs = await client.resource(ReplicaSets).namespace(ns).create(replicaSet('web', 2, { app: 'web' }));
    const uid = rs.metadata?.uid;
    const pods = await waitForOwned(ns, uid, 2, 'the orphan adopted and one pod created');
    expect(pods.map((p) => p.metadata?.name)).toContain('orphan');
    const orphan = pods.find((p) => p.metadata?.name === 'orphan');
    expect(orphan?.metadata?.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid, controller: true, blockOwnerDeletion: true }]);
    const { items } = await client.resource(Pods).namespace(ns).list();
    expect(items).toHaveLength(2);
  });

  it('counts ready pods, and available ones after minReadySeconds', async () => {
    const ns = await harness.createNamespace('rs-ready');
    const rsClient = client.resource(ReplicaSets).namespace(ns);
    const rs = await rsClient.create(replicaSet('web', 2, { app: 'web' }, 2));
    const pods = await waitForOwned(ns, rs.metadata?.uid, 2, '2 pods');
    for (const p of pods) await markReady(p);
    // Ready at once, but available only after minReadySeconds: nothing but the controller's own
    // requeue makes it look again then.
    const ready = await waitFor(
      async () => {
        const cur = await rsClient.get('web');
        return cur.status?.readyReplicas === 2 ? cur : undefined;
      },
      { timeoutMs: 10_000, description: 'readyReplicas 2' },
    );
    expect(ready.status?.availableReplicas ?? 0).toBe(0);
    await waitFor(async () => (await rsClient.get('web')).status?.availableReplicas === 2, { timeoutMs: 10_000, description: 'availableReplicas 2' });
  });
});

describe('ReplicationController controller against a real apiserver', () => {
  it('creates, replaces, adopts, releases and scales like a ReplicaSet', async () => {
    const ns = await harness.createNamespace('rc-basic');
    const pods = client.resource(Pods).namespace(ns);
    await pods.create({ metadata: { name: 'orphan', labels: { app: 'legacy' } }, spec: TEMPLATE_SPEC });
    const rcClient = client.resource(ReplicationControllers).namespace(ns);
    const rc = await rcClient.create({
      metadata: { name: 'legacy' },
      spec: { replicas: 3, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { ...TEMPLATE_SPEC, restartPolicy: 'Always' } } },
    });
    const uid = rc.metadata?.uid;
    const three = await waitForOwned(ns, uid, 3, '3 pods, one of them adopted');
    expect(three.map((p) => p.metadata?.name)).toContain('orphan');
    expect(getControllerOf(three[0])).toMatchObject({ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid });

    const victim = three.find((p) => p.metadata?.name !== 'orphan')?.metadata?.name ?? '';
    await pods.delete(victim);
    await waitFor(
      async () => {
        const now = await ownedPods(ns, uid);
        return now.length === 3 && !now.some((p) => p.metadata?.name === victim);
      },
      { timeoutMs: 15_000, description: 'a replacement for the deleted pod' },
    );

    await pods.patch('orphan', MERGE_PATCH, { metadata: { labels: { app: 'moved' } } });
    await waitFor(async () => ((await pods.get('orphan')).metadata?.ownerReferences ?? []).length === 0, { timeoutMs: 15_000, description: 'orphan released' });
    await waitForOwned(ns, uid, 3, 'a replacement for the released pod');

    for (const p of await ownedPods(ns, uid)) await markReady(p);
    await rcClient.patch('legacy', MERGE_PATCH, { spec: { replicas: 1 } });
    await waitForOwned(ns, uid, 1, 'scale down to 1');
    await waitFor(
      async () => {
        const s = (await rcClient.get('legacy')).status;
        return s?.replicas === 1 && s.readyReplicas === 1 && s.availableReplicas === 1 && s.fullyLabeledReplicas === 1;
      },
      { timeoutMs: 10_000, description: 'RC status after scaling down' },
    );
  });
});
