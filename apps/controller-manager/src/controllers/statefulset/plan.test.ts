import { describe, expect, it } from 'vitest';
import type { appsv1, corev1 } from '@minik8s/api';
import { applyRevision, newRevision, revisionMatches, revisionsToPrune } from './history';
import { countPods, computeStatus, planStatefulSet, type Action } from './plan';
import {
  claimName,
  claimOwnersFor,
  CONTROLLER_REVISION_HASH_LABEL,
  getOrdinal,
  identityMatches,
  maxUnavailable,
  newStatefulSetPod,
  newVersionedPod,
  parentNameAndOrdinal,
  persistentVolumeClaims,
  storageMatches,
  wantedClaimOwners,
} from './stateful-pod';

function statefulSet(overrides: appsv1.StatefulSetSpec = {}): appsv1.StatefulSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 1 },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      ...overrides,
    },
  };
}

/** A pod as the cache would hold it, with a phase, a uid, readiness and a revision. */
function pod(set: appsv1.StatefulSet, ordinal: number, opts: { ready?: boolean; revision?: string; phase?: string; deleting?: boolean } = {}): corev1.Pod {
  const p = newStatefulSetPod(set, ordinal);
  p.metadata = { ...p.metadata, uid: `pod-${ordinal}`, labels: { ...p.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: opts.revision ?? 'rev-1' } };
  if (opts.deleting) p.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  const ready = opts.ready ?? true;
  p.status = {
    phase: opts.phase ?? (ready ? 'Running' : 'Pending'),
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  };
  return p;
}

function claimsFor(set: appsv1.StatefulSet, ordinals: number[]): Map<string, corev1.PersistentVolumeClaim> {
  const claims = new Map<string, corev1.PersistentVolumeClaim>();
  for (const o of ordinals) for (const c of persistentVolumeClaims(set, o).values()) claims.set(c.metadata?.name ?? '', c);
  return claims;
}

function plan(set: appsv1.StatefulSet, pods: corev1.Pod[], opts: { update?: string; current?: string; claims?: number[] } = {}): Action[] {
  return planStatefulSet({
    set,
    currentSet: set,
    currentRevision: opts.current ?? 'rev-1',
    updateRevision: opts.update ?? 'rev-1',
    pods,
    claims: claimsFor(set, opts.claims ?? pods.map(getOrdinal)),
    nowMs: Date.now(),
  }).actions;
}

const summary = (actions: Action[]): string[] => actions.map((a) => `${a.type} ${a.pod.metadata?.name}`);

describe('ordinal identity', () => {
  it('parses names and builds pods with hostname, subdomain, labels and claim volumes', () => {
    expect(parentNameAndOrdinal({ metadata: { name: 'my-web-12' } })).toEqual({ parent: 'my-web', ordinal: 12 });
    expect(parentNameAndOrdinal({ metadata: { name: 'web' } }).ordinal).toBe(-1);
    const set = statefulSet({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [], volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', emptyDir: {} }] } } });
    const p = newStatefulSetPod(set, 2);
    expect(p.metadata?.name).toBe('web-2');
    expect(p.spec?.hostname).toBe('web-2');
    expect(p.spec?.subdomain).toBe('nginx');
    expect(p.metadata?.labels).toMatchObject({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2' });
    expect(p.spec?.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-2' } }, { name: 'cfg', emptyDir: {} }]);
    expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true });
    expect(identityMatches(set, p)).toBe(true);
    expect(storageMatches(set, p)).toBe(true);
    expect(identityMatches(set, { ...p, metadata: { ...p.metadata, labels: {} } })).toBe(false);
    expect(storageMatches(set, { ...p, spec: { ...p.spec, volumes: [] } })).toBe(false);
  });

  it('names claims <template>-<set>-<ordinal> with the selector labels', () => {
    const set = statefulSet();
    expect(claimName(set.spec!.volumeClaimTemplates![0], set, 4)).toBe('data-web-4');
    const claim = persistentVolumeClaims(set, 1).get('data');
    expect(claim?.metadata).toMatchObject({ name: 'data-web-1', namespace: 'ns', labels: { app: 'web' } });
    expect(claim?.spec?.resources?.requests).toEqual({ storage: '1Gi' });
  });

  it('versions new pods below the partition with the current revision', () => {
    const set = statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
    expect(newVersionedPod(set, set, 'old', 'new', 1).metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe('old');
    expect(newVersionedPod(set, set, 'old', 'new', 2).metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe('new');
  });

  it('resolves maxUnavailable (default 1, percentages rounded down, at least 1)', () => {
    expect(maxUnavailable(statefulSet())).toBe(1);
    expect(maxUnavailable(statefulSet({ replicas: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 1, strVal: '25%' } } } }))).toBe(2);
    expect(maxUnavailable(statefulSet({ replicas: 2, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 1, strVal: '10%' } } } }))).toBe(1);
    expect(maxUnavailable(statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 3 } } } }))).toBe(3);
  });
});

describe('planStatefulSet, OrderedReady', () => {
  const set = statefulSet();

  it('creates web-0 first, then waits for it to be ready before web-1', () => {
    expect(summary(plan(set, []))).toEqual(['create web-0']);
    expect(summary(plan(set, [pod(set, 0, { ready: false })]))).toEqual([]);
    expect(summary(plan(set, [pod(set, 0)]))).toEqual(['create web-1']);
    expect(summary(plan(set, [pod(set, 0), pod(set, 1)]))).toEqual(['create web-2']);
    expect(summary(plan(set, [pod(set, 0), pod(set, 1), pod(set, 2)]))).toEqual([]);
  });

  it('honours ordinals.start', () => {
    const shifted = statefulSet({ ordinals: { start: 5 } });
    expect(summary(plan(shifted, []))).toEqual(['create web-5']);
    expect(summary(plan(shifted, [pod(shifted, 5), pod(shifted, 6), pod(shifted, 7), pod(shifted, 2)]))).toEqual(['delete web-2']);
  });

  it('recreates a missing middle pod before anything else', () => {
    expect(summary(plan(set, [pod(set, 0), pod(set, 2)]))).toEqual(['create web-1']);
  });

  it('deletes a failed pod and waits for it to be gone', () => {
    expect(summary(plan(set, [pod(set, 0), pod(set, 1, { phase: 'Failed', ready: false }), pod(set, 2)]))).toEqual(['delete web-1']);
    expect(summary(plan(set, [pod(set, 0), pod(set, 1, { phase: 'Failed', ready: false, deleting: true }), pod(set, 2)]))).toEqual([]);
  });

  it('scales down highest ordinal first, one at a time, waiting for termination', () => {
    const one = statefulSet({ replicas: 1 });
    const pods = [pod(one, 0), pod(one, 1), pod(one, 2)];
    expect(summary(plan(one, pods))).toEqual(['delete web-2']);
    expect(summary(plan(one, [pod(one, 0), pod(one, 1), pod(one, 2, { deleting: true })]))).toEqual([]);
    expect(summary(plan(one, [pod(one, 0), pod(one, 1)]))).toEqual(['delete web-1']);
  });

  it('does not scale down while a kept pod is unhealthy', () => {
    const one = statefulSet({ replicas: 1 });
    expect(summary(plan(one, [pod(one, 0, { ready: false }), pod(one, 1)]))).toEqual([]);
  });

  it('rolls the highest ordinal first and waits for the updated pod to be ready', () => {
    const pods = [pod(set, 0), pod(set, 1), pod(set, 2)];
    expect(summary(plan(set, pods, { update: 'rev-2' }))).toEqual(['delete web-2']);
    // web-2 gone: recreated at the update revision.
    const created = plan(set, [pod(set, 0), pod(set, 1)], { update: 'rev-2' });
    expect(summary(created)).toEqual(['create web-2']);
    expect(created[0].pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe('rev-2');
    expect(summary(plan(set, [pod(set, 0), pod(set, 1), pod(set, 2, { revision: 'rev-2', ready: false })], { update: 'rev-2' }))).toEqual([]);
    expect(summary(plan(set, [pod(set, 0), pod(set, 1), pod(set, 2, { revision: 'rev-2' })], { update: 'rev-2' }))).toEqual(['delete web-1']);
  });

  it('stops at the partition', () => {
    const partitioned = statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
    expect(summary(plan(partitioned, [pod(set, 0), pod(set, 1), pod(set, 2, { revision: 'rev-2' })], { update: 'rev-2' }))).toEqual([]);
    expect(summary(plan(partitioned, [pod(set, 0), pod(set, 1), pod(set, 2)], { update: 'rev-2' }))).toEqual(['delete web-2']);
  });

  it('never deletes for an update with OnDelete', () => {
    const onDelete = statefulSet({ updateStrategy: { type: 'OnDelete' } });
    expect(summary(plan(onDelete, [pod(set, 0), pod(set, 1), pod(set, 2)], { update: 'rev-2' }))).toEqual([]);
  });

  it('creates missing claims of a pending pod and repairs a pod without its identity label', () => {
    const pending = pod(set, 0, { ready: false });
    expect(summary(plan(set, [pending], { claims: [] }))).toEqual(['createClaims web-0']);
    const unlabelled = pod(set, 0);
    unlabelled.metadata = { ...unlabelled.metadata, labels: { app: 'web', [CONTROLLER_REVISION_HASH_LABEL]: 'rev-1' } };
    expect(summary(plan(statefulSet({ replicas: 1 }), [unlabelled]))).toEqual(['repair web-0']);
  });
});

describe('planStatefulSet, Parallel', () => {
  const set = statefulSet({ podManagementPolicy: 'Parallel' });

  it('creates every missing pod at once and does not wait for readiness', () => {
    expect(summary(plan(set, []))).toEqual(['create web-0', 'create web-1', 'create web-2']);
    expect(summary(plan(set, [pod(set, 0, { ready: false })]))).toEqual(['create web-1', 'create web-2']);
  });

  it('deletes every condemned pod at once', () => {
    const one = statefulSet({ podManagementPolicy: 'Parallel', replicas: 1 });
    expect(summary(plan(one, [pod(one, 0), pod(one, 1, { ready: false }), pod(one, 2)]))).toEqual(['delete web-2', 'delete web-1']);
  });

  it('rolls up to maxUnavailable pods at once', () => {
    const two = statefulSet({ podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: { type: 0, intVal: 2 } } } });
    expect(summary(plan(two, [pod(two, 0), pod(two, 1), pod(two, 2)], { update: 'rev-2' }))).toEqual(['delete web-2', 'delete web-1']);
  });
});

describe('claim retention', () => {
  it.each([
    ['Retain', 'Retain', 1, { set: false, pod: false }],
    ['Retain', 'Retain', 5, { set: false, pod: false }],
    ['Delete', 'Retain', 1, { set: true, pod: false }],
    ['Delete', 'Retain', 5, { set: false, pod: false }],
    ['Retain', 'Delete', 1, { set: false, pod: false }],
    ['Retain', 'Delete', 5, { set: false, pod: true }],
    ['Delete', 'Delete', 5, { set: true, pod: true }],
  ] as const)('whenDeleted %s, whenScaled %s, ordinal %d', (whenDeleted, whenScaled, ordinal, want) => {
    const set = statefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
    expect(wantedClaimOwners(set, ordinal)).toEqual(want);
  });

  it('adds the pod as owner of a condemned pod claim (whenScaled Delete) and keeps other owners', () => {
    const set = statefulSet({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    const p = pod(set, 2);
    const claim: corev1.PersistentVolumeClaim = { metadata: { name: 'data-web-2', ownerReferences: [{ kind: 'Other', uid: 'x', name: 'o', apiVersion: 'v1' }] } };
    expect(claimOwnersFor(set, p, claim)).toEqual([
      { kind: 'Other', uid: 'x', name: 'o', apiVersion: 'v1' },
      { apiVersion: 'v1', kind: 'Pod', name: 'web-2', uid: 'pod-2' },
    ]);
    expect(summary(plan(set, [pod(set, 0), p]))).toEqual(['claimOwners web-2', 'delete web-2']);
  });
});

describe('status and history', () => {
  it('counts pods and completes a rolling update once all are updated and ready', () => {
    const set = statefulSet();
    const pods = [pod(set, 0, { revision: 'b' }), pod(set, 1, { revision: 'b' }), pod(set, 2, { revision: 'b', ready: false })];
    const counts = countPods(pods, 'a', 'b', 0, Date.now());
    expect(counts).toEqual({ replicas: 3, readyReplicas: 2, availableReplicas: 2, currentReplicas: 0, updatedReplicas: 3 });
    expect(computeStatus(set, counts, 'a', 'b', 0)).toMatchObject({ currentRevision: 'a', updateRevision: 'b', observedGeneration: 1 });
    const done = countPods([pods[0], pods[1], pod(set, 2, { revision: 'b' })], 'a', 'b', 0, Date.now());
    expect(computeStatus(set, done, 'a', 'b', 0)).toMatchObject({ currentRevision: 'b', currentReplicas: 3, updatedReplicas: 3 });
  });

  it('records templates as revisions that apply back', () => {
    const set = statefulSet();
    const rev = newRevision(set, 1, 0);
    expect(rev.metadata?.name).toMatch(/^web-[a-z0-9]+$/);
    expect(revisionMatches(set, rev)).toBe(true);
    const changed = statefulSet({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } });
    expect(revisionMatches(changed, rev)).toBe(false);
    expect(newRevision(changed, 2, 0).metadata?.name).not.toBe(rev.metadata?.name);
    expect(newRevision(set, 1, 1).metadata?.name).not.toBe(rev.metadata?.name);
    expect(applyRevision(changed, rev).spec?.template?.spec?.containers?.[0].image).toBe('nginx:1');
  });

  it('prunes the oldest unused revisions beyond the limit', () => {
    const revs = [1, 2, 3, 4].map((n) => ({ metadata: { name: `r${n}` }, revision: n }));
    expect(revisionsToPrune(revs, new Set(['r4', 'r1']), 1).map((r) => r.metadata?.name)).toEqual(['r2']);
  });
});
