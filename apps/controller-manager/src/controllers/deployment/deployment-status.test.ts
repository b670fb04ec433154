import { describe, expect, it } from 'vitest';
import type { appsv1 } from '@minik8s/api';
import {
  calculateStatus,
  formatTime,
  getCondition,
  progressCheckDelayMs,
  rolloutStatus,
  setCondition,
  statusEqual,
} from './deployment-status';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (s: number): string => formatTime(NOW - s * 1000);

function deployment(status: appsv1.DeploymentStatus = {}, extra: { replicas?: number; pds?: number; generation?: number; type?: string } = {}): appsv1.Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', generation: extra.generation ?? 2 },
    spec: {
      replicas: extra.replicas ?? 3,
      progressDeadlineSeconds: extra.pds ?? 600,
      strategy:
        extra.type === 'Recreate'
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxSurge: { type: 0, intVal: 1 }, maxUnavailable: { type: 0, intVal: 1 } } },
    },
    status,
  };
}

function rs(name: string, replicas: number, ready: number, available: number, failure?: string): appsv1.ReplicaSet {
  return {
    metadata: { name },
    spec: { replicas },
    status: {
      replicas,
      readyReplicas: ready,
      availableReplicas: available,
      conditions: failure ? [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: failure, lastTransitionTime: ago(5) }] : [],
    },
  };
}

const progressing = (reason: string, status: string, updatedAgo: number, transitionAgo = updatedAgo): appsv1.DeploymentCondition => ({
  type: 'Progressing',
  status,
  reason,
  message: 'before',
  lastUpdateTime: ago(updatedAgo),
  lastTransitionTime: ago(transitionAgo),
});

describe('calculateStatus', () => {
  it('sums the ReplicaSets and marks the Deployment available with enough available pods', () => {
    const newRS = rs('web-new', 2, 2, 1);
    const status = calculateStatus([rs('web-old', 2, 2, 2), newRS], newRS, deployment({ collisionCount: 1 }), NOW);
    expect(status).toMatchObject({ observedGeneration: 2, replicas: 4, updatedReplicas: 2, readyReplicas: 4, availableReplicas: 3, unavailableReplicas: 1, collisionCount: 1 });
    expect(getCondition(status, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
  });

  const availability: { name: string; available: number; type?: string; want: string }[] = [
    { name: 'rolling: replicas - maxUnavailable is enough', available: 2, want: 'True' },
    { name: 'rolling: fewer is not', available: 1, want: 'False' },
    { name: 'Recreate: every replica must be available', available: 2, type: 'Recreate', want: 'False' },
    { name: 'Recreate: all available', available: 3, type: 'Recreate', want: 'True' },
  ];
  it.each(availability)('Available: $name', ({ available, type, want }) => {
    const newRS = rs('web-new', 3, available, available);
    const cond = getCondition(calculateStatus([newRS], newRS, deployment({}, { type }), NOW), 'Available');
    expect(cond?.status).toBe(want);
    expect(cond?.reason).toBe(want === 'True' ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable');
  });

  it('never reports negative unavailable replicas', () => {
    const newRS = rs('web-new', 1, 3, 3);
    expect(calculateStatus([newRS], newRS, deployment(), NOW).unavailableReplicas).toBe(0);
  });
});

describe('rolloutStatus: the Progressing condition', () => {
  const cases: {
    name: string;
    d: appsv1.Deployment;
    sets: appsv1.ReplicaSet[];
    want: Partial<appsv1.DeploymentCondition> | undefined;
  }[] = [
    {
      name: 'complete: NewReplicaSetAvailable',
      d: deployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 2, conditions: [progressing('ReplicaSetUpdated', 'True', 30, 60)] }),
      sets: [rs('web-new', 3, 3, 3)],
      want: { status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "web-new" has successfully progressed.', lastTransitionTime: ago(60), lastUpdateTime: ago(0) },
    },
    {
      name: 'progress: ReplicaSetUpdated, renewing lastUpdateTime only',
      d: deployment({ replicas: 4, updatedReplicas: 1, availableReplicas: 3, conditions: [progressing('NewReplicaSetCreated', 'True', 30, 60)] }),
      sets: [rs('web-old', 3, 3, 3), rs('web-new', 1, 1, 1)],
      want: { status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-new" is progressing.', lastUpdateTime: ago(0), lastTransitionTime: ago(60) },
    },
    {
      name: 'progress after a pause: a new transition',
      d: deployment({ replicas: 4, updatedReplicas: 1, availableReplicas: 3, conditions: [progressing('DeploymentResumed', 'Unknown', 30, 30)] }),
      sets: [rs('web-old', 3, 3, 3), rs('web-new', 1, 1, 1)],
      want: { status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: ago(0), lastTransitionTime: ago(0) },
    },
    {
      name: 'no progress within the deadline: unchanged',
      d: deployment({ replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, conditions: [progressing('ReplicaSetUpdated', 'True', 30)] }),
      sets: [rs('web-old', 3, 3, 3), rs('web-new', 1, 0, 0)],
      want: { status: 'True', reason: 'ReplicaSetUpdated', message: 'before', lastUpdateTime: ago(30) },
    },
    {
      name: 'no progress past the deadline: ProgressDeadlineExceeded',
      d: deployment({ replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, conditions: [progressing('ReplicaSetUpdated', 'True', 601)] }),
      sets: [rs('web-old', 3, 3, 3), rs('web-new', 1, 0, 0)],
      want: { status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-new" has timed out progressing.', lastTransitionTime: ago(0) },
    },
    {
      name: 'a completed rollout is not looked at again',
      d: deployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 3, conditions: [progressing('NewReplicaSetAvailable', 'True', 3000)] }),
      sets: [rs('web-new', 3, 2, 2)],
      want: { reason: 'NewReplicaSetAvailable', lastUpdateTime: ago(3000) },
    },
    {
      name: 'without a deadline there is no Progressing condition',
      d: deployment({ conditions: [progressing('ReplicaSetUpdated', 'True', 30)] }, { pds: 2 ** 31 - 1 }),
      sets: [rs('web-new', 3, 3, 3)],
      want: undefined,
    },
  ];
  it.each(cases)('$name', ({ d, sets, want }) => {
    const status = rolloutStatus(sets, sets.at(-1), d, NOW);
    const cond = getCondition(status, 'Progressing');
    if (want === undefined) expect(cond).toBeUndefined();
    else expect(cond).toMatchObject(want);
  });

  it('promotes a ReplicaSet’s ReplicaFailure, and drops it once gone', () => {
    const failing = rs('web-new', 3, 0, 0, 'pods "x" is forbidden: exceeded quota');
    const status = rolloutStatus([failing], failing, deployment(), NOW);
    expect(getCondition(status, 'ReplicaFailure')).toMatchObject({ status: 'True', reason: 'FailedCreate', message: 'pods "x" is forbidden: exceeded quota' });
    const healed = rs('web-new', 3, 0, 0);
    expect(getCondition(rolloutStatus([healed], healed, { ...deployment(), status }, NOW), 'ReplicaFailure')).toBeUndefined();
  });
});

describe('progressCheckDelayMs: when a stuck rollout is looked at again', () => {
  const stuck = [rs('web-old', 3, 3, 3), rs('web-new', 1, 0, 0)];
  const cases: { name: string; d: appsv1.Deployment; want: number | undefined }[] = [
    { name: 'at the deadline', d: deployment({ conditions: [progressing('ReplicaSetUpdated', 'True', 10)] }), want: 590_000 },
    { name: 'a short deadline', d: deployment({ conditions: [progressing('NewReplicaSetCreated', 'True', 1)] }, { pds: 3 }), want: 2000 },
    { name: 'due: now', d: deployment({ conditions: [progressing('ReplicaSetUpdated', 'True', 600)] }), want: 0 },
    { name: 'timed out already: never', d: deployment({ conditions: [progressing('ProgressDeadlineExceeded', 'False', 10)] }), want: undefined },
    { name: 'no condition: never', d: deployment({}), want: undefined },
  ];
  it.each(cases)('$name', ({ d, want }) => {
    const delay = progressCheckDelayMs(d, rolloutStatus(stuck, stuck[1], d, NOW), NOW);
    expect(delay).toBe(want);
  });
});

describe('conditions', () => {
  const base: appsv1.DeploymentStatus = { conditions: [{ type: 'Available', status: 'True', reason: 'A', message: 'm', lastUpdateTime: ago(9), lastTransitionTime: ago(9) }] };
  it('a condition with the same status and reason changes nothing', () => {
    expect(setCondition(base, { type: 'Available', status: 'True', reason: 'A', message: 'other', lastUpdateTime: ago(0), lastTransitionTime: ago(0) })).toBe(base);
  });
  it('a new reason with the same status keeps the transition time', () => {
    const next = setCondition(base, { type: 'Available', status: 'True', reason: 'B', message: 'n', lastUpdateTime: ago(0), lastTransitionTime: ago(0) });
    expect(next.conditions?.[0]).toMatchObject({ reason: 'B', lastUpdateTime: ago(0), lastTransitionTime: ago(9) });
    expect(base.conditions?.[0].reason).toBe('A');
  });
  it('statusEqual treats absent counts as 0 and absent lists as empty', () => {
    expect(statusEqual({ replicas: 0, conditions: [] }, {})).toBe(true);
    expect(statusEqual({ replicas: 1 }, {})).toBe(false);
    expect(statusEqual(base, { conditions: [{ ...base.conditions![0], message: 'x' }] })).toBe(false);
  });
});
