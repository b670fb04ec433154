import { describe, expect, it, vi } from 'vitest';
import { StatusError, type ApiObject, type appsv1, type corev1, type OwnerReference } from '@minik8s/api';
import { keyOf, WorkQueue, type Clock, type EventType } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { podFromTemplate, type PodControl } from '../../shared/pod-control';
import { FakeLister } from '../../test-support/fake-lister';
import { DaemonSetController, type DaemonSetClient, type EventSink, type RevisionControl } from './daemonset-controller';
import { targetNodeName } from './daemon-pods';
import { computeHash, revisionPatch } from './history';

// ---- a seeded fake world: caches, PodControl, the API, a clock that tests move ----

const START = Date.parse('2024-05-01T12:00:00Z');
const NS = 'default';
const KEY = `${NS}/agent`;
const DS_UID = 'ds-uid';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Records what the controller asked for; `failCreate` decides which creates fail (1-based). */
class FakePodControl implements PodControl {
  created: corev1.Pod[] = [];
  deleted: string[] = [];
  patches: { name: string; patch: unknown }[] = [];
  calls = 0;
  failCreate: (call: number) => Error | undefined = () => undefined;

  async createPod(namespace: string, template: corev1.PodTemplateSpec, owner: ApiObject, ref: OwnerReference): Promise<corev1.Pod> {
    const call = ++this.calls;
    const err = this.failCreate(call);
    if (err) throw err;
    const pod = podFromTemplate(template, namespace, ref, `${owner.metadata?.name}-`);
    pod.metadata = { ...pod.metadata, name: `agent-new-${call}`, uid: `new-${call}`, resourceVersion: '1', creationTimestamp: iso(START) };
    this.created.push(pod);
    return pod;
  }
  async deletePod(_namespace: string, name: string): Promise<void> {
    this.deleted.push(name);
  }
  async patchPod(_namespace: string, name: string, patch: unknown): Promise<void> {
    this.patches.push({ name, patch });
  }
  /** The node each created pod is meant for. */
  get createdOn(): string[] {
    return this.created.map((p) => targetNodeName(p) ?? '?');
  }
}

class FakeDsClient implements DaemonSetClient {
  statusWrites: appsv1.DaemonSet[] = [];
  constructor(private readonly fresh: () => appsv1.DaemonSet | undefined) {}
  async get(namespace: string, name: string): Promise<appsv1.DaemonSet> {
    const ds = this.fresh();
    if (!ds) throw new StatusError('NotFound', `daemonsets.apps "${name}" not found in ${namespace}`);
    return ds;
  }
  async updateStatus(ds: appsv1.DaemonSet): Promise<appsv1.DaemonSet> {
    this.statusWrites.push(ds);
    return ds;
  }
  get last(): appsv1.DaemonSetStatus | undefined {
    return this.statusWrites.at(-1)?.status;
  }
}

/** An API-side store of revisions: create refuses a taken name, as the apiserver does. */
class FakeRevisionControl implements RevisionControl {
  readonly store = new Map<string, appsv1.ControllerRevision>();
  created: appsv1.ControllerRevision[] = [];
  updated: appsv1.ControllerRevision[] = [];
  deleted: string[] = [];
  patched: string[] = [];
  constructor(seed: appsv1.ControllerRevision[]) {
    for (const r of seed) this.store.set(r.metadata?.name ?? '', r);
  }
  async create(_namespace: string, revision: appsv1.ControllerRevision): Promise<appsv1.ControllerRevision> {
    const name = revision.metadata?.name ?? '';
    if (this.store.has(name)) throw new StatusError('AlreadyExists', `controllerrevisions.apps "${name}" already exists`);
    const stored = { ...revision, metadata: { ...revision.metadata, uid: `rev-${name}`, resourceVersion: '1' } };
    this.store.set(name, stored);
    this.created.push(stored);
    return stored;
  }
  async get(_namespace: string, name: string): Promise<appsv1.ControllerRevision> {
    const r = this.store.get(name);
    if (!r) throw new StatusError('NotFound', `controllerrevisions.apps "${name}" not found`);
    return r;
  }
  async update(revision: appsv1.ControllerRevision): Promise<appsv1.ControllerRevision> {
    this.store.set(revision.metadata?.name ?? '', revision);
    this.updated.push(revision);
    return revision;
  }
  async patch(_namespace: string, name: string): Promise<void> {
    this.patched.push(name);
  }
  async delete(_namespace: string, name: string): Promise<void> {
    this.store.delete(name);
    this.deleted.push(name);
  }
}

class FakeEvents implements EventSink {
  events: { type: EventType; reason: string; message: string }[] = [];
  async event(_obj: ApiObject, type: EventType, reason: string, message: string): Promise<void> {
    this.events.push({ type, reason, message });
  }
}

interface World {
  controller: DaemonSetController;
  daemonSets: FakeLister<appsv1.DaemonSet>;
  pods: FakeLister<corev1.Pod>;
  nodes: FakeLister<corev1.Node>;
  revisions: FakeLister<appsv1.ControllerRevision>;
  podControl: FakePodControl;
  dsClient: FakeDsClient;
  revisionControl: FakeRevisionControl;
  events: FakeEvents;
  queue: WorkQueue<string>;
  clock: { now: number };
}

function world(seed: { ds?: appsv1.DaemonSet[]; nodes?: corev1.Node[]; pods?: corev1.Pod[]; revisions?: appsv1.ControllerRevision[] }): World {
  const time = { now: START };
  const clock: Clock = { now: () => time.now, sleep: async () => undefined };
  const daemonSets = new FakeLister(seed.ds ?? []);
  const pods = new FakeLister(seed.pods ?? []);
  const nodes = new FakeLister(seed.nodes ?? []);
  const revisions = new FakeLister(seed.revisions ?? []);
  const podControl = new FakePodControl();
  const dsClient = new FakeDsClient(() => daemonSets.list()[0]);
  const revisionControl = new FakeRevisionControl(seed.revisions ?? []);
  const events = new FakeEvents();
  const queue = new WorkQueue<string>();
  const controller = new DaemonSetController({
    daemonSets,
    pods,
    nodes,
    revisions,
    podControl,
    dsClient,
    revisionControl,
    events,
    logger: silentLogger(),
    clock,
    queue,
  });
  return { controller, daemonSets, pods, nodes, revisions, podControl, dsClient, revisionControl, events, queue, clock: time };
}

// ---- fixtures ----

const LABELS = { app: 'agent' };

interface DsOptions {
  image?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: corev1.Toleration[];
  strategy?: appsv1.DaemonSetUpdateStrategy;
  generation?: number;
  templateGeneration?: number;
  status?: appsv1.DaemonSetStatus;
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  deleting?: boolean;
  selector?: appsv1.DaemonSetSpec['selector'];
}

const ROLLING_1: appsv1.DaemonSetUpdateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 1 }, maxSurge: { type: 0, intVal: 0 } } };

function daemonSet(o: DsOptions = {}): appsv1.DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: 'agent',
      namespace: NS,
      uid: DS_UID,
      generation: o.generation ?? 1,
      resourceVersion: '10',
      annotations: { 'deprecated.daemonset.template.generation': String(o.templateGeneration ?? 1) },
      deletionTimestamp: o.deleting ? iso(START) : undefined,
    },
    spec: {
      selector: o.selector ?? { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: { containers: [{ name: 'agent', image: o.image ?? 'agent:1' }], nodeSelector: o.nodeSelector, tolerations: o.tolerations },
      },
      updateStrategy: o.strategy ?? ROLLING_1,
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      minReadySeconds: o.minReadySeconds ?? 0,
    },
    status: o.status ?? {},
  };
}

function hashOf(ds: appsv1.DaemonSet): string {
  return computeHash(ds.spec?.template, ds.status?.collisionCount);
}

function revisionOf(ds: appsv1.DaemonSet, revision: number, extra: { owner?: OwnerReference | null } = {}): appsv1.ControllerRevision {
  const hash = hashOf(ds);
  return {
    metadata: {
      name: `agent-${hash}`,
      namespace: NS,
      uid: `rev-${revision}`,
      resourceVersion: '3',
      labels: { ...LABELS, 'controller-revision-hash': hash },
      ownerReferences: extra.owner === null ? undefined : [extra.owner ?? OWNER_REF],
    },
    data: { raw: revisionPatch(ds) },
    revision,
  };
}

function node(name: string, o: { labels?: Record<string, string>; taints?: corev1.Taint[] } = {}): corev1.Node {
  return {
    metadata: { name, uid: `node-${name}`, resourceVersion: '1', labels: o.labels ?? {} },
    spec: { taints: o.taints ?? [] },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

const OWNER_REF: OwnerReference = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: DS_UID, controller: true, blockOwnerDeletion: true };

interface PodOptions {
  hash?: string;
  ready?: boolean;
  phase?: string;
  deleting?: boolean;
  /** Pending, pinned by node affinity only. */
  unbound?: boolean;
  /** Created this many ms before START. */
  age?: number;
  owner?: OwnerReference | null;
  labels?: Record<string, string>;
}

function pod(name: string, nodeName: string, o: PodOptions = {}): corev1.Pod {
  const owner = o.owner === undefined ? OWNER_REF : o.owner;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      resourceVersion: '5',
      labels: o.labels ?? { ...LABELS, 'controller-revision-hash': o.hash ?? hashOf(daemonSet()) },
      creationTimestamp: iso(START - (o.age ?? 3_600_000)),
      deletionTimestamp: o.deleting ? iso(START) : undefined,
      ownerReferences: owner ? [owner] : undefined,
    },
    spec: {
      nodeName: o.unbound ? undefined : nodeName,
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] } } },
      containers: [{ name: 'agent', image: 'agent:1' }],
    },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: iso(START - 600_000) }],
    },
  };
}

const THREE_NODES = [node('n1'), node('n2'), node('n3')];

// ---- tests ----

describe('sync: one pod per eligible node', () => {
  it.each<{ name: string; ds: appsv1.DaemonSet; nodes: corev1.Node[]; pods?: corev1.Pod[]; createdOn: string[]; deleted?: string[] }>([
    { name: 'every node of a new DaemonSet', ds: daemonSet(), nodes: THREE_NODES, createdOn: ['n1', 'n2', 'n3'] },
    { name: 'only the nodes missing one', ds: daemonSet(), nodes: THREE_NODES, pods: [pod('p1', 'n1'), pod('p3', 'n3')], createdOn: ['n2'] },
    { name: 'nothing when every node has one', ds: daemonSet(), nodes: THREE_NODES, pods: [pod('p1', 'n1'), pod('p2', 'n2'), pod('p3', 'n3')], createdOn: [] },
    {
      name: 'only nodes matching the nodeSelector',
      ds: daemonSet({ nodeSelector: { role: 'edge' } }),
      nodes: [node('n1', { labels: { role: 'edge' } }), node('n2'), node('n3', { labels: { role: 'edge' } })],
      createdOn: ['n1', 'n3'],
    },
    {
      name: 'not on a node tainted NoSchedule without toleration',
      ds: daemonSet(),
      nodes: [node('n1'), node('n2', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] })],
      createdOn: ['n1'],
    },
    {
      name: 'on a tainted node the template tolerates',
      ds: daemonSet({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] }),
      nodes: [node('n1'), node('n2', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] })],
      createdOn: ['n1', 'n2'],
    },
    {
      name: 'on cordoned and not-ready nodes',
      ds: daemonSet(),
      nodes: [
        { ...node('n1'), spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] } },
        { ...node('n2'), spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
      ],
      createdOn: ['n1', 'n2'],
    },
    {
      name: 'deletes the pod of a node that no longer matches the nodeSelector',
      ds: daemonSet({ nodeSelector: { role: 'edge' } }),
      nodes: [node('n1', { labels: { role: 'edge' } }), node('n2')],
      pods: [pod('p1', 'n1'), pod('p2', 'n2')],
      createdOn: [],
      deleted: ['p2'],
    },
    {
      name: 'deletes the pod of a node tainted NoExecute',
      ds: daemonSet(),
      nodes: [node('n1', { taints: [{ key: 'evict', effect: 'NoExecute' }] })],
      pods: [pod('p1', 'n1')],
      createdOn: [],
      deleted: ['p1'],
    },
    {
      name: 'keeps the pod of a node tainted NoSchedule after it started',
      ds: daemonSet(),
      nodes: [node('n1', { taints: [{ key: 'later', effect: 'NoSchedule' }] })],
      pods: [pod('p1', 'n1')],
      createdOn: [],
    },
    {
      name: 'deletes all but the oldest of several pods on one node',
      ds: daemonSet(),
      nodes: [node('n1')],
      pods: [pod('young', 'n1', { age: 1000 }), pod('old', 'n1', { age: 9_000_000 }), pod('pending', 'n1', { unbound: true, age: 99_000_000 })],
      createdOn: [],
      deleted: ['pending', 'young'],
    },
    {
      name: 'waits for a terminating pod to go before creating its replacement',
      ds: daemonSet(),
      nodes: [node('n1')],
      pods: [pod('going', 'n1', { deleting: true })],
      createdOn: [],
    },
    {
      name: 'a finished pod being deleted does not hold the node',
      ds: daemonSet(),
      nodes: [node('n1')],
      pods: [pod('done', 'n1', { deleting: true, phase: 'Failed' })],
      createdOn: ['n1'],
    },
    {
      name: 'deletes unscheduled pods aimed at nodes that are gone, leaves bound ones to the pod GC',
      ds: daemonSet(),
      nodes: [node('n1')],
      pods: [pod('p1', 'n1'), pod('stuck', 'gone', { unbound: true }), pod('bound', 'gone2')],
      createdOn: [],
      deleted: ['stuck'],
    },
    {
      name: 'deletes a Succeeded pod',
      ds: daemonSet(),
      nodes: [node('n1')],
      pods: [pod('p1', 'n1', { phase: 'Succeeded' })],
      createdOn: [],
      deleted: ['p1'],
    },
  ])('$name', async ({ ds, nodes, pods = [], createdOn, deleted = [] }) => {
    const w = world({ ds: [ds], nodes, pods });
    await w.controller.sync(KEY);
    expect(w.podControl.createdOn.sort()).toEqual(createdOn);
    expect(w.podControl.deleted.sort()).toEqual(deleted);
  });

  it('creates pods from the template, pinned to their node, tolerating node problems, labelled with the revision', async () => {
    const ds = daemonSet();
    const w = world({ ds: [ds], nodes: [node('n1')] });
    await w.controller.sync(KEY);
    const [created] = w.podControl.created;
    expect(created.metadata?.generateName).toBe('agent-');
    expect(created.metadata?.ownerReferences).toEqual([OWNER_REF]);
    expect(created.metadata?.labels).toEqual({ app: 'agent', 'controller-revision-hash': hashOf(ds), 'pod-template-generation': '1' });
    expect(created.spec?.nodeName).toBeUndefined();
    expect(created.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
    });
    expect(created.spec?.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    // The cached template was not touched.
    expect(w.daemonSets.list()[0].spec?.template?.spec?.tolerations).toBeUndefined();
    expect(w.daemonSets.list()[0].spec?.template?.spec?.affinity).toBeUndefined();
  });

  it('does nothing for a DaemonSet that is gone, or being deleted', async () => {
    const gone = world({ nodes: THREE_NODES });
    await gone.controller.sync(KEY);
    const deleting = world({ ds: [daemonSet({ deleting: true })], nodes: THREE_NODES, pods: [pod('p1', 'n1')] });
    await deleting.controller.sync(KEY);
    for (const w of [gone, deleting]) {
      expect(w.podControl.calls + w.podControl.deleted.length).toBe(0);
      expect(w.dsClient.statusWrites).toHaveLength(0);
      expect(w.revisionControl.created).toHaveLength(0);
    }
  });

  it('refuses a selector that selects every pod, with a SelectingAll event', async () => {
    const w = world({ ds: [daemonSet({ selector: {} })], nodes: THREE_NODES });
    await w.controller.sync(KEY);
    expect(w.podControl.calls).toBe(0);
    expect(w.events.events).toEqual([{ type: 'Warning', reason: 'SelectingAll', message: 'This daemon set is selecting all pods. A non-empty selector is required.' }]);
  });

  it('adopts matching orphans and releases pods it no longer selects', async () => {
    const orphan = pod('orphan', 'n1', { owner: null });
    const moved = pod('moved', 'n2', { labels: { app: 'other' } });
    const theirs = pod('theirs', 'n2', { owner: { ...OWNER_REF, uid: 'other', name: 'other' } });
    const w = world({ ds: [daemonSet()], nodes: [node('n1'), node('n2')], pods: [orphan, moved, theirs] });
    await w.controller.sync(KEY);
    expect(w.podControl.patches.map((p) => p.name).sort()).toEqual(['moved', 'orphan']);
    // n1 has the adopted orphan; n2 has only pods that are not ours.
    expect(w.podControl.createdOn).toEqual(['n2']);
  });
});

describe('sync: expectations', () => {
  it('does not create again before the cache has seen the first round, and writes status meanwhile', async () => {
    const w = world({ ds: [daemonSet({ generation: 2 })], nodes: THREE_NODES });
    await w.controller.sync(KEY);
    expect(w.podControl.created).toHaveLength(3);
    expect(w.dsClient.last?.observedGeneration).toBe(2);
    w.daemonSets.indexer.set(w.dsClient.statusWrites.at(-1) as appsv1.DaemonSet);
    await w.controller.sync(KEY);
    expect(w.podControl.created).toHaveLength(3);

    const handlers = w.controller.podHandlers();
    for (const p of w.podControl.created.slice(0, 2)) {
      w.pods.indexer.set(p);
      handlers.onAdd?.(p);
    }
    expect(w.controller.expectations.satisfied(KEY)).toBe(false);
    await w.controller.sync(KEY);
    expect(w.podControl.created).toHaveLength(3);
    // Status follows the cache even while waiting.
    expect(w.dsClient.last).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 2 });

    const last = w.podControl.created[2];
    w.pods.indexer.set(last);
    handlers.onAdd?.(last);
    expect(w.controller.expectations.satisfied(KEY)).toBe(true);
    await w.controller.sync(KEY);
    expect(w.podControl.created).toHaveLength(3);
    expect(w.dsClient.last).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberReady: 0, numberUnavailable: 3 });
  });

  it('waits for deletions, and counts a graceful delete as seen', async () => {
    const w = world({ ds: [daemonSet({ nodeSelector: { role: 'edge' } })], nodes: [node('n1')], pods: [pod('p1', 'n1')] });
    await w.controller.sync(KEY);
    expect(w.podControl.deleted).toEqual(['p1']);
    expect(w.controller.expectations.satisfied(KEY)).toBe(false);
    const terminating = pod('p1', 'n1', { deleting: true });
    terminating.metadata = { ...terminating.metadata, resourceVersion: '6' };
    w.controller.podHandlers().onUpdate?.(pod('p1', 'n1'), terminating);
    expect(w.controller.expectations.satisfied(KEY)).toBe(true);
  });

  it('forgets creations that failed or were never tried (slow start)', async () => {
    const nodes = Array.from({ length: 6 }, (_, i) => node(`n${i + 1}`));
    const w = world({ ds: [daemonSet()], nodes });
    w.podControl.failCreate = (call) => (call === 2 ? new StatusError('Forbidden', 'exceeded quota') : undefined);
    await expect(w.controller.sync(KEY)).rejects.toThrow('exceeded quota');
    // Batches of 1, then 2 (one fails): 3 tried, 2 created, the rest never tried.
    expect(w.podControl.calls).toBe(3);
    expect(w.podControl.created).toHaveLength(2);
    const handlers = w.controller.podHandlers();
    for (const p of w.podControl.created) {
      w.pods.indexer.set(p);
      handlers.onAdd?.(p);
    }
    expect(w.controller.expectations.satisfied(KEY)).toBe(true);
  });
});

describe('sync: failed daemon pods', () => {
  it('deletes a failed pod with a FailedDaemonPod event, then backs off before deleting the next one', async () => {
    const w = world({ ds: [daemonSet()], nodes: [node('n1')], pods: [pod('p1', 'n1', { phase: 'Failed' })] });
    const addAfter = vi.spyOn(w.queue, 'addAfter');
    await w.controller.sync(KEY);
    expect(w.podControl.deleted).toEqual(['p1']);
    expect(w.events.events).toEqual([{ type: 'Warning', reason: 'FailedDaemonPod', message: 'Found failed daemon pod default/p1 on node n1, will try to kill it' }]);

    // Its replacement fails at once too: within the back-off it stays, and the key comes back later.
    w.pods.indexer.delete(`${NS}/p1`);
    w.controller.podHandlers().onDelete?.(pod('p1', 'n1', { phase: 'Failed' }));
    w.pods.indexer.set(pod('p2', 'n1', { phase: 'Failed' }));
    await w.controller.sync(KEY);
    expect(w.podControl.deleted).toEqual(['p1']);
    expect(addAfter).toHaveBeenCalledWith(KEY, 1000);

    w.clock.now += 1000;
    await w.controller.sync(KEY);
    expect(w.podControl.deleted).toEqual(['p1', 'p2']);
    expect(w.controller.failedPodsBackoff.delayMs(`${DS_UID}/0/n1`)).toBe(2000);
    w.queue.shutDown();
  });
});

describe('sync: ControllerRevisions', () => {
  it('records the template as revision 1, owned by the DaemonSet', async () => {
    const ds = daemonSet();
    const w = world({ ds: [ds], nodes: [node('n1')] });
    await w.controller.sync(KEY);
    const hash = hashOf(ds);
    expect(w.revisionControl.created).toHaveLength(1);
    const [rev] = w.revisionControl.created;
    expect(rev.metadata).toMatchObject({
      name: `agent-${hash}`,
      namespace: NS,
      labels: { app: 'agent', 'controller-revision-hash': hash },
      annotations: { 'deprecated.daemonset.template.generation': '1' },
      ownerReferences: [OWNER_REF],
    });
    expect(rev.revision).toBe(1);
    expect(Buffer.from(rev.data?.raw ?? []).equals(revisionPatch(ds))).toBe(true);
  });

  it('reuses the current revision when the cache has not seen it yet', async () => {
    const w = world({ ds: [daemonSet()], nodes: [node('n1')] });
    await w.controller.sync(KEY);
    await w.controller.sync(KEY);
    expect(w.revisionControl.created).toHaveLength(1);
    expect(w.podControl.created.every((p) => p.metadata?.labels?.['controller-revision-hash'] === hashOf(daemonSet()))).toBe(true);
  });

  it('a new template gets the next revision number; rolling back renumbers the old revision', async () => {
    const v1 = daemonSet();
    const v2 = daemonSet({ image: 'agent:2', templateGeneration: 2 });
    const w = world({ ds: [v2], nodes: [node('n1')], revisions: [revisionOf(v1, 1)] });
    await w.controller.sync(KEY);
    expect(w.revisionControl.created.map((r) => [r.metadata?.name, r.revision])).toEqual([[`agent-${hashOf(v2)}`, 2]]);

    const back = daemonSet({ templateGeneration: 3 });
    const w2 = world({ ds: [back], nodes: [node('n1')], revisions: [revisionOf(v1, 1), revisionOf(v2, 2)] });
    await w2.controller.sync(KEY);
    expect(w2.revisionControl.created).toHaveLength(0);
    expect(w2.revisionControl.updated.map((r) => [r.metadata?.name, r.revision])).toEqual([[`agent-${hashOf(v1)}`, 3]]);
  });

  it('keeps one of two revisions of the current template, relabelling pods to its hash', async () => {
    const ds = daemonSet();
    const a = { ...revisionOf(ds, 2), metadata: { ...revisionOf(ds, 2).metadata, name: 'agent-a', labels: { ...LABELS, 'controller-revision-hash': 'a' } } };
    const b = { ...revisionOf(ds, 3), metadata: { ...revisionOf(ds, 3).metadata, name: 'agent-b', uid: 'rev-b', labels: { ...LABELS, 'controller-revision-hash': 'b' } } };
    const w = world({ ds: [ds], nodes: [node('n1'), node('n2')], pods: [pod('p1', 'n1', { hash: 'a' }), pod('p2', 'n2', { hash: 'b' })], revisions: [a, b] });
    await w.controller.sync(KEY);
    expect(w.revisionControl.deleted).toEqual(['agent-a']);
    expect(w.podControl.patches).toEqual([{ name: 'p1', patch: { metadata: { labels: { 'controller-revision-hash': 'b' } } } }]);
    expect(w.revisionControl.created).toHaveLength(0);
  });

  it('adopts an orphaned revision it selects, and labels a revision without a hash with its name', async () => {
    const ds = daemonSet();
    const orphan = revisionOf(ds, 1, { owner: null });
    const unlabelled = { ...revisionOf(daemonSet({ image: 'agent:0' }), 1), metadata: { ...revisionOf(daemonSet({ image: 'agent:0' }), 1).metadata, name: 'agent-legacy', labels: { ...LABELS } } };
    const w = world({ ds: [ds], nodes: [node('n1')], pods: [pod('p1', 'n1')], revisions: [orphan, unlabelled] });
    await w.controller.sync(KEY);
    expect(w.revisionControl.patched).toEqual([orphan.metadata?.name]);
    expect(w.revisionControl.updated.map((r) => r.metadata?.labels?.['controller-revision-hash'])).toContain('agent-legacy');
    expect(w.revisionControl.created).toHaveLength(0);
  });

  it('bumps collisionCount when another template holds the name', async () => {
    const ds = daemonSet();
    const squatter: appsv1.ControllerRevision = { ...revisionOf(daemonSet({ image: 'other' }), 1, { owner: null }), metadata: { name: `agent-${hashOf(ds)}`, namespace: NS } };
    const w = world({ ds: [ds], nodes: [node('n1')] });
    w.revisionControl.store.set(squatter.metadata?.name ?? '', squatter);
    await expect(w.controller.sync(KEY)).rejects.toThrow('already exists');
    expect(w.dsClient.last?.collisionCount).toBe(1);
    expect(w.podControl.calls).toBe(0);
  });

  it('prunes old revisions beyond revisionHistoryLimit that no pod runs', async () => {
    const versions = [1, 2, 3, 4].map((v) => daemonSet({ image: `agent:${v}`, templateGeneration: v }));
    const current = versions[3];
    const revisions = versions.map((v, i) => revisionOf(v, i + 1));
    const pods = [pod('p1', 'n1', { hash: hashOf(current) }), pod('p2', 'n2', { hash: hashOf(versions[0]) })];
    const w = world({ ds: [daemonSet({ image: 'agent:4', templateGeneration: 4, revisionHistoryLimit: 1, strategy: { type: 'OnDelete' } })], nodes: [node('n1'), node('n2')], pods, revisions });
    await w.controller.sync(KEY);
    // Old revisions 1, 2 and 3, of which one may stay: two go, oldest first, but not 1, which a pod still runs.
    expect(w.revisionControl.deleted).toEqual([`agent-${hashOf(versions[1])}`, `agent-${hashOf(versions[2])}`]);
  });
});

describe('sync: updates', () => {
  const v1 = daemonSet();
  const v2 = (strategy: appsv1.DaemonSetUpdateStrategy = ROLLING_1): appsv1.DaemonSet => daemonSet({ image: 'agent:2', templateGeneration: 2, generation: 2, strategy });
  const oldPods = (): corev1.Pod[] => [pod('p1', 'n1', { hash: hashOf(v1) }), pod('p2', 'n2', { hash: hashOf(v1) }), pod('p3', 'n3', { hash: hashOf(v1) })];
  const pct = (s: string): appsv1.DaemonSetUpdateStrategy => ({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 1, strVal: s } } });

  it.each<{ name: string; strategy?: appsv1.DaemonSetUpdateStrategy; pods?: corev1.Pod[]; deleted: string[] }>([
    { name: 'maxUnavailable 1 replaces one node first', deleted: ['p1'] },
    { name: 'maxUnavailable 2 replaces two nodes', strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 2 } } }, deleted: ['p1', 'p2'] },
    { name: 'maxUnavailable 34% of 3 rounds up to 2', strategy: pct('34%'), deleted: ['p1', 'p2'] },
    { name: 'maxUnavailable 10% of 3 rounds up to 1', strategy: pct('10%'), deleted: ['p1'] },
    {
      name: 'waits while a new pod is not available',
      pods: [pod('new1', 'n1', { hash: hashOf(v2()), ready: false }), pod('p2', 'n2', { hash: hashOf(v1) }), pod('p3', 'n3', { hash: hashOf(v1) })],
      deleted: [],
    },
    {
      name: 'moves on once the new pod is available',
      pods: [pod('new1', 'n1', { hash: hashOf(v2()) }), pod('p2', 'n2', { hash: hashOf(v1) }), pod('p3', 'n3', { hash: hashOf(v1) })],
      deleted: ['p2'],
    },
    { name: 'OnDelete leaves old pods alone', strategy: { type: 'OnDelete' }, deleted: [] },
  ])('$name', async ({ strategy, pods, deleted }) => {
    const ds = v2(strategy);
    const w = world({ ds: [ds], nodes: THREE_NODES, pods: pods ?? oldPods(), revisions: [revisionOf(v1, 1)] });
    await w.controller.sync(KEY);
    expect(w.podControl.deleted.sort()).toEqual(deleted);
    expect(w.podControl.calls).toBe(0);
  });

  it('OnDelete creates the replacement of a deleted pod from the new template', async () => {
    const ds = v2({ type: 'OnDelete' });
    const w = world({ ds: [ds], nodes: THREE_NODES, pods: oldPods().slice(1), revisions: [revisionOf(v1, 1)] });
    await w.controller.sync(KEY);
    expect(w.podControl.createdOn).toEqual(['n1']);
    expect(w.podControl.created[0].spec?.containers?.[0].image).toBe('agent:2');
    expect(w.podControl.created[0].metadata?.labels?.['controller-revision-hash']).toBe(hashOf(ds));
    expect(w.dsClient.last).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 2, updatedNumberScheduled: 0, observedGeneration: 2 });
  });

  it('with maxSurge, starts the new pod beside the old one', async () => {
    const ds = v2({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 0 }, maxSurge: { type: 0, intVal: 1 } } });
    const w = world({ ds: [ds], nodes: THREE_NODES, pods: oldPods(), revisions: [revisionOf(v1, 1)] });
    await w.controller.sync(KEY);
    expect(w.podControl.deleted).toEqual([]);
    expect(w.podControl.createdOn).toEqual(['n1']);
  });

  it('with maxSurge, removes the old pod once the new one beside it is available', async () => {
    const ds = v2({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 0 }, maxSurge: { type: 0, intVal: 1 } } });
    const pods = [...oldPods(), pod('new1', 'n1', { hash: hashOf(ds), age: 1000 })];
    const w = world({ ds: [ds], nodes: THREE_NODES, pods, revisions: [revisionOf(v1, 1)] });
    await w.controller.sync(KEY);
    expect(w.podControl.deleted).toEqual(['p1']);
  });
});

describe('sync: status', () => {
  it('counts desired, current, ready, available, updated and misscheduled pods', async () => {
    const ds = daemonSet({ nodeSelector: { role: 'edge' }, generation: 4, image: 'agent:2', templateGeneration: 2 });
    const edge = { role: 'edge' };
    const nodes = [node('n1', { labels: edge }), node('n2', { labels: edge }), node('n3', { labels: edge }), node('n4')];
    const pods = [
      pod('a', 'n1', { hash: hashOf(ds) }),
      pod('b', 'n2', { hash: hashOf(daemonSet()), ready: false }),
      pod('c', 'n4', { hash: hashOf(ds) }),
    ];
    const w = world({ ds: [ds], nodes, pods, revisions: [revisionOf(daemonSet(), 1)] });
    await w.controller.sync(KEY);
    expect(w.dsClient.last).toEqual({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      numberReady: 1,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
      numberUnavailable: 2,
      observedGeneration: 4,
    });
  });

  it('writes nothing when status is already current', async () => {
    const ds = daemonSet({
      status: {
        desiredNumberScheduled: 1,
        currentNumberScheduled: 1,
        numberMisscheduled: 0,
        numberReady: 1,
        updatedNumberScheduled: 1,
        numberAvailable: 1,
        numberUnavailable: 0,
        observedGeneration: 1,
      },
    });
    const w = world({ ds: [ds], nodes: [node('n1')], pods: [pod('p1', 'n1')], revisions: [revisionOf(ds, 1)] });
    await w.controller.sync(KEY);
    expect(w.dsClient.statusWrites).toHaveLength(0);
    expect(w.podControl.calls + w.podControl.deleted.length).toBe(0);
  });

  it('looks again after minReadySeconds while ready pods are not yet available', async () => {
    const ds = daemonSet({ minReadySeconds: 3600 });
    const w = world({ ds: [ds], nodes: [node('n1')], pods: [pod('p1', 'n1')], revisions: [revisionOf(ds, 1)] });
    const addAfter = vi.spyOn(w.queue, 'addAfter');
    await w.controller.sync(KEY);
    expect(w.dsClient.last).toMatchObject({ numberReady: 1, numberAvailable: 0 });
    expect(addAfter).toHaveBeenCalledWith(KEY, 3_600_000);
    w.queue.shutDown();
  });
});

describe('handlers', () => {
  const edge = daemonSet({ nodeSelector: { role: 'edge' } });

  it.each<{ name: string; act: (w: World) => void; queued: number }>([
    { name: 'DaemonSet added', act: (w) => w.controller.daemonSetHandlers().onAdd?.(edge), queued: 1 },
    { name: 'matching node added', act: (w) => w.controller.nodeHandlers().onAdd?.(node('n1', { labels: { role: 'edge' } })), queued: 1 },
    { name: 'other node added', act: (w) => w.controller.nodeHandlers().onAdd?.(node('n1')), queued: 0 },
    {
      name: 'node heartbeat only',
      act: (w) => {
        const old = node('n1', { labels: { role: 'edge' } });
        const cur = { ...old, metadata: { ...old.metadata, resourceVersion: '2' }, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: iso(START) }] } };
        w.controller.nodeHandlers().onUpdate?.(old, cur);
      },
      queued: 0,
    },
    {
      name: 'node label removed',
      act: (w) => w.controller.nodeHandlers().onUpdate?.(node('n1', { labels: { role: 'edge' } }), { ...node('n1'), metadata: { ...node('n1').metadata, resourceVersion: '2' } }),
      queued: 1,
    },
    {
      name: 'node label changed in a way the DaemonSet does not care about',
      act: (w) => w.controller.nodeHandlers().onUpdate?.(node('n1', { labels: { role: 'edge' } }), node('n1', { labels: { role: 'edge', zone: 'a' } })),
      queued: 0,
    },
    { name: 'matching node deleted', act: (w) => w.controller.nodeHandlers().onDelete?.(node('n1', { labels: { role: 'edge' } })), queued: 1 },
    { name: 'owned pod added', act: (w) => w.controller.podHandlers().onAdd?.(pod('p', 'n1')), queued: 1 },
    { name: 'orphan pod added', act: (w) => w.controller.podHandlers().onAdd?.(pod('p', 'n1', { owner: null })), queued: 1 },
    { name: 'pod of another DaemonSet added', act: (w) => w.controller.podHandlers().onAdd?.(pod('p', 'n1', { owner: { ...OWNER_REF, uid: 'x' } })), queued: 0 },
    { name: 'owned revision added', act: (w) => w.controller.revisionHandlers().onAdd?.(revisionOf(edge, 1)), queued: 0 },
    { name: 'owned revision deleted', act: (w) => w.controller.revisionHandlers().onDelete?.(revisionOf(edge, 1)), queued: 1 },
    { name: 'orphan revision added', act: (w) => w.controller.revisionHandlers().onAdd?.(revisionOf(edge, 1, { owner: null })), queued: 1 },
  ])('$name', ({ act, queued }) => {
    const w = world({ ds: [edge] });
    act(w);
    expect(w.queue.length).toBe(queued);
    w.queue.shutDown();
  });

  it('a deleted DaemonSet leaves no expectations behind', async () => {
    const w = world({ ds: [daemonSet()], nodes: THREE_NODES });
    await w.controller.sync(KEY);
    expect(w.controller.expectations.satisfied(KEY)).toBe(false);
    w.controller.daemonSetHandlers().onDelete?.(daemonSet());
    expect(w.controller.expectations.satisfied(KEY)).toBe(true);
    w.queue.shutDown();
  });

  it('requeues after minReadySeconds when an owned pod becomes ready', () => {
    const w = world({ ds: [daemonSet({ minReadySeconds: 5 })] });
    const addAfter = vi.spyOn(w.queue, 'addAfter');
    const cur = pod('p', 'n1');
    cur.metadata = { ...cur.metadata, resourceVersion: '6' };
    w.controller.podHandlers().onUpdate?.(pod('p', 'n1', { ready: false }), cur);
    expect(addAfter).toHaveBeenCalledWith(KEY, 6000);
    expect(keyOf(daemonSet())).toBe(KEY);
    w.queue.shutDown();
  });
});
