import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { parseTime } from './node-health';
import { desiredNodeTaints, matchingTolerations, minTolerationMs, reconcileNodeTaints, toleratesTaint, withDefaultTolerations } from './taints';

const taint = (key: string, effect = 'NoExecute', value?: string): corev1.Taint => ({ key, effect, value });

describe('toleratesTaint', () => {
  it.each<[string, corev1.Toleration, corev1.Taint, boolean]>([
    ['Exists on the key', { key: 'k', operator: 'Exists' }, taint('k'), true],
    ['Equal with the value', { key: 'k', operator: 'Equal', value: 'v' }, taint('k', 'NoExecute', 'v'), true],
    ['Equal with another value', { key: 'k', operator: 'Equal', value: 'v' }, taint('k', 'NoExecute', 'w'), false],
    ['empty operator means Equal', { key: 'k', value: '' }, taint('k'), true],
    ['another effect', { key: 'k', operator: 'Exists', effect: 'NoSchedule' }, taint('k'), false],
    ['empty key and Exists tolerate everything', { operator: 'Exists' }, taint('anything'), true],
    ['another key', { key: 'j', operator: 'Exists' }, taint('k'), false],
    ['an unknown operator', { key: 'k', operator: 'Gt', value: '1' }, taint('k', 'NoExecute', '2'), false],
  ])('%s', (_name, toleration, t, expected) => {
    expect(toleratesTaint(toleration, t)).toBe(expected);
  });
});

describe('matchingTolerations and minTolerationMs', () => {
  it('needs every taint tolerated and reports the first match of each', () => {
    const tolerations: corev1.Toleration[] = [
      { key: 'a', operator: 'Exists', tolerationSeconds: 30 },
      { key: 'a', operator: 'Exists' },
    ];
    expect(matchingTolerations([taint('a')], tolerations)).toEqual({ allTolerated: true, used: [tolerations[0]] });
    expect(matchingTolerations([taint('a'), taint('b')], tolerations).allTolerated).toBe(false);
    expect(matchingTolerations([], []).allTolerated).toBe(true);
  });

  it('takes the least limit, 0 for none or a non-positive one, -1 for no limit', () => {
    expect(minTolerationMs([{ tolerationSeconds: 30 }, { tolerationSeconds: 10 }, {}])).toBe(10_000);
    expect(minTolerationMs([{}, {}])).toBe(-1);
    expect(minTolerationMs([{ tolerationSeconds: -5 }, { tolerationSeconds: 10 }])).toBe(0);
    expect(minTolerationMs([])).toBe(0);
  });
});

describe('withDefaultTolerations', () => {
  it('adds not-ready and unreachable for a pod that has neither', () => {
    expect(withDefaultTolerations(undefined, 300)).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });

  it('adds nothing a wildcard or own toleration already covers', () => {
    expect(withDefaultTolerations([{ operator: 'Exists' }], 300)).toEqual([{ operator: 'Exists' }]);
    const own: corev1.Toleration = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 5 };
    expect(withDefaultTolerations([own], 300).map((t) => t.key)).toEqual(['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']);
    // A NoSchedule toleration does not count.
    expect(withDefaultTolerations([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }], 300)).toHaveLength(3);
  });
});

describe('node taints from conditions', () => {
  const node = (conditions: Record<string, string>, spec: corev1.NodeSpec = {}): corev1.Node => ({
    metadata: { name: 'n' },
    spec,
    status: { conditions: Object.entries(conditions).map(([type, status]) => ({ type, status })) },
  });

  it('maps conditions to taints', () => {
    expect(desiredNodeTaints(node({ Ready: 'False', DiskPressure: 'True' }))).toEqual([
      { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
    ]);
    expect(desiredNodeTaints(node({ Ready: 'True', NetworkUnavailable: 'True' }, { unschedulable: true }))).toEqual([
      { key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
    ]);
  });

  it('reconciles only its own taints and reports no change as undefined', () => {
    const mine = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: 'earlier' };
    const theirs = { key: 'dedicated', effect: 'NoExecute' };
    expect(reconcileNodeTaints(node({ Ready: 'True' }, { taints: [mine, theirs] }), 'now')).toEqual([theirs]);
    expect(reconcileNodeTaints(node({ Ready: 'True' }, { taints: [theirs] }), 'now')).toBeUndefined();
    expect(reconcileNodeTaints(node({ Ready: 'Unknown' }, { taints: [mine] }), 'now')).toEqual([mine, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: 'now' }]);
  });

  it('leaves NoExecute taints of a node with no Ready condition as they are', () => {
    const t = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };
    expect(reconcileNodeTaints({ metadata: { name: 'n' }, spec: { taints: [t] } }, 'now')).toBeUndefined();
  });
});

describe('parseTime', () => {
  it('reads Time and MicroTime, keeping microseconds', () => {
    const base = Date.parse('2024-05-01T12:00:00Z');
    expect(parseTime('2024-05-01T12:00:00Z')).toBe(base);
    expect(parseTime('2024-05-01T12:00:00.123456Z')).toBeCloseTo(base + 123.456, 6);
    expect(parseTime('2024-05-01T14:00:00+02:00')).toBe(base);
    expect((parseTime('2024-05-01T12:00:00.000001Z') ?? 0) > (parseTime('2024-05-01T12:00:00Z') ?? 0)).toBe(true);
    expect(parseTime('')).toBeUndefined();
    expect(parseTime('yesterday')).toBeUndefined();
  });
});
