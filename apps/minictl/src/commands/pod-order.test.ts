import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { byLogging, mostActiveFirst, type PodOrder } from './pod-order';

interface Shape {
  node?: string;
  phase?: string;
  readySince?: string;
  restarts?: number;
  created?: string;
  deleted?: string;
}

function pod(name: string, s: Shape): corev1.Pod {
  return {
    metadata: { name, creationTimestamp: s.created, deletionTimestamp: s.deleted },
    spec: { nodeName: s.node },
    status: {
      phase: s.phase,
      conditions: s.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: s.readySince }] : [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'c', restartCount: s.restarts ?? 0 }],
    },
  };
}

/** The name `order` puts first, checked in both input orders (a sort must not depend on it). */
function first(order: PodOrder, pods: corev1.Pod[]): string | undefined {
  const forward = [...pods].sort(order)[0].metadata?.name;
  const backward = [...pods].reverse().sort(order)[0].metadata?.name;
  expect(backward).toBe(forward);
  return forward;
}

const T1 = '2026-01-01T00:00:01Z';
const T9 = '2026-01-01T00:00:09Z';

describe("byLogging (kubectl's podutils.ByLogging)", () => {
  it.each([
    ['a pod on a node before one on none', [pod('none', { phase: 'Running' }), pod('on-node', { node: 'n1', phase: 'Pending' })], 'on-node'],
    ['Running before Unknown before Pending', [pod('pending', { node: 'n', phase: 'Pending' }), pod('unknown', { node: 'n', phase: 'Unknown' }), pod('running', { node: 'n', phase: 'Running' })], 'running'],
    // Go's zero map value ranks Succeeded and Failed with Running.
    ['Succeeded before Unknown', [pod('unknown', { node: 'n', phase: 'Unknown' }), pod('done', { node: 'n', phase: 'Succeeded' })], 'done'],
    ['Succeeded ranks with Running (then older first)', [pod('running', { node: 'n', phase: 'Running', created: T9 }), pod('done', { node: 'n', phase: 'Succeeded', created: T1 })], 'done'],
    ['ready before not ready', [pod('not-ready', { node: 'n', phase: 'Running' }), pod('ready', { node: 'n', phase: 'Running', readySince: T1 })], 'ready'],
    ['ready longer before ready lately', [pod('lately', { node: 'n', phase: 'Running', readySince: T9 }), pod('longer', { node: 'n', phase: 'Running', readySince: T1 })], 'longer'],
    ['more restarts before fewer', [pod('calm', { node: 'n', phase: 'Running' }), pod('restarted', { node: 'n', phase: 'Running', restarts: 3 })], 'restarted'],
    ['older before newer', [pod('newer', { created: T9 }), pod('older', { created: T1 })], 'older'],
    ['a missing creation time last', [pod('unknown-age', {}), pod('dated', { created: T9 })], 'dated'],
  ])('%s', (_case, pods, expected) => {
    expect(first(byLogging, pods)).toBe(expected);
  });
});

describe("mostActiveFirst (kubectl's sort.Reverse(podutils.ActivePods), attach's order)", () => {
  it.each([
    ['a pod on a node before one on none', [pod('none', { phase: 'Running' }), pod('on-node', { node: 'n1', phase: 'Pending' })], 'on-node'],
    ['Running before Unknown before Pending', [pod('pending', { node: 'n', phase: 'Pending' }), pod('unknown', { node: 'n', phase: 'Unknown' }), pod('running', { node: 'n', phase: 'Running' })], 'running'],
    // Go's zero map value ranks Succeeded and Failed with Pending here.
    ['Unknown before Succeeded', [pod('done', { node: 'n', phase: 'Succeeded' }), pod('unknown', { node: 'n', phase: 'Unknown' })], 'unknown'],
    ['Failed ranks with Pending (then older first)', [pod('pending', { node: 'n', phase: 'Pending', created: T9 }), pod('failed', { node: 'n', phase: 'Failed', created: T1 })], 'failed'],
    ['ready before not ready', [pod('not-ready', { node: 'n', phase: 'Running' }), pod('ready', { node: 'n', phase: 'Running', readySince: T1 })], 'ready'],
    ['not deleting before deleting', [pod('deleting', { node: 'n', phase: 'Running', deleted: T1, created: T1 }), pod('staying', { node: 'n', phase: 'Running', created: T9 })], 'staying'],
    ['of two deleting, the one deleted later', [pod('sooner', { node: 'n', phase: 'Running', deleted: T1 }), pod('later', { node: 'n', phase: 'Running', deleted: T9 })], 'later'],
    ['ready longer before ready lately', [pod('lately', { node: 'n', phase: 'Running', readySince: T9 }), pod('longer', { node: 'n', phase: 'Running', readySince: T1 })], 'longer'],
    ['fewer restarts before more', [pod('restarted', { node: 'n', phase: 'Running', restarts: 3, created: T1 }), pod('calm', { node: 'n', phase: 'Running', created: T9 })], 'calm'],
    ['older before newer', [pod('newer', { created: T9 }), pod('older', { created: T1 })], 'older'],
    ['a missing creation time last', [pod('unknown-age', {}), pod('dated', { created: T9 })], 'dated'],
  ])('%s', (_case, pods, expected) => {
    expect(first(mostActiveFirst, pods)).toBe(expected);
  });
});
