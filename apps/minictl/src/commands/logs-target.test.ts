import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { byLogging } from './logs-target';

interface Shape {
  node?: string;
  phase?: string;
  readySince?: string;
  restarts?: number;
  created?: string;
}

function pod(name: string, s: Shape): corev1.Pod {
  return {
    metadata: { name, creationTimestamp: s.created },
    spec: { nodeName: s.node },
    status: {
      phase: s.phase,
      conditions: s.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: s.readySince }] : [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'c', restartCount: s.restarts ?? 0 }],
    },
  };
}

const first = (...pods: corev1.Pod[]): string | undefined => [...pods].sort(byLogging)[0].metadata?.name;

describe("byLogging (kubectl's podutils.ByLogging)", () => {
  it.each([
    ['a pod on a node before one on none', [pod('none', { phase: 'Running' }), pod('on-node', { node: 'n1', phase: 'Pending' })], 'on-node'],
    ['Running before Unknown before Pending', [pod('pending', { node: 'n', phase: 'Pending' }), pod('unknown', { node: 'n', phase: 'Unknown' }), pod('running', { node: 'n', phase: 'Running' })], 'running'],
    ['Pending ranks with Succeeded and Failed, after Unknown', [pod('done', { node: 'n', phase: 'Succeeded' }), pod('unknown', { node: 'n', phase: 'Unknown' })], 'unknown'],
    ['ready before not ready', [pod('not-ready', { node: 'n', phase: 'Running' }), pod('ready', { node: 'n', phase: 'Running', readySince: '2026-01-01T00:00:05Z' })], 'ready'],
    [
      'ready longer before ready lately',
      [pod('lately', { node: 'n', phase: 'Running', readySince: '2026-01-01T00:00:09Z' }), pod('longer', { node: 'n', phase: 'Running', readySince: '2026-01-01T00:00:01Z' })],
      'longer',
    ],
    ['more restarts before fewer', [pod('calm', { node: 'n', phase: 'Running' }), pod('restarted', { node: 'n', phase: 'Running', restarts: 3 })], 'restarted'],
    ['older before newer', [pod('newer', { created: '2026-01-01T00:00:09Z' }), pod('older', { created: '2026-01-01T00:00:01Z' })], 'older'],
    ['a missing creation time last', [pod('unknown-age', {}), pod('dated', { created: '2026-01-01T00:00:09Z' })], 'dated'],
  ])('%s', (_case, pods, expected) => {
    expect(first(...pods)).toBe(expected);
    expect(first(...[...pods].reverse())).toBe(expected);
  });
});
