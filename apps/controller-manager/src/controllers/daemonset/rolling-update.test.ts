import { describe, expect, it } from 'vitest';
import type { appsv1, corev1, IntOrString } from '@minik8s/api';
import { allowsSurge, findUpdatedPodsOnNode, planRollingUpdate, scaledValue, updateLimits, type UpdateLimits } from './rolling-update';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const NEW = 'newhash';
const OLD = 'oldhash';

const int = (n: number): IntOrString => ({ type: 0, intVal: n });
const pct = (s: string): IntOrString => ({ type: 1, strVal: s });

function ds(rollingUpdate: appsv1.RollingUpdateDaemonSet | undefined, type = 'RollingUpdate'): appsv1.DaemonSet {
  return { metadata: { name: 'agent' }, spec: { updateStrategy: { type, rollingUpdate } } };
}

describe('scaledValue', () => {
  it.each<{ value: IntOrString | undefined; total: number; up: boolean; want: number }>([
    { value: int(3), total: 10, up: true, want: 3 },
    { value: pct('10%'), total: 10, up: true, want: 1 },
    { value: pct('10%'), total: 11, up: true, want: 2 },
    { value: pct('10%'), total: 11, up: false, want: 1 },
    { value: pct('25%'), total: 3, up: true, want: 1 },
    { value: pct('0%'), total: 50, up: true, want: 0 },
    { value: pct('100%'), total: 7, up: true, want: 7 },
    { value: undefined, total: 7, up: true, want: 0 },
  ])('$value of $total (round up $up) = $want', ({ value, total, up, want }) => {
    expect(scaledValue(value, total, up)).toBe(want);
  });

  it('rejects a string that is not a percentage', () => {
    expect(() => scaledValue(pct('3'), 10, true)).toThrow('string is not a percentage');
  });
});

describe('updateLimits', () => {
  it.each<{ name: string; ds: appsv1.DaemonSet; desired: number; want: UpdateLimits }>([
    { name: 'default maxUnavailable 1', ds: ds({ maxUnavailable: int(1), maxSurge: int(0) }), desired: 5, want: { maxSurge: 0, maxUnavailable: 1 } },
    { name: 'a number', ds: ds({ maxUnavailable: int(3) }), desired: 5, want: { maxSurge: 0, maxUnavailable: 3 } },
    { name: 'a percentage of desired, rounded up', ds: ds({ maxUnavailable: pct('30%') }), desired: 5, want: { maxSurge: 0, maxUnavailable: 2 } },
    { name: '0% becomes 1 rather than stalling', ds: ds({ maxUnavailable: pct('0%'), maxSurge: int(0) }), desired: 5, want: { maxSurge: 0, maxUnavailable: 1 } },
    { name: 'no rollingUpdate at all', ds: ds(undefined), desired: 5, want: { maxSurge: 0, maxUnavailable: 1 } },
    { name: 'surge', ds: ds({ maxUnavailable: int(0), maxSurge: pct('50%') }), desired: 5, want: { maxSurge: 3, maxUnavailable: 0 } },
    { name: 'nothing desired', ds: ds({ maxUnavailable: pct('50%') }), desired: 0, want: { maxSurge: 0, maxUnavailable: 0 } },
    { name: 'OnDelete', ds: ds(undefined, 'OnDelete'), desired: 5, want: { maxSurge: 0, maxUnavailable: 0 } },
  ])('$name', ({ ds: d, desired, want }) => {
    expect(updateLimits(d, desired)).toEqual(want);
  });

  it('allowsSurge only for a rolling update with maxSurge', () => {
    expect(allowsSurge(ds({ maxSurge: int(1) }))).toBe(true);
    expect(allowsSurge(ds({ maxSurge: int(0) }))).toBe(false);
    expect(allowsSurge(ds({ maxSurge: int(1) }, 'OnDelete'))).toBe(false);
  });
});

interface P {
  hash?: string;
  ready?: boolean;
  deleting?: boolean;
}

function pod(name: string, p: P = {}): corev1.Pod {
  return {
    metadata: {
      name,
      uid: `uid-${name}`,
      labels: { 'controller-revision-hash': p.hash ?? OLD },
      deletionTimestamp: p.deleting ? '2024-05-01T12:00:00Z' : undefined,
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: p.ready === false ? 'False' : 'True', lastTransitionTime: '2024-05-01T11:00:00Z' }] },
  };
}

function plan(nodes: Record<string, corev1.Pod[]>, limits: UpdateLimits, shouldRun: (n: string) => boolean = () => true): { deleted: string[]; created: string[] } {
  const nodeToPods = new Map(Object.entries(nodes));
  const result = planRollingUpdate({
    nodeToPods,
    shouldRun,
    desired: [...nodeToPods.keys()].filter(shouldRun).length,
    limits,
    hash: NEW,
    generation: undefined,
    minReadySeconds: 0,
    nowMs: NOW,
  });
  return { deleted: result.podsToDelete.map((p) => p.metadata?.name ?? ''), created: result.nodesToCreate };
}

describe('planRollingUpdate without surge', () => {
  const one: UpdateLimits = { maxSurge: 0, maxUnavailable: 1 };
  const two: UpdateLimits = { maxSurge: 0, maxUnavailable: 2 };

  it.each<{ name: string; nodes: Record<string, corev1.Pod[]>; limits: UpdateLimits; deleted: string[] }>([
    { name: 'all old and available: one node first (by name)', nodes: { a: [pod('a1')], b: [pod('b1')], c: [pod('c1')] }, limits: one, deleted: ['a1'] },
    { name: 'maxUnavailable 2: two nodes at once', nodes: { a: [pod('a1')], b: [pod('b1')], c: [pod('c1')] }, limits: two, deleted: ['a1', 'b1'] },
    { name: 'a node with an unavailable new pod uses the budget', nodes: { a: [pod('a2', { hash: NEW, ready: false })], b: [pod('b1')], c: [pod('c1')] }, limits: one, deleted: [] },
    { name: 'a node with an available new pod frees it', nodes: { a: [pod('a2', { hash: NEW })], b: [pod('b1')], c: [pod('c1')] }, limits: one, deleted: ['b1'] },
    { name: 'a node waiting for its pod (old one deleting) uses the budget', nodes: { a: [pod('a1', { deleting: true })], b: [pod('b1')] }, limits: one, deleted: [] },
    { name: 'a node with no pod yet uses the budget', nodes: { a: [], b: [pod('b1')] }, limits: one, deleted: [] },
    {
      name: 'unavailable old pods are replaced regardless of the budget',
      nodes: { a: [pod('a1', { ready: false })], b: [pod('b1', { ready: false })], c: [pod('c1')] },
      limits: one,
      deleted: ['a1', 'b1'],
    },
    { name: 'a node with two old pods is left to manage and counts as unavailable', nodes: { a: [pod('a1'), pod('a9')], b: [pod('b1')] }, limits: one, deleted: [] },
    { name: 'everything updated: nothing to do', nodes: { a: [pod('a2', { hash: NEW })], b: [pod('b2', { hash: NEW })] }, limits: one, deleted: [] },
    { name: 'old and new on one node count as unavailable', nodes: { a: [pod('a1'), pod('a2', { hash: NEW })], b: [pod('b1')] }, limits: one, deleted: [] },
  ])('$name', ({ nodes, limits, deleted }) => {
    expect(plan(nodes, limits)).toEqual({ deleted, created: [] });
  });

  it('rolls node by node: each step frees the next node only once the previous is available', () => {
    const nodes: Record<string, corev1.Pod[]> = { a: [pod('a1')], b: [pod('b1')], c: [pod('c1')] };
    const one1: UpdateLimits = { maxSurge: 0, maxUnavailable: 1 };
    const order: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      const step = plan(nodes, one1);
      expect(step.deleted).toEqual([`${name}1`]);
      order.push(...step.deleted);
      // Deleting: nothing more this round.
      nodes[name] = [pod(`${name}1`, { deleting: true })];
      expect(plan(nodes, one1).deleted).toEqual([]);
      // Replaced, not ready yet: still nothing.
      nodes[name] = [pod(`${name}2`, { hash: NEW, ready: false })];
      expect(plan(nodes, one1).deleted).toEqual([]);
      // Ready: the next node's turn.
      nodes[name] = [pod(`${name}2`, { hash: NEW })];
    }
    expect(order).toEqual(['a1', 'b1', 'c1']);
    expect(plan(nodes, one1).deleted).toEqual([]);
  });
});

describe('planRollingUpdate with surge', () => {
  const surge1: UpdateLimits = { maxSurge: 1, maxUnavailable: 0 };

  it.each<{ name: string; nodes: Record<string, corev1.Pod[]>; limits: UpdateLimits; want: { deleted: string[]; created: string[] }; shouldRun?: (n: string) => boolean }>([
    { name: 'surges onto maxSurge nodes', nodes: { a: [pod('a1')], b: [pod('b1')] }, limits: surge1, want: { deleted: [], created: ['a'] } },
    { name: 'waits while a surged pod is not available', nodes: { a: [pod('a1'), pod('a2', { hash: NEW, ready: false })], b: [pod('b1')] }, limits: surge1, want: { deleted: [], created: [] } },
    { name: 'deletes the old pod once the new one is available', nodes: { a: [pod('a1'), pod('a2', { hash: NEW })], b: [pod('b1')] }, limits: surge1, want: { deleted: ['a1'], created: ['b'] } },
    { name: 'replaces an unavailable old pod at once', nodes: { a: [pod('a1', { ready: false })], b: [pod('b1', { ready: false })] }, limits: surge1, want: { deleted: [], created: ['a', 'b'] } },
    {
      name: 'an unavailable old pod where it no longer belongs just goes',
      nodes: { a: [pod('a1', { ready: false })], b: [pod('b1')] },
      limits: surge1,
      shouldRun: (n) => n !== 'a',
      want: { deleted: ['a1'], created: ['b'] },
    },
  ])('$name', ({ nodes, limits, want, shouldRun }) => {
    expect(plan(nodes, limits, shouldRun)).toEqual(want);
  });
});

describe('findUpdatedPodsOnNode', () => {
  it('ignores pods being deleted and refuses duplicates', () => {
    expect(findUpdatedPodsOnNode([pod('a1', { deleting: true }), pod('a2', { hash: NEW })], NEW, undefined)).toEqual({ newPod: pod('a2', { hash: NEW }) });
    expect(findUpdatedPodsOnNode([pod('a1'), pod('a3')], NEW, undefined)).toBeUndefined();
  });

  it('counts a pod of the current template generation as new', () => {
    const p = pod('a1');
    p.metadata = { ...p.metadata, labels: { 'pod-template-generation': '4' } };
    expect(findUpdatedPodsOnNode([p], NEW, 4)).toEqual({ newPod: p });
    expect(findUpdatedPodsOnNode([p], NEW, 5)).toEqual({ oldPod: p });
  });
});
