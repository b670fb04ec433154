import { describe, expect, it } from 'vitest';
import type { appsv1 } from '@minik8s/api';
import {
  byRevision,
  lastRevision,
  maxRevision,
  replicaSetsToPrune,
  rollbackTo,
  setDeploymentAnnotationsTo,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
} from './revisions';

const REV = 'deployment.kubernetes.io/revision';
const HISTORY = 'deployment.kubernetes.io/revision-history';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';
const CAUSE = 'kubernetes.io/change-cause';

function deployment(annotations: Record<string, string> = {}, replicas = 3): appsv1.Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', annotations },
    spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { type: 1, strVal: '25%' }, maxUnavailable: { type: 1, strVal: '25%' } } } },
  };
}

function rs(name: string, annotations: Record<string, string> = {}, extra: Partial<{ replicas: number; statusReplicas: number; generation: number; observed: number; deleting: boolean; age: number }> = {}): appsv1.ReplicaSet {
  return {
    metadata: {
      name,
      annotations,
      generation: extra.generation ?? 1,
      creationTimestamp: new Date(Date.parse('2024-05-01T12:00:00Z') - (extra.age ?? 0) * 1000).toISOString(),
      deletionTimestamp: extra.deleting ? '2024-05-01T12:00:00Z' : undefined,
    },
    spec: { replicas: extra.replicas ?? 0 },
    status: { replicas: extra.statusReplicas ?? 0, observedGeneration: extra.observed ?? 1 },
  };
}

const withRev = (name: string, revision: string): appsv1.ReplicaSet => rs(name, { [REV]: revision });

describe('maxRevision and lastRevision', () => {
  const cases: { name: string; revisions: string[]; max: number; last: number }[] = [
    { name: 'none', revisions: [], max: 0, last: 0 },
    { name: 'one', revisions: ['1'], max: 1, last: 0 },
    { name: 'several, unordered', revisions: ['2', '5', '3'], max: 5, last: 3 },
    { name: 'unparsable ones are skipped', revisions: ['x', '4', '2'], max: 4, last: 2 },
    { name: 'a duplicate top', revisions: ['4', '4'], max: 4, last: 4 },
  ];
  it.each(cases)('$name', ({ revisions, max, last }) => {
    const sets = revisions.map((r, i) => withRev(`rs-${i}`, r));
    expect(maxRevision(sets)).toBe(max);
    expect(lastRevision(sets)).toBe(last);
  });
});

describe('setNewReplicaSetAnnotations', () => {
  const cases: {
    name: string;
    d: appsv1.Deployment;
    rs: Record<string, string>;
    newRevision: string;
    exists: boolean;
    changed: boolean;
    want: Record<string, string>;
  }[] = [
    {
      name: 'a ReplicaSet about to be created: revision, change-cause and replica annotations',
      d: deployment({ [CAUSE]: 'kubectl set image', [REV]: '1', 'kubectl.kubernetes.io/last-applied-configuration': '{}' }),
      rs: {},
      newRevision: '2',
      exists: false,
      changed: true,
      want: { [CAUSE]: 'kubectl set image', [REV]: '2', [DESIRED]: '3', [MAX]: '4' },
    },
    {
      name: 'an existing new ReplicaSet up to date: nothing',
      d: deployment({ [CAUSE]: 'x' }),
      rs: { [CAUSE]: 'x', [REV]: '2', [DESIRED]: '3', [MAX]: '4' },
      newRevision: '2',
      exists: true,
      changed: false,
      want: { [CAUSE]: 'x', [REV]: '2', [DESIRED]: '3', [MAX]: '4' },
    },
    {
      name: 'a revision is never lowered',
      d: deployment(),
      rs: { [REV]: '7' },
      newRevision: '3',
      exists: true,
      changed: false,
      want: { [REV]: '7' },
    },
    {
      name: 'rolled back to: the old revision joins the history',
      d: deployment(),
      rs: { [REV]: '1' },
      newRevision: '3',
      exists: true,
      changed: true,
      want: { [REV]: '3', [HISTORY]: '1' },
    },
    {
      name: 'rolled back to again: the history grows',
      d: deployment(),
      rs: { [REV]: '3', [HISTORY]: '1' },
      newRevision: '5',
      exists: true,
      changed: true,
      want: { [REV]: '5', [HISTORY]: '1,3' },
    },
    {
      name: 'a change-cause edited on the Deployment follows',
      d: deployment({ [CAUSE]: 'new cause' }),
      rs: { [CAUSE]: 'old cause', [REV]: '2' },
      newRevision: '2',
      exists: true,
      changed: true,
      want: { [CAUSE]: 'new cause', [REV]: '2' },
    },
    {
      name: 'an unparsable revision is left alone',
      d: deployment(),
      rs: { [REV]: 'abc' },
      newRevision: '2',
      exists: true,
      changed: false,
      want: { [REV]: 'abc' },
    },
  ];
  it.each(cases)('$name', ({ d, rs: annotations, newRevision, exists, changed, want }) => {
    const target = rs('new', { ...annotations });
    expect(setNewReplicaSetAnnotations(d, target, newRevision, exists)).toBe(changed);
    expect(target.metadata?.annotations).toEqual(want);
  });

  it('keeps the revision history within its length limit, dropping the oldest', () => {
    const target = rs('new', { [REV]: '30', [HISTORY]: '10,20' });
    setNewReplicaSetAnnotations(deployment(), target, '40', true, 6);
    expect(target.metadata?.annotations?.[HISTORY]).toBe('20,30');
  });
});

describe('the Deployment side', () => {
  it('setDeploymentRevision says whether it changed anything', () => {
    const d = deployment({ [REV]: '1' });
    expect(setDeploymentRevision(d, '1')).toBe(false);
    expect(setDeploymentRevision(d, '2')).toBe(true);
    expect(d.metadata?.annotations?.[REV]).toBe('2');
  });

  it('a rollback takes the ReplicaSet’s annotations but keeps the controller’s own', () => {
    const d = deployment({ [REV]: '2', [CAUSE]: 'edit', other: 'gone' });
    setDeploymentAnnotationsTo(d, rs('old', { [REV]: '1', [CAUSE]: 'create', [DESIRED]: '3' }));
    expect(d.metadata?.annotations).toEqual({ [REV]: '2', [CAUSE]: 'create' });
  });

  const rollbacks: { value: string | undefined; want: number | undefined }[] = [
    { value: undefined, want: undefined },
    { value: '', want: undefined },
    { value: '0', want: 0 },
    { value: '3', want: 3 },
    { value: 'three', want: undefined },
  ];
  it.each(rollbacks)('rollbackTo($value) → $want', ({ value, want }) => {
    expect(rollbackTo(deployment(value === undefined ? {} : { 'deprecated.deployment.rollback.to': value }))).toBe(want);
  });
});

describe('revisionHistoryLimit: which old ReplicaSets go', () => {
  const cases: { name: string; olds: appsv1.ReplicaSet[]; limit: number | undefined; want: string[] }[] = [
    { name: 'within the limit', olds: [withRev('a', '1'), withRev('b', '2')], limit: 2, want: [] },
    { name: 'the lowest revisions beyond the limit', olds: [withRev('c', '3'), withRev('a', '1'), withRev('b', '2')], limit: 1, want: ['a', 'b'] },
    { name: 'limit 0 keeps none', olds: [withRev('a', '1')], limit: 0, want: ['a'] },
    { name: 'no limit keeps all', olds: [withRev('a', '1'), withRev('b', '2')], limit: undefined, want: [] },
    {
      name: 'not one that still wants or has pods, or whose scaling is not observed',
      olds: [
        rs('wants', { [REV]: '1' }, { replicas: 1 }),
        rs('has', { [REV]: '2' }, { statusReplicas: 1 }),
        rs('unobserved', { [REV]: '3' }, { generation: 2, observed: 1 }),
        withRev('keep', '4'),
      ],
      limit: 1,
      want: [],
    },
    { name: 'ones being deleted neither count nor go', olds: [rs('going', { [REV]: '1' }, { deleting: true }), withRev('b', '2')], limit: 1, want: [] },
    { name: 'equal revisions: the older first', olds: [rs('young', { [REV]: '1' }, { age: 1 }), rs('old', { [REV]: '1' }, { age: 100 })], limit: 1, want: ['old'] },
  ];
  it.each(cases)('$name', ({ olds, limit, want }) => {
    expect(replicaSetsToPrune(olds, limit).map((x) => x.metadata?.name)).toEqual(want);
  });

  it('byRevision orders numerically', () => {
    const sorted = [withRev('ten', '10'), withRev('two', '2'), withRev('one', '1')].sort(byRevision);
    expect(sorted.map((x) => x.metadata?.name)).toEqual(['one', 'two', 'ten']);
  });
});
