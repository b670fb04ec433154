import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { appsv1, corev1 } from '@minik8s/api';
import { MERGE_PATCH, PersistentVolumeClaims, Pods, StatefulSets, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { statefulSetControllerFactory } from './statefulset-controller';

let harness: ControllerHarness;
let client: ApiClient;
const stopKubelet = new AbortController();
let kubelet: Promise<void> | undefined;

/** What the fake kubelet saw: first uid per pod name, recreations, and readiness times. */
const seenUid = new Map<string, string>();
const firstSeenAt = new Map<string, number>();
const readyAt = new Map<string, number>();
const recreated: string[] = [];

/** How long the fake kubelet keeps a new pod not ready, so ordering is observable. */
const READY_DELAY_MS = 300;

/**
 * Plays scheduler+kubelet: every pod (except images containing "never-ready") turns Running and
 * Ready a little after it is first seen; status.qosClass is kept.
 */
async function kubeletLoop(signal: AbortSignal): Promise<void> {
  const pods = client.resource(Pods);
  while (!signal.aborted) {
    try {
      const { items } = await pods.list();
      const now = Date.now();
      for (const pod of items) {
        const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
        const uidKey = `${key}@${pod.metadata?.uid}`;
        const prev = seenUid.get(key);
        if (prev !== pod.metadata?.uid) {
          if (prev !== undefined) recreated.push(key);
          seenUid.set(key, pod.metadata?.uid ?? '');
        }
        if (!firstSeenAt.has(uidKey)) firstSeenAt.set(uidKey, now);
        if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Running' || pod.status?.phase === 'Failed') continue;
        if ((pod.spec?.containers ?? []).some((c) => c.image?.includes('never-ready'))) continue;
        if (now - (firstSeenAt.get(uidKey) ?? now) < READY_DELAY_MS) continue;
        const stamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        await pods.namespace(pod.metadata?.namespace).updateStatus({
          ...pod,
          status: { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: stamp }] },
        });
        readyAt.set(uidKey, Date.now());
      }
    } catch {
      // Conflicts and races with the controller: try again next round.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  harness = await ControllerHarness.start({ factories: [statefulSetControllerFactory] });
  client = harness.client;
  kubelet = kubeletLoop(stopKubelet.signal);
}, 60_000);

afterAll(async () => {
  stopKubelet.abort();
  await kubelet;
  await harness?.stop();
});

function statefulSet(name: string, replicas: number, opts: { image?: string; claims?: boolean; partition?: number } = {}): appsv1.StatefulSet {
  return {
    metadata: { name },
    spec: {
      replicas,
      serviceName: 'nginx',
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: opts.image ?? 'nginx:1.27' }] } },
      volumeClaimTemplates: opts.claims
        ? [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }]
        : undefined,
      updateStrategy: opts.partition !== undefined ? { type: 'RollingUpdate', rollingUpdate: { partition: opts.partition } } : undefined,
    },
  };
}

async function livePods(ns: string): Promise<corev1.Pod[]> {
  const { items } = await client.resource(Pods).namespace(ns).list();
  return items.filter((p) => !p.metadata?.deletionTimestamp).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

const isReady = (p: corev1.Pod): boolean => p.status?.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

async function waitForReadyPods(ns: string, names: string[], description: string): Promise<corev1.Pod[]> {
  return waitFor(
    async () => {
      const pods = await livePods(ns);
      const ok = pods.length === names.length && pods.every((p, i) => p.metadata?.name === names[i] && isReady(p));
      return ok ? pods : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, description },
  );
}

async function waitForStatus(ns: string, name: string, check: (s: appsv1.StatefulSetStatus, set: appsv1.StatefulSet) => boolean, description: string): Promise<appsv1.StatefulSet> {
  return waitFor(
    async () => {
      const set = await client.resource(StatefulSets).namespace(ns).get(name);
      return set.status && set.status.observedGeneration === set.metadata?.generation && check(set.status, set) ? set : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, description },
  );
}

describe('StatefulSet controller against a real apiserver', () => {
  const ns = 'sts-basic';

  it('creates web-0, web-1, web-2 in order, each after its predecessor is Ready, with claims', async () => {
    await harness.createNamespace(ns);
    await client.resource(StatefulSets).namespace(ns).create(statefulSet('web', 3, { claims: true }));
    const pods = await waitForReadyPods(ns, ['web-0', 'web-1', 'web-2'], '3 ready pods');

    const first = (name: string): number => firstSeenAt.get(`${ns}/${name}@${seenUid.get(`${ns}/${name}`)}`) ?? 0;
    const ready = (name: string): number => readyAt.get(`${ns}/${name}@${seenUid.get(`${ns}/${name}`)}`) ?? Infinity;
    expect(first('web-1')).toBeGreaterThanOrEqual(ready('web-0'));
    expect(first('web-2')).toBeGreaterThanOrEqual(ready('web-1'));

    for (const [i, pod] of pods.entries()) {
      expect(pod.spec?.hostname).toBe(`web-${i}`);
      expect(pod.spec?.subdomain).toBe('nginx');
      expect(pod.metadata?.labels).toMatchObject({ app: 'web', 'statefulset.kubernetes.io/pod-name': `web-${i}`, 'apps.kubernetes.io/pod-index': String(i) });
      expect(pod.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe(`data-web-${i}`);
      expect(pod.status?.qosClass).toBe('BestEffort');
    }
    const claims = (await client.resource(PersistentVolumeClaims).namespace(ns).list()).items.map((c) => c.metadata?.name).sort();
    expect(claims).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);

    const set = await waitForStatus(ns, 'web', (s) => s.readyReplicas === 3 && s.currentReplicas === 3, 'status of 3 ready');
    expect(set.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, collisionCount: 0 });
    expect(set.status?.currentRevision).toBe(set.status?.updateRevision);
    for (const pod of pods) expect(pod.metadata?.labels?.['controller-revision-hash']).toBe(set.status?.updateRevision);
  });

  it('recreates a deleted web-1 with the same claim', async () => {
    const before = await client.resource(Pods).namespace(ns).get('web-1');
    const claim = await client.resource(PersistentVolumeClaims).namespace(ns).get('data-web-1');
    await client.resource(Pods).namespace(ns).delete('web-1');
    const pods = await waitFor(
      async () => {
        const now = await waitForReadyPods(ns, ['web-0', 'web-1', 'web-2'], 'web-1 back');
        return now[1].metadata?.uid !== before.metadata?.uid ? now : undefined;
      },
      { timeoutMs: 20_000, description: 'a new web-1' },
    );
    expect(pods[1].spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe('data-web-1');
    const after = await client.resource(PersistentVolumeClaims).namespace(ns).get('data-web-1');
    expect(after.metadata?.uid).toBe(claim.metadata?.uid);
  });

  it('recreates a failed pod', async () => {
    const pods = client.resource(Pods).namespace(ns);
    const before = await pods.get('web-2');
    await pods.updateStatus({ ...before, status: { ...before.status, phase: 'Failed', conditions: [{ type: 'Ready', status: 'False' }] } });
    await waitFor(
      async () => {
        const now = await pods.get('web-2');
        return now.metadata?.uid !== before.metadata?.uid && isReady(now);
      },
      { timeoutMs: 20_000, description: 'web-2 recreated after failing' },
    );
  });

  it('scales down from the highest ordinal and keeps its claim (Retain)', async () => {
    await client.resource(StatefulSets).namespace(ns).patch('web', MERGE_PATCH, { spec: { replicas: 1 } });
    const order: string[] = [];
    await waitFor(
      async () => {
        const names = (await livePods(ns)).map((p) => p.metadata?.name ?? '');
        for (const gone of ['web-2', 'web-1']) if (!names.includes(gone) && !order.includes(gone)) order.push(gone);
        return names.length === 1 && names[0] === 'web-0';
      },
      { timeoutMs: 20_000, intervalMs: 20, description: 'scaled down to web-0' },
    );
    expect(order).toEqual(['web-2', 'web-1']);
    const claims = (await client.resource(PersistentVolumeClaims).namespace(ns).list()).items.map((c) => c.metadata?.name).sort();
    expect(claims).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    await waitForStatus(ns, 'web', (s) => s.replicas === 1 && s.readyReplicas === 1, 'status of 1');
  });

  it('rolls an image change web-2, web-1, web-0, each after the previous is Ready', async () => {
    const rollNs = await harness.createNamespace('sts-roll');
    await client.resource(StatefulSets).namespace(rollNs).create(statefulSet('web', 3));
    await waitForReadyPods(rollNs, ['web-0', 'web-1', 'web-2'], '3 ready pods');
    const initial = await waitForStatus(rollNs, 'web', (s) => s.readyReplicas === 3, 'ready');
    const start = recreated.length;

    await client.resource(StatefulSets).namespace(rollNs).patch('web', MERGE_PATCH, { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } } });
    const done = await waitForStatus(
      rollNs,
      'web',
      (s) => s.updatedReplicas === 3 && s.readyReplicas === 3 && s.currentRevision === s.updateRevision && s.updateRevision !== initial.status?.updateRevision,
      'rollout complete',
    );
    const order = recreated.slice(start).filter((k) => k.startsWith(`${rollNs}/`));
    expect(order).toEqual([`${rollNs}/web-2`, `${rollNs}/web-1`, `${rollNs}/web-0`]);
    const pods = await livePods(rollNs);
    for (const pod of pods) {
      expect(pod.spec?.containers?.[0].image).toBe('nginx:1.28');
      expect(pod.metadata?.labels?.['controller-revision-hash']).toBe(done.status?.updateRevision);
    }
  });

  it('with partition 2 only updates web-2', async () => {
    const partNs = await harness.createNamespace('sts-partition');
    const sets = client.resource(StatefulSets).namespace(partNs);
    await sets.create(statefulSet('web', 3, { partition: 2 }));
    await waitForReadyPods(partNs, ['web-0', 'web-1', 'web-2'], '3 ready pods');
    const initial = await waitForStatus(partNs, 'web', (s) => s.readyReplicas === 3, 'ready');
    await sets.patch('web', MERGE_PATCH, { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } } });
    const status = await waitForStatus(partNs, 'web', (s) => s.updatedReplicas === 1 && s.readyReplicas === 3, 'web-2 updated');
    expect(status.status?.currentRevision).toBe(initial.status?.currentRevision);
    expect(status.status?.currentReplicas).toBe(2);
    // Give the controller time to (wrongly) go further.
    await new Promise((r) => setTimeout(r, 1500));
    const pods = await livePods(partNs);
    expect(pods.map((p) => p.spec?.containers?.[0].image)).toEqual(['nginx:1.27', 'nginx:1.27', 'nginx:1.28']);
  });

  it('Parallel creates all pods at once and sets claim owners for the retention policy', async () => {
    const parNs = await harness.createNamespace('sts-parallel');
    const sets = client.resource(StatefulSets).namespace(parNs);
    const spec = statefulSet('db', 2, { image: 'busybox:never-ready', claims: true });
    spec.spec = { ...spec.spec, podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } };
    const set = await sets.create(spec);
    // Neither pod ever becomes ready, yet both exist.
    await waitFor(async () => (await livePods(parNs)).length === 2, { timeoutMs: 10_000, description: 'db-0 and db-1' });
    const claims = client.resource(PersistentVolumeClaims).namespace(parNs);
    const kept = await waitFor(async () => (await claims.get('data-db-0')).metadata?.ownerReferences?.find((r) => r.uid === set.metadata?.uid), {
      timeoutMs: 10_000,
      description: 'claim owned by the set',
    });
    expect(kept).toMatchObject({ kind: 'StatefulSet', name: 'db' });

    const db1 = await client.resource(Pods).namespace(parNs).get('db-1');
    await sets.patch('db', MERGE_PATCH, { spec: { replicas: 1 } });
    await waitFor(async () => (await livePods(parNs)).length === 1, { timeoutMs: 10_000, description: 'db-1 deleted' });
    const scaled = await claims.get('data-db-1');
    expect(scaled.metadata?.ownerReferences?.map((r) => r.kind).sort()).toEqual(['Pod', 'StatefulSet']);
    expect(scaled.metadata?.ownerReferences?.find((r) => r.kind === 'Pod')?.uid).toBe(db1.metadata?.uid);
  });

  it('waits on a never-ready pod in OrderedReady mode', async () => {
    const stuckNs = await harness.createNamespace('sts-stuck');
    await client.resource(StatefulSets).namespace(stuckNs).create(statefulSet('web', 2, { image: 'busybox:never-ready' }));
    await waitFor(async () => (await livePods(stuckNs)).length === 1, { timeoutMs: 10_000, description: 'web-0 created' });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await livePods(stuckNs)).map((p) => p.metadata?.name)).toEqual(['web-0']);
  });
});
