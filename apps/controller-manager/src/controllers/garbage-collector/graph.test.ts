import { describe, expect, it } from 'vitest';
import type { OwnerReference } from '@minik8s/api';
import { OwnershipGraph, referencesDiff, type ObjectIdentity, type ObservedMeta } from './graph';

function id(uid: string, kind = 'ConfigMap', namespace: string | undefined = 'ns'): ObjectIdentity {
  return { apiVersion: 'v1', kind, namespace, name: `name-${uid}`, uid };
}

function ref(uid: string, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: `name-${uid}`, uid, ...extra };
}

const DELETED = '2024-01-01T00:00:00Z';

function graph(): OwnershipGraph {
  // Nodes and Namespaces are cluster-scoped here; everything else is namespaced.
  return new OwnershipGraph((_, kind) => !['Node', 'Namespace'].includes(kind));
}

describe('OwnershipGraph', () => {
  it('creates a virtual owner for an unseen owner and asks for it to be verified', () => {
    const g = graph();
    expect(g.observe(id('dep'), { ownerReferences: [ref('owner')] })).toEqual(['owner']);
    const owner = g.get('owner');
    expect(owner?.virtual).toBe(true);
    expect(owner?.identity).toEqual(id('owner'));
    expect([...(owner?.dependents ?? [])].map((d) => d.uid)).toEqual(['dep']);
  });

  it('gives a virtual owner of a cluster-scoped kind no namespace', () => {
    const g = graph();
    g.observe(id('dep'), { ownerReferences: [ref('node', { kind: 'Node' })] });
    expect(g.get('node')?.identity.namespace).toBeUndefined();
  });

  it('turns a virtual owner real when an informer shows it, keeping its dependents', () => {
    const g = graph();
    g.observe(id('dep'), { ownerReferences: [ref('owner')] });
    expect(g.observe(id('owner'), {})).toEqual([]);
    expect(g.get('owner')?.virtual).toBe(false);
    expect(g.get('owner')?.dependents.size).toBe(1);
  });

  it('does not verify an owner the graph already holds', () => {
    const g = graph();
    g.observe(id('owner'), {});
    expect(g.observe(id('dep'), { ownerReferences: [ref('owner')] })).toEqual([]);
  });

  it('on removal asks about every dependent', () => {
    const g = graph();
    g.observe(id('owner'), {});
    g.observe(id('a'), { ownerReferences: [ref('owner')] });
    g.observe(id('b'), { ownerReferences: [ref('owner')] });
    expect(g.remove('owner').sort()).toEqual(['a', 'b']);
    expect(g.get('owner')).toBeUndefined();
    expect(g.remove('owner')).toEqual([]);
  });

  it('drops a virtual owner once nothing refers to it', () => {
    const g = graph();
    g.observe(id('dep'), { ownerReferences: [ref('owner')] });
    g.observe(id('dep'), { ownerReferences: [] });
    expect(g.get('owner')).toBeUndefined();
    g.observe(id('dep2'), { ownerReferences: [ref('owner2')] });
    g.remove('dep2');
    expect(g.get('owner2')).toBeUndefined();
  });

  it('starting foreground deletion asks about the owner and all its dependents, once', () => {
    const g = graph();
    g.observe(id('owner'), {});
    g.observe(id('a'), { ownerReferences: [ref('owner', { blockOwnerDeletion: true })] });
    g.observe(id('b'), { ownerReferences: [ref('owner')] });
    const foreground: ObservedMeta = { deletionTimestamp: DELETED, finalizers: ['foregroundDeletion'] };
    expect(g.observe(id('owner'), foreground).sort()).toEqual(['a', 'b', 'owner']);
    expect(g.get('owner')?.deletingDependents).toBe(true);
    expect(g.observe(id('owner'), foreground)).toEqual(['owner']);
  });

  it('asks about an owner deleted with orphan', () => {
    const g = graph();
    g.observe(id('a'), { ownerReferences: [ref('owner')] });
    g.observe(id('owner'), {});
    expect(g.observe(id('owner'), { deletionTimestamp: DELETED, finalizers: ['orphan'] })).toEqual(['owner']);
    expect(g.get('owner')?.orphaningDependents).toBe(true);
  });

  it('sees a restart: an object first listed while being deleted is acted on', () => {
    const g = graph();
    g.observe(id('a'), { ownerReferences: [ref('owner')] });
    expect(g.observe(id('owner'), { deletionTimestamp: DELETED, finalizers: ['foregroundDeletion'] }).sort()).toEqual(['a', 'owner']);
  });

  it('wakes an owner in foreground deletion when a dependent goes, drops its reference, or stops blocking', () => {
    const g = graph();
    g.observe(id('owner'), { deletionTimestamp: DELETED, finalizers: ['foregroundDeletion'] });
    g.observe(id('a'), { ownerReferences: [ref('owner', { blockOwnerDeletion: true })] });
    g.observe(id('b'), { ownerReferences: [ref('owner', { blockOwnerDeletion: true })] });
    g.observe(id('c'), { ownerReferences: [ref('owner', { blockOwnerDeletion: true })] });
    expect(g.remove('a')).toEqual(['owner']);
    expect(g.observe(id('b'), { ownerReferences: [] })).toEqual(['owner']);
    expect(g.observe(id('c'), { ownerReferences: [ref('owner', { blockOwnerDeletion: false })] })).toEqual(['owner']);
    expect(g.get('owner')?.blockingDependents()).toEqual([]);
    expect(g.get('owner')?.dependents.size).toBe(1);
  });

  it('asks about a new dependent of an owner in foreground deletion', () => {
    const g = graph();
    g.observe(id('owner'), { deletionTimestamp: DELETED, finalizers: ['foregroundDeletion'] });
    expect(g.observe(id('late'), { ownerReferences: [ref('owner')] })).toEqual(['late']);
  });

  it('tracks only blocking references as blocking dependents', () => {
    const g = graph();
    g.observe(id('owner'), {});
    g.observe(id('a'), { ownerReferences: [ref('owner', { blockOwnerDeletion: true })] });
    g.observe(id('b'), { ownerReferences: [ref('owner')] });
    expect(g.get('owner')?.blockingDependents().map((d) => d.uid)).toEqual(['a']);
  });

  it('keeps beingDeleted once set, as a one-way trip', () => {
    const g = graph();
    g.observe(id('x'), { deletionTimestamp: DELETED, finalizers: ['example.com/hold'] });
    expect(g.get('x')?.beingDeleted).toBe(true);
    expect(g.get('x')?.deletingDependents).toBe(false);
  });

  it('moves a dependent between owners', () => {
    const g = graph();
    g.observe(id('o1'), {});
    g.observe(id('o2'), {});
    g.observe(id('d'), { ownerReferences: [ref('o1')] });
    g.observe(id('d'), { ownerReferences: [ref('o2')] });
    expect(g.get('o1')?.dependents.size).toBe(0);
    expect(g.get('o2')?.dependents.size).toBe(1);
  });
});

describe('referencesDiff', () => {
  it.each([
    { name: 'nothing changed', old: [ref('a')], next: [ref('a')], added: [], removed: [], unblocked: [] },
    { name: 'one added', old: [ref('a')], next: [ref('a'), ref('b')], added: ['b'], removed: [], unblocked: [] },
    { name: 'one removed', old: [ref('a'), ref('b')], next: [ref('b')], added: [], removed: ['a'], unblocked: [] },
    {
      name: 'unblocked',
      old: [ref('a', { blockOwnerDeletion: true })],
      next: [ref('a', { blockOwnerDeletion: false })],
      added: [],
      removed: [],
      unblocked: ['a'],
    },
    { name: 'newly blocking is no unblock', old: [ref('a')], next: [ref('a', { blockOwnerDeletion: true })], added: [], removed: [], unblocked: [] },
  ])('$name', ({ old, next, added, removed, unblocked }) => {
    const diff = referencesDiff(old, next);
    expect(diff.added.map((r) => r.uid)).toEqual(added);
    expect(diff.removed.map((r) => r.uid)).toEqual(removed);
    expect(diff.unblocked.map((r) => r.uid)).toEqual(unblocked);
  });
});
