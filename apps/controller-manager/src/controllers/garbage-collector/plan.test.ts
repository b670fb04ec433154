import { describe, expect, it } from 'vitest';
import { defaultScheme, type ApiObject, type OwnerReference } from '@minik8s/api';
import { OwnershipGraph, type ObjectIdentity } from './graph';
import {
  garbageCollectedKinds,
  isStoredKind,
  ownerState,
  planDeletingOwner,
  planDependent,
  type ClassifiedReference,
  type DependentAction,
  type DependentView,
  type OwnerStep,
} from './plan';

const DELETED = '2024-01-01T00:00:00Z';

function ref(uid: string, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: `name-${uid}`, uid, ...extra };
}

function obj(uid: string, meta: Partial<NonNullable<ApiObject['metadata']>> = {}): ApiObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `name-${uid}`, namespace: 'ns', uid, ...meta } };
}

function classified(...states: [string, ClassifiedReference['state']][]): ClassifiedReference[] {
  return states.map(([uid, state]) => ({ ref: ref(uid), state }));
}

describe('ownerState', () => {
  it.each([
    { name: 'absent owner', owner: undefined, state: 'dangling' },
    { name: 'same name, another uid', owner: obj('other'), state: 'dangling' },
    { name: 'live owner', owner: obj('o'), state: 'solid' },
    { name: 'owner being deleted in the background', owner: obj('o', { deletionTimestamp: DELETED, finalizers: ['example.com/x'] }), state: 'solid' },
    { name: 'owner deleted with orphan', owner: obj('o', { deletionTimestamp: DELETED, finalizers: ['orphan'] }), state: 'solid' },
    { name: 'owner deleted in the foreground', owner: obj('o', { deletionTimestamp: DELETED, finalizers: ['foregroundDeletion'] }), state: 'waiting' },
  ])('$name: $state', ({ owner, state }) => {
    expect(ownerState(ref('o'), owner)).toBe(state);
  });
});

describe('planDependent', () => {
  const noDependents: DependentView[] = [];
  const cases: { name: string; item: ApiObject; refs: ClassifiedReference[]; dependents?: Pick<DependentView, 'deletingDependents'>[]; action: DependentAction }[] = [
    { name: 'no owners', item: obj('d'), refs: [], action: { type: 'none' } },
    { name: 'owner alive', item: obj('d'), refs: classified(['o', 'solid']), action: { type: 'none' } },
    {
      name: 'only owner gone: background delete',
      item: obj('d'),
      refs: classified(['o', 'dangling']),
      action: { type: 'delete', propagationPolicy: 'Background', unblockOwnerReferences: false },
    },
    {
      name: 'all owners gone',
      item: obj('d'),
      refs: classified(['o1', 'dangling'], ['o2', 'dangling']),
      action: { type: 'delete', propagationPolicy: 'Background', unblockOwnerReferences: false },
    },
    {
      name: 'one of two owners gone: drop its reference only',
      item: obj('d'),
      refs: classified(['o1', 'dangling'], ['o2', 'solid']),
      action: { type: 'removeOwnerReferences', ownerUids: ['o1'] },
    },
    {
      name: 'another owner alive while one deletes in the foreground: drop the waiting reference',
      item: obj('d'),
      refs: classified(['o1', 'waiting'], ['o2', 'solid'], ['o3', 'dangling']),
      action: { type: 'removeOwnerReferences', ownerUids: ['o3', 'o1'] },
    },
    {
      name: 'owner deletes in the foreground, no dependents of its own: background delete',
      item: obj('d'),
      refs: classified(['o', 'waiting']),
      action: { type: 'delete', propagationPolicy: 'Background', unblockOwnerReferences: false },
    },
    {
      name: 'owner deletes in the foreground and it has dependents: foreground delete',
      item: obj('d'),
      refs: classified(['o', 'waiting']),
      dependents: [{ deletingDependents: false }],
      action: { type: 'delete', propagationPolicy: 'Foreground', unblockOwnerReferences: false },
    },
    {
      name: 'a dependent of its own also deletes in the foreground: unblock first (cycle)',
      item: obj('d'),
      refs: classified(['o', 'waiting']),
      dependents: [{ deletingDependents: true }],
      action: { type: 'delete', propagationPolicy: 'Foreground', unblockOwnerReferences: true },
    },
    {
      name: 'an orphan finalizer it already has is honoured',
      item: obj('d', { finalizers: ['orphan'] }),
      refs: classified(['o', 'dangling']),
      action: { type: 'delete', propagationPolicy: 'Orphan', unblockOwnerReferences: false },
    },
    {
      name: 'a foregroundDeletion finalizer it already has is honoured',
      item: obj('d', { finalizers: ['foregroundDeletion'] }),
      refs: classified(['o', 'dangling']),
      action: { type: 'delete', propagationPolicy: 'Foreground', unblockOwnerReferences: false },
    },
    {
      name: 'already being deleted: nothing',
      item: obj('d', { deletionTimestamp: DELETED, finalizers: ['example.com/x'] }),
      refs: classified(['o', 'dangling']),
      action: { type: 'none' },
    },
  ];
  it.each(cases)('$name', ({ item, refs, dependents, action }) => {
    expect(planDependent(item, refs, dependents ?? noDependents)).toEqual(action);
  });
});

describe('planDeletingOwner', () => {
  const dep = (uid: string, extra: Partial<DependentView> = {}): DependentView => ({
    uid,
    blocking: false,
    deletingDependents: false,
    beingDeleted: false,
    ...extra,
  });
  const cases: { name: string; owner: ApiObject; dependents: DependentView[]; steps: OwnerStep[] }[] = [
    { name: 'not being deleted', owner: obj('o'), dependents: [dep('a')], steps: [] },
    { name: 'being deleted without our finalizers', owner: obj('o', { deletionTimestamp: DELETED, finalizers: ['x.io/y'] }), dependents: [dep('a')], steps: [] },
    {
      name: 'orphan: dependents lose the reference, then the finalizer goes',
      owner: obj('o', { deletionTimestamp: DELETED, finalizers: ['orphan'] }),
      dependents: [dep('a'), dep('b', { blocking: true })],
      steps: [
        { type: 'orphanDependents', dependentUids: ['a', 'b'] },
        { type: 'removeFinalizer', finalizer: 'orphan' },
      ],
    },
    {
      name: 'orphan without dependents: just the finalizer',
      owner: obj('o', { deletionTimestamp: DELETED, finalizers: ['orphan'] }),
      dependents: [],
      steps: [{ type: 'removeFinalizer', finalizer: 'orphan' }],
    },
    {
      name: 'foreground with no blocking dependent: the finalizer goes',
      owner: obj('o', { deletionTimestamp: DELETED, finalizers: ['foregroundDeletion'] }),
      dependents: [dep('a')],
      steps: [{ type: 'removeFinalizer', finalizer: 'foregroundDeletion' }],
    },
    {
      name: 'foreground with blocking dependents: look at those not already going',
      owner: obj('o', { deletionTimestamp: DELETED, finalizers: ['foregroundDeletion'] }),
      dependents: [
        dep('a', { blocking: true }),
        dep('b', { blocking: true, deletingDependents: true, beingDeleted: true }),
        dep('c', { blocking: true, beingDeleted: true }),
        dep('d'),
      ],
      steps: [{ type: 'enqueue', uids: ['a'] }],
    },
    {
      name: 'foreground waiting only on dependents already going: nothing to do yet',
      owner: obj('o', { deletionTimestamp: DELETED, finalizers: ['foregroundDeletion'] }),
      dependents: [dep('c', { blocking: true, beingDeleted: true })],
      steps: [],
    },
  ];
  it.each(cases)('$name', ({ owner, dependents, steps }) => {
    expect(planDeletingOwner(owner, dependents)).toEqual(steps);
  });
});

describe('graph and plan together', () => {
  // What one sync decides for `uid`, given the live objects (as the controller's GETs see them).
  function decide(g: OwnershipGraph, live: Map<string, ApiObject>, uid: string): DependentAction | OwnerStep[] | 'gone' {
    const node = g.get(uid);
    const latest = live.get(uid);
    if (!node || !latest) return 'gone';
    if (latest.metadata?.deletionTimestamp) {
      return planDeletingOwner(
        latest,
        [...node.dependents].map((d) => ({
          uid: d.uid,
          blocking: d.referenceTo(uid)?.blockOwnerDeletion === true,
          deletingDependents: d.deletingDependents,
          beingDeleted: d.beingDeleted,
        })),
      );
    }
    const refs = (latest.metadata?.ownerReferences ?? []).map((r) => ({ ref: r, state: ownerState(r, live.get(r.uid ?? '')) }));
    return planDependent(latest, refs, [...node.dependents]);
  }

  function world(objects: ApiObject[]): { g: OwnershipGraph; live: Map<string, ApiObject> } {
    const g = new OwnershipGraph();
    const live = new Map<string, ApiObject>();
    for (const o of objects) {
      const meta = o.metadata ?? {};
      const identity: ObjectIdentity = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: meta.name ?? '', uid: meta.uid ?? '' };
      g.observe(identity, meta);
      live.set(identity.uid, o);
    }
    return { g, live };
  }

  it('a chain deleted in the foreground: the middle goes in the foreground, the owner waits', () => {
    const owner = obj('owner', { deletionTimestamp: DELETED, finalizers: ['foregroundDeletion'] });
    const middle = obj('middle', { ownerReferences: [ref('owner', { blockOwnerDeletion: true })] });
    const leaf = obj('leaf', { ownerReferences: [ref('middle', { blockOwnerDeletion: true })] });
    const { g, live } = world([middle, leaf, owner]);
    expect(decide(g, live, 'owner')).toEqual([{ type: 'enqueue', uids: ['middle'] }]);
    expect(decide(g, live, 'middle')).toEqual({ type: 'delete', propagationPolicy: 'Foreground', unblockOwnerReferences: false });
    expect(decide(g, live, 'leaf')).toEqual({ type: 'none' });

    // The middle now deletes in the foreground: the leaf goes, then the middle, then the owner.
    const middleDeleting = { ...middle, metadata: { ...middle.metadata, deletionTimestamp: DELETED, finalizers: ['foregroundDeletion'] } };
    live.set('middle', middleDeleting);
    expect(g.observe({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'name-middle', uid: 'middle' }, middleDeleting.metadata).sort()).toEqual([
      'leaf',
      'middle',
    ]);
    expect(decide(g, live, 'leaf')).toEqual({ type: 'delete', propagationPolicy: 'Background', unblockOwnerReferences: false });
    expect(decide(g, live, 'owner')).toEqual([]);
    live.delete('leaf');
    expect(g.remove('leaf')).toEqual(['middle']);
    expect(decide(g, live, 'middle')).toEqual([{ type: 'removeFinalizer', finalizer: 'foregroundDeletion' }]);
    live.delete('middle');
    expect(g.remove('middle')).toEqual(['owner']);
    expect(decide(g, live, 'owner')).toEqual([{ type: 'removeFinalizer', finalizer: 'foregroundDeletion' }]);
  });

  it('a dependent with two owners survives losing one', () => {
    const { g, live } = world([obj('o1'), obj('o2'), obj('d', { ownerReferences: [ref('o1'), ref('o2')] })]);
    live.delete('o1');
    expect(g.remove('o1')).toEqual(['d']);
    expect(decide(g, live, 'd')).toEqual({ type: 'removeOwnerReferences', ownerUids: ['o1'] });
  });
});

describe('the kinds collected', () => {
  const all = defaultScheme().all();
  it('leaves out subresource bodies, Events and Leases', () => {
    const kinds = garbageCollectedKinds(all).map((k) => k.kind);
    expect(kinds).toEqual(expect.arrayContaining(['ConfigMap', 'Secret', 'Pod', 'ReplicaSet', 'Deployment', 'Namespace', 'Node']));
    for (const kind of ['Binding', 'Scale', 'Event', 'Lease']) expect(kinds).not.toContain(kind);
  });
  it('knows Binding and Scale are not stored', () => {
    expect(all.filter((k) => !isStoredKind(k, all)).map((k) => k.kind).sort()).toEqual(['Binding', 'Scale']);
  });
});
