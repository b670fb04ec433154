import { describe, expect, it } from 'vitest';
import type { appsv1, corev1, IntOrString } from '@minik8s/api';
import {
  isSaturated,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  oldPodsRunning,
  planOldScaleDown,
  planProportionalScale,
  proportion,
  resolveFenceposts,
  roundHalfAwayFromZero,
  scaledValue,
} from './rollout-math';

const int = (intVal: number): IntOrString => ({ type: 0, intVal });
const pct = (strVal: string): IntOrString => ({ type: 1, strVal });

function deployment(replicas: number, surge: IntOrString | undefined, unavailable: IntOrString | undefined, type = 'RollingUpdate', statusReplicas?: number): appsv1.Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: {
      replicas,
      strategy: type === 'RollingUpdate' ? { type, rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } : { type },
    },
    status: statusReplicas === undefined ? {} : { replicas: statusReplicas },
  };
}

let created = 0;
function rs(name: string, replicas: number, extra: { available?: number; max?: number; desired?: number; age?: number; statusReplicas?: number } = {}): appsv1.ReplicaSet {
  const annotations: Record<string, string> = {};
  if (extra.max !== undefined) annotations['deployment.kubernetes.io/max-replicas'] = String(extra.max);
  if (extra.desired !== undefined) annotations['deployment.kubernetes.io/desired-replicas'] = String(extra.desired);
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      // Larger age: older. Without one, later fixtures are newer.
      creationTimestamp: new Date(Date.parse('2024-05-01T12:00:00Z') - (extra.age ?? -(created++)) * 1000).toISOString(),
      annotations,
    },
    spec: { replicas },
    status: { replicas: extra.statusReplicas ?? replicas, availableReplicas: extra.available ?? 0 },
  };
}

describe('scaledValue (intstr.GetScaledValueFromIntOrPercent)', () => {
  const cases: { value: IntOrString; total: number; roundUp: boolean; want: number }[] = [
    { value: int(2), total: 10, roundUp: true, want: 2 },
    { value: int(0), total: 10, roundUp: false, want: 0 },
    { value: pct('25%'), total: 3, roundUp: true, want: 1 },
    { value: pct('25%'), total: 3, roundUp: false, want: 0 },
    { value: pct('25%'), total: 10, roundUp: true, want: 3 },
    { value: pct('25%'), total: 10, roundUp: false, want: 2 },
    { value: pct('100%'), total: 7, roundUp: false, want: 7 },
    { value: pct('50%'), total: 4, roundUp: true, want: 2 },
    { value: pct('1%'), total: 150, roundUp: true, want: 2 },
    { value: pct('1%'), total: 150, roundUp: false, want: 1 },
  ];
  it.each(cases)('$value of $total, roundUp=$roundUp → $want', ({ value, total, roundUp, want }) => {
    expect(scaledValue(value, total, roundUp)).toBe(want);
  });

  it('rejects a string that is not a percentage, and nothing at all', () => {
    expect(() => scaledValue(pct('abc'), 10, true)).toThrow(/not a percentage/);
    expect(() => scaledValue(pct('10'), 10, true)).toThrow(/not a percentage/);
    expect(() => scaledValue(undefined, 10, true)).toThrow(/nil value/);
  });
});

describe('resolveFenceposts: surge rounds up, unavailable down, never both zero', () => {
  const cases: { name: string; surge?: IntOrString; unavailable?: IntOrString; desired: number; want: [number, number] }[] = [
    { name: 'the defaults (25%/25%) of 3', surge: pct('25%'), unavailable: pct('25%'), desired: 3, want: [1, 0] },
    { name: 'the defaults of 4', surge: pct('25%'), unavailable: pct('25%'), desired: 4, want: [1, 1] },
    { name: 'the defaults of 10', surge: pct('25%'), unavailable: pct('25%'), desired: 10, want: [3, 2] },
    { name: 'numbers', surge: int(1), unavailable: int(0), desired: 3, want: [1, 0] },
    { name: '0% and 1% of 2: one may be unavailable', surge: pct('0%'), unavailable: pct('1%'), desired: 2, want: [0, 1] },
    { name: '1% surge of 2 rounds up', surge: pct('1%'), unavailable: pct('25%'), desired: 2, want: [1, 0] },
    { name: 'absent values are 0, so unavailable becomes 1', desired: 5, want: [0, 1] },
    { name: 'of 0 replicas', surge: pct('25%'), unavailable: pct('25%'), desired: 0, want: [0, 1] },
  ];
  it.each(cases)('$name', ({ surge, unavailable, desired, want }) => {
    const { surge: s, unavailable: u } = resolveFenceposts(surge, unavailable, desired);
    expect([s, u]).toEqual(want);
  });
});

describe('maxSurge and maxUnavailable of a Deployment', () => {
  const cases: { name: string; d: appsv1.Deployment; surge: number; unavailable: number }[] = [
    { name: 'rolling 25%/25% of 10', d: deployment(10, pct('25%'), pct('25%')), surge: 3, unavailable: 2 },
    { name: 'maxUnavailable is capped at replicas', d: deployment(3, int(0), int(5)), surge: 0, unavailable: 3 },
    { name: 'no unavailability with 0 replicas', d: deployment(0, int(1), int(1)), surge: 1, unavailable: 0 },
    { name: 'Recreate has neither', d: deployment(3, undefined, undefined, 'Recreate'), surge: 0, unavailable: 0 },
  ];
  it.each(cases)('$name', ({ d, surge, unavailable }) => {
    expect(maxSurge(d)).toBe(surge);
    expect(maxUnavailable(d)).toBe(unavailable);
  });
});

describe('newRSNewReplicas: how far the new ReplicaSet grows in one step', () => {
  const cases: { name: string; d: appsv1.Deployment; newReplicas: number; oldReplicas: number; want: number }[] = [
    { name: 'a first rollout of 3 (25% surge) starts at full size', d: deployment(3, pct('25%'), pct('25%')), newReplicas: 0, oldReplicas: 0, want: 3 },
    { name: 'surge 1 over 3 old: one new pod', d: deployment(3, int(1), int(0)), newReplicas: 0, oldReplicas: 3, want: 1 },
    { name: 'at the surge limit: no growth', d: deployment(3, int(1), int(0)), newReplicas: 1, oldReplicas: 3, want: 1 },
    { name: 'old scaled down by one: one more', d: deployment(3, int(1), int(0)), newReplicas: 1, oldReplicas: 2, want: 2 },
    { name: 'never beyond spec.replicas', d: deployment(6, int(10), int(0)), newReplicas: 2, oldReplicas: 4, want: 6 },
    { name: 'above the limit already stays', d: deployment(1, int(1), int(0)), newReplicas: 5, oldReplicas: 1, want: 5 },
    { name: '10 with surge 3 over 10 old', d: deployment(10, int(3), int(2)), newReplicas: 0, oldReplicas: 10, want: 3 },
    { name: 'Recreate: all at once', d: deployment(3, undefined, undefined, 'Recreate'), newReplicas: 1, oldReplicas: 1, want: 3 },
  ];
  it.each(cases)('$name', ({ d, newReplicas, oldReplicas, want }) => {
    const newRS = rs('new', newReplicas);
    expect(newRSNewReplicas(d, [rs('old', oldReplicas), newRS], newRS)).toBe(want);
  });

  it('refuses an unknown strategy', () => {
    const newRS = rs('new', 0);
    expect(() => newRSNewReplicas(deployment(3, undefined, undefined, 'BlueGreen'), [newRS], newRS)).toThrow(/isn't supported/);
  });
});

describe('planOldScaleDown: how far old ReplicaSets shrink in one step', () => {
  const cases: {
    name: string;
    d: appsv1.Deployment;
    olds: appsv1.ReplicaSet[];
    newRS: appsv1.ReplicaSet;
    want: { name: string; replicas: number; phase: string }[];
  }[] = [
    {
      name: 'a new pod available over maxUnavailable 0: one old goes',
      d: deployment(3, int(1), int(0)),
      olds: [rs('old', 3, { available: 3 })],
      newRS: rs('new', 1, { available: 1 }),
      want: [{ name: 'old', replicas: 2, phase: 'scaleDown' }],
    },
    {
      name: 'the new pod not yet available: nothing',
      d: deployment(3, int(1), int(0)),
      olds: [rs('old', 3, { available: 3 })],
      newRS: rs('new', 1, { available: 0 }),
      want: [],
    },
    {
      name: '10 replicas, surge 3, unavailable 2, new pods not available: 2 old pods go',
      d: deployment(10, int(3), int(2)),
      olds: [rs('old', 10, { available: 10 })],
      newRS: rs('new', 3, { available: 0 }),
      want: [{ name: 'old', replicas: 8, phase: 'scaleDown' }],
    },
    {
      name: 'unhealthy old pods are cleaned up first, without touching availability',
      d: deployment(10, int(3), int(2)),
      olds: [rs('old', 10, { available: 7 })],
      newRS: rs('new', 3, { available: 0 }),
      want: [{ name: 'old', replicas: 8, phase: 'cleanup' }],
    },
    {
      name: 'cleanup, then available pods, of the same ReplicaSet',
      d: deployment(5, int(0), int(2)),
      olds: [rs('old', 5, { available: 4 })],
      newRS: rs('new', 0),
      want: [
        { name: 'old', replicas: 4, phase: 'cleanup' },
        { name: 'old', replicas: 3, phase: 'scaleDown' },
      ],
    },
    {
      name: 'the oldest ReplicaSet first',
      d: deployment(5, int(1), int(0)),
      olds: [rs('newer-old', 3, { available: 3, age: 100 }), rs('oldest', 2, { available: 2, age: 200 })],
      newRS: rs('new', 1, { available: 1, age: 0 }),
      want: [{ name: 'oldest', replicas: 1, phase: 'scaleDown' }],
    },
    {
      name: 'across ReplicaSets when one is not enough',
      d: deployment(4, int(0), int(3)),
      olds: [rs('a', 1, { available: 1, age: 200 }), rs('b', 3, { available: 3, age: 100 })],
      newRS: rs('new', 0, { age: 0 }),
      want: [
        { name: 'a', replicas: 0, phase: 'scaleDown' },
        { name: 'b', replicas: 1, phase: 'scaleDown' },
      ],
    },
    {
      // The bench's rollover: scaled down to 124, the old ReplicaSet still reports the 250 it had.
      name: 'an old status that still counts pods being deleted never grows the ReplicaSet back',
      d: deployment(1000, pct('25%'), pct('25%')),
      olds: [rs('old', 124, { available: 250 })],
      newRS: rs('new', 1000, { available: 834 }),
      want: [{ name: 'old', replicas: 0, phase: 'scaleDown' }],
    },
    {
      name: 'pods being deleted are not availability to spend',
      d: deployment(10, int(0), int(2)),
      // 6 wanted, 10 still reported: only the 6 (and the new 4) count, so 2 may go, not 6.
      olds: [rs('old', 6, { available: 10 })],
      newRS: rs('new', 4, { available: 4 }),
      want: [{ name: 'old', replicas: 4, phase: 'scaleDown' }],
    },
    {
      name: 'no old pods: nothing',
      d: deployment(3, int(1), int(0)),
      olds: [],
      newRS: rs('new', 3, { available: 3 }),
      want: [],
    },
  ];
  it.each(cases)('$name', ({ d, olds, newRS, want }) => {
    const plan = planOldScaleDown(d, [...olds, newRS], olds, newRS);
    expect(plan.map((s) => ({ name: s.rs.metadata?.name, replicas: s.replicas, phase: s.phase }))).toEqual(want);
    for (const step of plan) expect(step.replicas).toBeLessThanOrEqual(step.rs.spec?.replicas ?? 0);
  });
});

describe('proportional scaling during a rollout', () => {
  const cases: {
    name: string;
    d: appsv1.Deployment;
    sets: appsv1.ReplicaSet[];
    operation: string;
    want: Record<string, number>;
  }[] = [
    {
      // Kubernetes' documented example: a rollout stuck at 8 old + 5 new, scaled from 10 to 15.
      name: '10 → 15 with 8 old and 5 new: 3 to the old, 2 to the new',
      d: deployment(15, int(3), int(2)),
      sets: [rs('old', 8, { max: 13, age: 100 }), rs('new', 5, { max: 13, age: 0 })],
      operation: 'up',
      want: { old: 11, new: 7 },
    },
    {
      name: '10 → 5 with 8 old and 5 new',
      d: deployment(5, int(3), int(2)),
      sets: [rs('old', 8, { max: 13, age: 100 }), rs('new', 5, { max: 13, age: 0 })],
      operation: 'down',
      want: { old: 5, new: 3 },
    },
    {
      name: 'to 0: everything goes',
      d: deployment(0, int(3), int(2)),
      sets: [rs('old', 8, { max: 13, age: 100 }), rs('new', 5, { max: 13, age: 0 })],
      operation: 'down',
      want: { old: 0, new: 0 },
    },
    {
      name: 'equal sizes scaling up: the newer one first',
      d: deployment(4, int(1), int(0)),
      sets: [rs('old', 2, { max: 4, age: 100 }), rs('new', 2, { max: 4, age: 0 })],
      operation: 'up',
      want: { old: 2, new: 3 },
    },
    {
      name: 'what rounding leaves over goes to the first',
      d: deployment(4, int(0), int(1)),
      sets: [rs('a', 1, { max: 3, age: 300 }), rs('b', 1, { max: 3, age: 200 }), rs('c', 1, { max: 3, age: 100 })],
      operation: 'up',
      want: { a: 1, b: 1, c: 2 },
    },
    {
      name: 'without max-replicas, the Deployment status.replicas is the base',
      d: deployment(15, int(3), int(2), 'RollingUpdate', 13),
      sets: [rs('old', 8, { age: 100 }), rs('new', 5, { age: 0 })],
      operation: 'up',
      want: { old: 11, new: 7 },
    },
    {
      name: 'nothing to add: sizes stay',
      d: deployment(10, int(3), int(2)),
      sets: [rs('old', 8, { max: 13, age: 100 }), rs('new', 5, { max: 13, age: 0 })],
      operation: '',
      want: { old: 8, new: 5 },
    },
  ];
  it.each(cases)('$name', ({ d, sets, operation, want }) => {
    const plan = planProportionalScale(d, sets);
    expect(plan.operation).toBe(operation);
    expect(Object.fromEntries(plan.sizes.map((s) => [s.rs.metadata?.name, s.replicas]))).toEqual(want);
  });

  it('never hands out more than asked for', () => {
    const d = deployment(15, int(3), int(2));
    expect(proportion(rs('x', 8, { max: 13 }), d, 5, 0)).toBe(3);
    expect(proportion(rs('x', 8, { max: 13 }), d, 2, 0)).toBe(2);
    expect(proportion(rs('x', 8, { max: 13 }), d, 5, 5)).toBe(0);
    expect(proportion(rs('x', 0, { max: 13 }), d, 5, 0)).toBe(0);
  });

  it('rounds halves away from zero, as Go does', () => {
    expect([2.5, 3.49, -2.5, -0.4].map(roundHalfAwayFromZero)).toEqual([3, 3, -3, -0]);
  });
});

describe('isSaturated', () => {
  const d = deployment(3, int(1), int(0));
  const cases: { name: string; rs: appsv1.ReplicaSet | undefined; want: boolean }[] = [
    { name: 'sized, annotated and available', rs: rs('n', 3, { desired: 3, available: 3 }), want: true },
    { name: 'not all available', rs: rs('n', 3, { desired: 3, available: 2 }), want: false },
    { name: 'annotated for another size', rs: rs('n', 3, { desired: 4, available: 3 }), want: false },
    { name: 'without the annotation', rs: rs('n', 3, { available: 3 }), want: false },
    { name: 'no new ReplicaSet', rs: undefined, want: false },
  ];
  it.each(cases)('$name → $want', ({ rs: r, want }) => expect(isSaturated(d, r)).toBe(want));
});

describe('oldPodsRunning (Recreate)', () => {
  const pod = (phase: string): corev1.Pod => ({ metadata: { name: phase }, status: { phase } });
  const newRS = rs('new', 3);
  const old = rs('old', 0, { statusReplicas: 0 });
  const cases: { name: string; olds: appsv1.ReplicaSet[]; pods: [string, corev1.Pod[]][]; want: boolean }[] = [
    { name: 'an old ReplicaSet still reports pods', olds: [rs('old', 0, { statusReplicas: 1 })], pods: [], want: true },
    { name: 'an old pod still runs', olds: [old], pods: [['uid-old', [pod('Running')]]], want: true },
    { name: 'an old pod in Unknown counts', olds: [old], pods: [['uid-old', [pod('Unknown')]]], want: true },
    { name: 'finished old pods do not', olds: [old], pods: [['uid-old', [pod('Succeeded'), pod('Failed')]]], want: false },
    { name: 'the new ReplicaSet’s pods do not', olds: [old], pods: [['uid-new', [pod('Running')]]], want: false },
  ];
  it.each(cases)('$name', ({ olds, pods, want }) => expect(oldPodsRunning(newRS, olds, new Map(pods))).toBe(want));
});
