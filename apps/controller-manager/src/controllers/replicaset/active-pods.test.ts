import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { deleteBefore, isPodActive, isPodAvailable, podDeletionCost, podsToDelete } from './active-pods';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

function pod(name: string, p: { phase?: string; readySince?: number | 'no-time'; created?: number; deleting?: boolean; cost?: string; node?: string } = {}): corev1.Pod {
  const ready =
    p.readySince === undefined ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: p.readySince === 'no-time' ? undefined : ago(p.readySince) }];
  return {
    metadata: {
      name,
      uid: name,
      creationTimestamp: p.created === undefined ? undefined : ago(p.created),
      deletionTimestamp: p.deleting ? ago(0) : undefined,
      annotations: p.cost === undefined ? undefined : { 'controller.kubernetes.io/pod-deletion-cost': p.cost },
    },
    spec: { nodeName: p.node ?? 'n1' },
    status: { phase: p.phase ?? 'Running', conditions: ready },
  };
}

describe('isPodActive', () => {
  it.each([
    ['Running', false, true],
    ['Pending', false, true],
    ['Running', true, false],
    ['Succeeded', false, false],
    ['Failed', false, false],
  ])('phase %s, deleting %s → %s', (phase, deleting, active) => {
    expect(isPodActive(pod('p', { phase, deleting }))).toBe(active);
  });
});

describe('isPodAvailable', () => {
  it.each<[string, corev1.Pod, number, boolean]>([
    ['not ready', pod('p'), 0, false],
    ['ready, minReadySeconds 0', pod('p', { readySince: 0 }), 0, true],
    ['ready for 10s of 5', pod('p', { readySince: 10_000 }), 5, true],
    ['ready for 3s of 5', pod('p', { readySince: 3_000 }), 5, false],
    ['ready exactly 5s of 5 (strictly before now)', pod('p', { readySince: 5_000 }), 5, false],
    ['ready without a transition time', pod('p', { readySince: 'no-time' }), 5, false],
  ])('%s', (_name, p, minReadySeconds, available) => {
    expect(isPodAvailable(p, minReadySeconds, NOW)).toBe(available);
  });
});

describe('podDeletionCost', () => {
  it.each<[string | undefined, number]>([
    [undefined, 0],
    ['100', 100],
    ['-7', -7],
    ['2147483647', 2147483647],
    ['2147483648', 0],
    ['1.5', 0],
    ['abc', 0],
  ])('%s → %d', (value, cost) => {
    expect(podDeletionCost(pod('p', { cost: value }))).toBe(cost);
  });
});

describe('deleteBefore', () => {
  it('treats ages in one power-of-two bucket as equal and breaks the tie by UID', () => {
    // 100s and 101s old fall in one bucket of ns: order by UID, not by age.
    const a = pod('a', { created: 101_000 });
    const b = pod('b', { created: 100_000 });
    expect(deleteBefore(a, 0, b, 0, NOW)).toBe(true);
    expect(deleteBefore(b, 0, a, 0, NOW)).toBe(false);
  });

  it('puts a pod without a creation time first', () => {
    expect(deleteBefore(pod('z'), 0, pod('a', { created: 1000 }), 0, NOW)).toBe(true);
  });

  it('prefers the higher rank (more pods on its node)', () => {
    expect(deleteBefore(pod('a', { created: 1000 }), 3, pod('b', { created: 9_000_000 }), 1, NOW)).toBe(true);
  });
});

describe('podsToDelete', () => {
  it('returns every pod unsorted when all must go', () => {
    const pods = [pod('b'), pod('a')];
    expect(podsToDelete(pods, [], 5, NOW).map((p) => p.metadata?.name)).toEqual(['b', 'a']);
  });

  it('counts only active related pods on a node', () => {
    const crowdedButTerminating = [pod('x', { node: 'n2', deleting: true }), pod('y', { node: 'n2', phase: 'Failed' })];
    const pods = [pod('a', { node: 'n1', created: 1000 }), pod('b', { node: 'n2', created: 1000 })];
    // n1 has two active related pods, n2 one: a goes first.
    const related = [...pods, pod('z', { node: 'n1' }), ...crowdedButTerminating];
    expect(podsToDelete(pods, related, 1, NOW).map((p) => p.metadata?.name)).toEqual(['a']);
  });
});
