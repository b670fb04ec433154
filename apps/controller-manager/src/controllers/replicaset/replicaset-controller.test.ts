import { describe, expect, it, vi } from 'vitest';
import { StatusError, type ApiObject, type appsv1, type corev1, type OwnerReference } from '@minik8s/api';
import { keyOf, WorkQueue, type Clock } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import type { PodControl } from '../../shared/pod-control';
import { podFromTemplate } from '../../shared/pod-control';
import { FakeLister } from '../../test-support/fake-lister';
import { ReplicaController, slowStartBatch, type OwnerClient } from './replicaset-controller';
import { replicaSetKind, replicationControllerKind, type ReplicatedKind, type ReplicatedObject } from './replicated-kind';

// ---- a seeded fake world: caches, PodControl, the owner's API, a fixed clock ----

const NOW = Date.parse('2024-05-01T12:00:00Z');
const NS = 'default';

function iso(msAgo: number): string {
  return new Date(NOW - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Create {
  namespace: string;
  template: corev1.PodTemplateSpec;
  ref: OwnerReference;
  pod: corev1.Pod;
}

/** Records what the controller asked for; `failCreate` decides which creates fail (1-based). */
class FakePodControl implements PodControl {
  creates: Create[] = [];
  deletes: string[] = [];
  patches: { name: string; patch: unknown }[] = [];
  createCalls = 0;
  failCreate: (call: number) => Error | undefined = () => undefined;
  failPatch: (name: string) => Error | undefined = () => undefined;

  async createPod(namespace: string, template: corev1.PodTemplateSpec, owner: ApiObject, ref: OwnerReference): Promise<corev1.Pod> {
    const call = ++this.createCalls;
    const err = this.failCreate(call);
    if (err) throw err;
    const pod = podFromTemplate(template, namespace, ref, `${owner.metadata?.name}-`);
    pod.metadata = { ...pod.metadata, name: `${owner.metadata?.name}-created-${call}`, uid: `created-${call}` };
    this.creates.push({ namespace, template, ref, pod });
    return pod;
  }
  async deletePod(_namespace: string, name: string): Promise<void> {
    this.deletes.push(name);
  }
  async patchPod(_namespace: string, name: string, patch: unknown): Promise<void> {
    const err = this.failPatch(name);
    if (err) throw err;
    this.patches.push({ name, patch });
  }
}

class FakeOwnerClient<T extends ReplicatedObject> implements OwnerClient<T> {
  statusWrites: T[] = [];
  gets = 0;
  conflicts = 0;
  constructor(private readonly fresh: () => T | undefined) {}
  async get(namespace: string, name: string): Promise<T> {
    this.gets++;
    const obj = this.fresh();
    if (!obj) throw new StatusError('NotFound', `"${namespace}/${name}" not found`);
    return obj;
  }
  async updateStatus(obj: T): Promise<T> {
    if (this.conflicts > 0) {
      this.conflicts--;
      throw new StatusError('Conflict', 'the object has been modified');
    }
    this.statusWrites.push(obj);
    return obj;
  }
  get lastStatus(): T['status'] {
    return this.statusWrites.at(-1)?.status;
  }
}

const clock: Clock = { now: () => NOW, sleep: async () => undefined };

interface World<T extends ReplicatedObject> {
  controller: ReplicaController<T>;
  owners: FakeLister<T>;
  pods: FakeLister<corev1.Pod>;
  podControl: FakePodControl;
  ownerClient: FakeOwnerClient<T>;
  queue: WorkQueue<string>;
}

function world<T extends ReplicatedObject>(kind: ReplicatedKind<T>, owners: T[], pods: corev1.Pod[] = [], fresh?: () => T | undefined): World<T> {
  const ownerLister = new FakeLister<T>(owners);
  const podLister = new FakeLister<corev1.Pod>(pods);
  const podControl = new FakePodControl();
  const ownerClient = new FakeOwnerClient<T>(fresh ?? (() => ownerLister.list()[0]));
  const queue = new WorkQueue<string>();
  const controller = new ReplicaController<T>({
    name: 'test',
    kind,
    owners: ownerLister,
    pods: podLister,
    podControl,
    ownerClient,
    logger: silentLogger(),
    clock,
    queue,
  });
  return { controller, owners: ownerLister, pods: podLister, podControl, ownerClient, queue };
}

// ---- fixtures ----

const LABELS = { app: 'web' };

function rs(replicas: number, extra: { name?: string; uid?: string; minReadySeconds?: number; deleting?: boolean; generation?: number; status?: appsv1.ReplicaSetStatus; owner?: OwnerReference } = {}): appsv1.ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: extra.name ?? 'web',
      namespace: NS,
      uid: extra.uid ?? 'rs-uid',
      generation: extra.generation ?? 1,
      resourceVersion: '10',
      deletionTimestamp: extra.deleting ? iso(0) : undefined,
      ownerReferences: extra.owner ? [extra.owner] : undefined,
    },
    spec: {
      replicas,
      minReadySeconds: extra.minReadySeconds,
      selector: { matchLabels: LABELS },
      template: { metadata: { labels: { ...LABELS, tier: 'front' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
    status: extra.status ?? {},
  };
}

function ownedBy(owner: ReplicatedObject, kind = 'ReplicaSet', apiVersion = 'apps/v1'): OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name, uid: owner.metadata?.uid, controller: true, blockOwnerDeletion: true };
}

interface PodSpec {
  labels?: Record<string, string>;
  owner?: OwnerReference | null;
  node?: string;
  phase?: string;
  /** Ready since this many ms before NOW. */
  readyFor?: number;
  restarts?: number;
  /** Created this many ms before NOW. */
  age?: number;
  deleting?: boolean;
  cost?: number;
  rv?: string;
}

const OWNER = rs(3);

function pod(name: string, spec: PodSpec = {}): corev1.Pod {
  const owner = spec.owner === undefined ? ownedBy(OWNER) : spec.owner;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      resourceVersion: spec.rv ?? '5',
      labels: spec.labels ?? { ...LABELS, tier: 'front' },
      creationTimestamp: iso(spec.age ?? 3_600_000),
      deletionTimestamp: spec.deleting ? iso(0) : undefined,
      ownerReferences: owner ? [owner] : undefined,
      annotations: spec.cost !== undefined ? { 'controller.kubernetes.io/pod-deletion-cost': String(spec.cost) } : undefined,
    },
    spec: { nodeName: spec.node ?? 'node-1', containers: [{ name: 'c', image: 'nginx' }] },
    status: {
      phase: spec.phase ?? 'Running',
      conditions: spec.readyFor !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: iso(spec.readyFor) }] : [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'c', restartCount: spec.restarts ?? 0 }],
    },
  };
}

// ---- tests ----

describe('sync: creating and deleting to match replicas', () => {
  it.each<{ name: string; replicas: number; pods: corev1.Pod[]; creates: number; deletes: string[]; statusReplicas: number }>([
    { name: 'creates every replica of a new ReplicaSet', replicas: 3, pods: [], creates: 3, deletes: [], statusReplicas: 0 },
    { name: 'creates the missing ones', replicas: 3, pods: [pod('a')], creates: 2, deletes: [], statusReplicas: 1 },
    { name: 'does nothing when the count is right', replicas: 2, pods: [pod('a'), pod('b')], creates: 0, deletes: [], statusReplicas: 2 },
    { name: 'deletes all of them at 0', replicas: 0, pods: [pod('a'), pod('b')], creates: 0, deletes: ['a', 'b'], statusReplicas: 2 },
    {
      name: 'ignores terminating, Succeeded and Failed pods',
      replicas: 2,
      pods: [pod('a'), pod('gone', { deleting: true }), pod('done', { phase: 'Succeeded' }), pod('dead', { phase: 'Failed' })],
      creates: 1,
      deletes: [],
      statusReplicas: 1,
    },
    {
      name: 'ignores pods another controller owns, even if they match',
      replicas: 1,
      pods: [pod('theirs', { owner: { ...ownedBy(OWNER), uid: 'other-uid', name: 'other' } })],
      creates: 1,
      deletes: [],
      statusReplicas: 0,
    },
    {
      name: 'ignores pods in other namespaces',
      replicas: 1,
      pods: [{ ...pod('elsewhere'), metadata: { ...pod('elsewhere').metadata, namespace: 'other' } }],
      creates: 1,
      deletes: [],
      statusReplicas: 0,
    },
  ])('$name', async ({ replicas, pods, creates, deletes, statusReplicas }) => {
    const w = world(replicaSetKind, [rs(replicas)], pods);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.creates).toHaveLength(creates);
    expect(w.podControl.deletes.sort()).toEqual(deletes);
    expect(w.ownerClient.lastStatus?.replicas ?? 0).toBe(statusReplicas);
  });

  it('creates pods from the template with a controllerRef to the owner', async () => {
    const w = world(replicaSetKind, [rs(1)]);
    await w.controller.sync(`${NS}/web`);
    const [create] = w.podControl.creates;
    expect(create.namespace).toBe(NS);
    expect(create.template.metadata?.labels).toEqual({ app: 'web', tier: 'front' });
    expect(create.ref).toEqual({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true });
  });

  it('treats a key whose owner is gone as done', async () => {
    const w = world(replicaSetKind, []);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.creates).toHaveLength(0);
    expect(w.ownerClient.statusWrites).toHaveLength(0);
  });

  it('creates nothing for an owner being deleted, but still writes its status', async () => {
    const w = world(replicaSetKind, [rs(3, { deleting: true })], [pod('a')]);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.creates).toHaveLength(0);
    expect(w.ownerClient.lastStatus?.replicas).toBe(1);
  });

  it('creates at most burstReplicas per sync', async () => {
    const w = world(replicaSetKind, [rs(10)]);
    const controller = new ReplicaController({
      name: 'test',
      kind: replicaSetKind,
      owners: w.owners,
      pods: w.pods,
      podControl: w.podControl,
      ownerClient: w.ownerClient,
      logger: silentLogger(),
      clock,
      burstReplicas: 4,
    });
    await controller.sync(`${NS}/web`);
    expect(w.podControl.creates).toHaveLength(4);
  });
});

describe('sync: expectations', () => {
  it('does not create a second round before the cache has seen the first', async () => {
    const w = world(replicaSetKind, [rs(3)]);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.creates).toHaveLength(3);
    // The cache has not caught up: another sync must not double the pods.
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.creates).toHaveLength(3);
    // The informer sees two of them: still waiting for the third.
    const handlers = w.controller.podHandlers();
    for (const c of w.podControl.creates.slice(0, 2)) {
      w.pods.set(c.pod);
      handlers.onAdd?.(c.pod);
    }
    expect(w.controller.expectations.satisfied(`${NS}/web`)).toBe(false);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.creates).toHaveLength(3);
    // All seen: in sync, nothing more to do.
    const last = w.podControl.creates[2].pod;
    w.pods.set(last);
    handlers.onAdd?.(last);
    expect(w.controller.expectations.satisfied(`${NS}/web`)).toBe(true);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.creates).toHaveLength(3);
    expect(w.ownerClient.lastStatus?.replicas).toBe(3);
  });

  it('does not delete again before the cache has seen the deletions', async () => {
    const w = world(replicaSetKind, [rs(1)], [pod('a', { age: 1000 }), pod('b', { age: 2_000_000 }), pod('c', { age: 8_000_000_000 })]);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.deletes.sort()).toEqual(['a', 'b']);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.deletes).toHaveLength(2);
    // A graceful delete starts (deletionTimestamp set): that counts as observed.
    const handlers = w.controller.podHandlers();
    const a = pod('a', { age: 1000 });
    const aTerminating = pod('a', { age: 1000, deleting: true, rv: '6' });
    w.pods.set(aTerminating);
    handlers.onUpdate?.(a, aTerminating);
    const b = pod('b', { age: 2_000_000 });
    w.pods.indexer.delete(keyOf(b));
    handlers.onDelete?.(b);
    expect(w.controller.expectations.satisfied(`${NS}/web`)).toBe(true);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.deletes).toHaveLength(2);
  });

  it('forgets expectations for creates that failed or were never attempted', async () => {
    const w = world(replicaSetKind, [rs(5)]);
    w.podControl.failCreate = (call) => (call === 2 ? new StatusError('Forbidden', 'exceeded quota') : undefined);
    await expect(w.controller.sync(`${NS}/web`)).rejects.toThrow('exceeded quota');
    // Batches of 1, then 2 (one fails): 2 created, 3 will never be seen.
    expect(w.podControl.createCalls).toBe(3);
    expect(w.podControl.creates).toHaveLength(2);
    expect(w.controller.expectations.satisfied(`${NS}/web`)).toBe(false);
    const handlers = w.controller.podHandlers();
    for (const c of w.podControl.creates) {
      w.pods.set(c.pod);
      handlers.onAdd?.(c.pod);
    }
    expect(w.controller.expectations.satisfied(`${NS}/web`)).toBe(true);
  });

  it('clears expectations when the owner is deleted', async () => {
    const w = world(replicaSetKind, [rs(2)]);
    await w.controller.sync(`${NS}/web`);
    expect(w.controller.expectations.satisfied(`${NS}/web`)).toBe(false);
    w.controller.ownerHandlers().onDelete?.(rs(2));
    expect(w.controller.expectations.satisfied(`${NS}/web`)).toBe(true);
  });
});

describe('sync: slow start and ReplicaFailure', () => {
  it.each<{ name: string; replicas: number; failAt?: number; calls: number; created: number }>([
    { name: 'all succeed: batches 1, 2, 4, 3', replicas: 10, calls: 10, created: 10 },
    { name: 'the first fails: one call only', replicas: 10, failAt: 1, calls: 1, created: 0 },
    { name: 'a failure in the batch of 4 stops the rest', replicas: 10, failAt: 5, calls: 7, created: 6 },
  ])('$name', async ({ replicas, failAt, calls, created }) => {
    const w = world(replicaSetKind, [rs(replicas)]);
    w.podControl.failCreate = (call) => (call === failAt ? new StatusError('Forbidden', 'pods "web-x" is forbidden: exceeded quota') : undefined);
    const result = w.controller.sync(`${NS}/web`);
    if (failAt) await expect(result).rejects.toThrow('exceeded quota');
    else await result;
    expect(w.podControl.createCalls).toBe(calls);
    expect(w.podControl.creates).toHaveLength(created);
  });

  it('sets ReplicaFailure (FailedCreate) when creates fail and removes it when they succeed', async () => {
    const w = world(replicaSetKind, [rs(2)]);
    w.podControl.failCreate = () => new StatusError('Forbidden', 'exceeded quota');
    await expect(w.controller.sync(`${NS}/web`)).rejects.toThrow('exceeded quota');
    const failed = w.ownerClient.lastStatus;
    expect(failed?.conditions).toEqual([
      { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota', lastTransitionTime: iso(0) },
    ]);

    // The status write reaches the cache; the quota is raised.
    w.owners.set(rs(2, { status: failed }));
    w.podControl.failCreate = () => undefined;
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.creates).toHaveLength(2);
    expect(w.ownerClient.lastStatus?.conditions).toBeUndefined();
  });

  it('ignores creates refused because the namespace is terminating', async () => {
    const w = world(replicaSetKind, [rs(2)]);
    w.podControl.failCreate = () => new StatusError('Forbidden', 'unable to create new content in namespace default because it is being terminated');
    await w.controller.sync(`${NS}/web`);
    expect(w.ownerClient.lastStatus?.conditions).toBeUndefined();
  });

  it('slowStartBatch counts successes and stops after a failing batch', async () => {
    let n = 0;
    const result = await slowStartBatch(20, 1, async () => {
      if (++n > 3) throw new Error('nope');
    });
    expect(result.successes).toBe(3);
    expect(result.error?.message).toBe('nope');
    expect(n).toBe(7);
  });
});

describe('sync: adoption and release', () => {
  const orphan = (name: string, spec: PodSpec = {}): corev1.Pod => pod(name, { ...spec, owner: null });

  it.each<{ name: string; pods: corev1.Pod[]; patched: Record<string, unknown>; creates: number }>([
    {
      name: 'adopts a matching orphan and counts it',
      pods: [pod('a'), pod('b'), orphan('stray')],
      patched: {
        stray: { metadata: { uid: 'uid-stray', resourceVersion: '5', ownerReferences: [ownedBy(OWNER)] } },
      },
      creates: 0,
    },
    {
      name: 'keeps other (non-controller) owner references when adopting',
      pods: [pod('a'), pod('b'), pod('stray', { owner: { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'cm-uid' } })],
      patched: {
        stray: {
          metadata: { uid: 'uid-stray', resourceVersion: '5', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'cm-uid' }, ownedBy(OWNER)] },
        },
      },
      creates: 0,
    },
    { name: 'does not adopt an orphan that does not match', pods: [pod('a'), pod('b'), orphan('other', { labels: { app: 'db' } })], patched: {}, creates: 1 },
    { name: 'does not adopt a terminating orphan', pods: [pod('a'), pod('b'), orphan('dying', { deleting: true })], patched: {}, creates: 1 },
    {
      name: 'releases an owned pod relabelled out of the selector and replaces it',
      pods: [pod('a'), pod('b'), pod('moved', { labels: { app: 'debug' } })],
      patched: { moved: { metadata: { uid: 'uid-moved', resourceVersion: '5', ownerReferences: null } } },
      creates: 1,
    },
  ])('$name', async ({ pods, patched, creates }) => {
    const w = world(replicaSetKind, [rs(3)], pods);
    await w.controller.sync(`${NS}/web`);
    expect(Object.fromEntries(w.podControl.patches.map((p) => [p.name, p.patch]))).toEqual(patched);
    expect(w.podControl.creates).toHaveLength(creates);
  });

  it('neither adopts nor releases while the owner is being deleted', async () => {
    const w = world(replicaSetKind, [rs(3, { deleting: true })], [orphan('stray'), pod('moved', { labels: { app: 'debug' } })]);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.patches).toEqual([]);
  });

  it('does not adopt when a fresh read shows the owner being deleted', async () => {
    const w = world(replicaSetKind, [rs(3)], [orphan('stray'), orphan('stray2')], () => rs(3, { deleting: true }));
    await expect(w.controller.sync(`${NS}/web`)).rejects.toThrow(/has just been deleted/);
    expect(w.podControl.patches).toEqual([]);
    expect(w.podControl.creates).toHaveLength(0);
    // One fresh read for the whole sync.
    expect(w.ownerClient.gets).toBe(1);
  });

  it('does not adopt for an owner re-created under the same name', async () => {
    const w = world(replicaSetKind, [rs(1)], [orphan('stray')], () => rs(1, { uid: 'new-uid' }));
    await expect(w.controller.sync(`${NS}/web`)).rejects.toThrow(/is gone/);
    expect(w.podControl.patches).toEqual([]);
  });

  it('ignores a pod that vanished while being adopted', async () => {
    const w = world(replicaSetKind, [rs(1)], [orphan('stray')]);
    w.podControl.failPatch = () => new StatusError('NotFound', 'pods "stray" not found');
    await w.controller.sync(`${NS}/web`);
    // Not adopted, so one pod is still missing.
    expect(w.podControl.creates).toHaveLength(1);
  });

  it('fails the sync (before creating anything) when a patch conflicts', async () => {
    const w = world(replicaSetKind, [rs(2)], [orphan('stray')]);
    w.podControl.failPatch = () => new StatusError('Conflict', 'the object has been modified');
    await expect(w.controller.sync(`${NS}/web`)).rejects.toThrow('the object has been modified');
    expect(w.podControl.creates).toHaveLength(0);
  });
});

describe('sync: which pods are deleted first', () => {
  it.each<{ name: string; pods: corev1.Pod[]; replicas: number; deleted: string[] }>([
    { name: 'unscheduled before scheduled', replicas: 1, pods: [pod('scheduled', { phase: 'Pending' }), pod('unscheduled', { node: '', phase: 'Pending' })], deleted: ['unscheduled'] },
    { name: 'Pending before Unknown before Running', replicas: 1, pods: [pod('running'), pod('unknown', { phase: 'Unknown' }), pod('pending', { phase: 'Pending' })], deleted: ['pending', 'unknown'] },
    { name: 'not ready before ready', replicas: 1, pods: [pod('ready', { readyFor: 60_000 }), pod('not-ready')], deleted: ['not-ready'] },
    { name: 'lower pod-deletion-cost first', replicas: 1, pods: [pod('cheap', { readyFor: 60_000, cost: -5 }), pod('dear', { readyFor: 60_000, cost: 10 })], deleted: ['cheap'] },
    {
      name: 'ready more recently first',
      replicas: 1,
      pods: [pod('ready-long', { readyFor: 3_600_000 }), pod('ready-just-now', { readyFor: 1_000 })],
      deleted: ['ready-just-now'],
    },
    { name: 'more restarts first', replicas: 1, pods: [pod('stable', { restarts: 0 }), pod('flaky', { restarts: 7 })], deleted: ['flaky'] },
    { name: 'newer before older', replicas: 1, pods: [pod('old', { age: 86_400_000 }), pod('new', { age: 10_000 })], deleted: ['new'] },
    {
      name: 'unscheduled beats every other rule',
      replicas: 2,
      pods: [pod('flaky-new', { restarts: 9, age: 1000 }), pod('old-unscheduled', { node: '', phase: 'Running', readyFor: 10_000_000, age: 999_999_999 }), pod('ok')],
      deleted: ['old-unscheduled'],
    },
  ])('$name', async ({ pods, replicas, deleted }) => {
    const w = world(replicaSetKind, [rs(replicas)], pods);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.deletes.sort()).toEqual([...deleted].sort());
  });

  it('prefers pods doubled up on a node with pods of sibling ReplicaSets of one owner', async () => {
    const deployment: OwnerReference = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'deploy-uid', controller: true };
    const mine = rs(1, { owner: deployment });
    const sibling = rs(1, { name: 'web-old', uid: 'old-uid', owner: deployment });
    sibling.spec = { ...sibling.spec, selector: { matchLabels: { app: 'web', gen: 'old' } } };
    const siblingPod = pod('sibling-pod', { labels: { app: 'web', gen: 'old' }, owner: ownedBy(sibling), node: 'crowded' });
    const w = world(replicaSetKind, [mine, sibling], [pod('alone', { node: 'quiet' }), pod('crowded', { node: 'crowded' }), siblingPod]);
    await w.controller.sync(`${NS}/web`);
    expect(w.podControl.deletes).toEqual(['crowded']);
  });
});

describe('sync: status', () => {
  it.each<{ name: string; owner: appsv1.ReplicaSet; pods: corev1.Pod[]; status: Record<string, number> }>([
    {
      name: 'counts ready, available and fully labeled pods',
      owner: rs(3, { generation: 4 }),
      pods: [pod('ready', { readyFor: 1000 }), pod('not-ready'), pod('partial', { labels: { app: 'web' }, readyFor: 1000 })],
      status: { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 4 },
    },
    {
      name: 'available only after minReadySeconds',
      owner: rs(3, { minReadySeconds: 30 }),
      pods: [pod('long', { readyFor: 60_000 }), pod('short', { readyFor: 10_000 }), pod('not-ready')],
      status: { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 },
    },
  ])('$name', async ({ owner, pods, status }) => {
    const w = world(replicaSetKind, [owner], pods);
    await w.controller.sync(`${NS}/web`);
    expect(w.ownerClient.lastStatus).toMatchObject(status);
  });

  it('does not write a status that would not change', async () => {
    const status = { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 };
    const w = world(replicaSetKind, [rs(2, { status })], [pod('a'), pod('b')]);
    await w.controller.sync(`${NS}/web`);
    expect(w.ownerClient.statusWrites).toHaveLength(0);
  });

  it('writes status when only the generation is new', async () => {
    const status = { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 };
    const w = world(replicaSetKind, [rs(2, { status, generation: 2 })], [pod('a'), pod('b')]);
    await w.controller.sync(`${NS}/web`);
    expect(w.ownerClient.lastStatus?.observedGeneration).toBe(2);
  });

  it('retries a conflicting status write once after a fresh read', async () => {
    const w = world(replicaSetKind, [rs(0)]);
    w.ownerClient.conflicts = 1;
    await w.controller.sync(`${NS}/web`);
    expect(w.ownerClient.gets).toBe(1);
    expect(w.ownerClient.statusWrites).toHaveLength(1);
  });

  it('fails the sync when the retry conflicts too', async () => {
    const w = world(replicaSetKind, [rs(0, { generation: 3 })]);
    w.ownerClient.conflicts = 2;
    await expect(w.controller.sync(`${NS}/web`)).rejects.toThrow('modified');
  });

  it('never mutates cached objects', async () => {
    const owner = rs(2);
    const pods = [pod('a'), pod('moved', { labels: { app: 'debug' } }), pod('stray', { owner: null })];
    const before = structuredClone([owner, pods]);
    const w = world(replicaSetKind, [owner], pods);
    await w.controller.sync(`${NS}/web`);
    expect([owner, pods]).toEqual(before);
  });

  it('requeues after minReadySeconds when all pods are ready but not yet available', async () => {
    const w = world(replicaSetKind, [rs(2, { minReadySeconds: 10 })], [pod('a', { readyFor: 1000 }), pod('b', { readyFor: 2000 })]);
    const addAfter = vi.spyOn(w.queue, 'addAfter');
    await w.controller.sync(`${NS}/web`);
    expect(w.ownerClient.lastStatus).toMatchObject({ readyReplicas: 2, availableReplicas: 0 });
    expect(addAfter).toHaveBeenCalledWith(`${NS}/web`, 10_000);
    w.queue.shutDown();
  });
});

describe('handlers only queue keys', () => {
  it.each<{ name: string; act: (w: World<appsv1.ReplicaSet>) => void; queued: number }>([
    { name: 'owner added', act: (w) => w.controller.ownerHandlers().onAdd?.(rs(1)), queued: 1 },
    { name: 'owned pod added', act: (w) => w.controller.podHandlers().onAdd?.(pod('a')), queued: 1 },
    { name: 'matching orphan added', act: (w) => w.controller.podHandlers().onAdd?.(pod('o', { owner: null })), queued: 1 },
    { name: 'non-matching orphan added', act: (w) => w.controller.podHandlers().onAdd?.(pod('o', { owner: null, labels: { app: 'db' } })), queued: 0 },
    { name: 'pod of another kind of owner added', act: (w) => w.controller.podHandlers().onAdd?.(pod('o', { owner: { ...ownedBy(OWNER), kind: 'Job' } })), queued: 0 },
    { name: 'resync of an unchanged pod', act: (w) => w.controller.podHandlers().onUpdate?.(pod('a'), pod('a')), queued: 0 },
    { name: 'owned pod deleted', act: (w) => w.controller.podHandlers().onDelete?.(pod('a')), queued: 1 },
    { name: 'orphan deleted', act: (w) => w.controller.podHandlers().onDelete?.(pod('a', { owner: null })), queued: 0 },
  ])('$name', ({ act, queued }) => {
    const w = world(replicaSetKind, [rs(1)]);
    act(w);
    expect(w.queue.length).toBe(queued);
    w.queue.shutDown();
  });

  it('requeues after minReadySeconds when an owned pod becomes ready', () => {
    const w = world(replicaSetKind, [rs(1, { minReadySeconds: 5 })]);
    const addAfter = vi.spyOn(w.queue, 'addAfter');
    w.controller.podHandlers().onUpdate?.(pod('a'), pod('a', { readyFor: 0, rv: '6' }));
    expect(addAfter).toHaveBeenCalledWith(`${NS}/web`, 6000);
    w.queue.shutDown();
  });
});

describe('ReplicationController', () => {
  function rc(replicas: number): corev1.ReplicationController {
    return {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy', namespace: NS, uid: 'rc-uid', generation: 2 },
      spec: { replicas, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
  }
  const RC_REF: OwnerReference = { apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: 'rc-uid', controller: true, blockOwnerDeletion: true };

  it('creates with a v1 ReplicationController controllerRef', async () => {
    const w = world(replicationControllerKind, [rc(2)]);
    await w.controller.sync(`${NS}/legacy`);
    expect(w.podControl.creates.map((c) => c.ref)).toEqual([RC_REF, RC_REF]);
  });

  it('selects by equality, adopts, releases and deletes like a ReplicaSet', async () => {
    const pods = [
      pod('orphan', { owner: null, labels: { app: 'legacy' } }),
      pod('mine', { owner: RC_REF, labels: { app: 'legacy' } }),
      pod('extra', { owner: RC_REF, labels: { app: 'legacy' }, phase: 'Pending', node: '' }),
      pod('moved', { owner: RC_REF, labels: { app: 'other' } }),
      pod('rs-pod'),
    ];
    const w = world(replicationControllerKind, [rc(2)], pods);
    await w.controller.sync(`${NS}/legacy`);
    expect(w.podControl.patches.map((p) => p.name).sort()).toEqual(['moved', 'orphan']);
    expect(w.podControl.deletes).toEqual(['extra']);
    expect(w.ownerClient.lastStatus).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 2 });
  });

  it('an RC with an empty selector selects nothing', () => {
    const empty = rc(1);
    empty.spec = { ...empty.spec, selector: {} };
    expect(replicationControllerKind.selector(empty).matches({ app: 'legacy' })).toBe(false);
  });
});
