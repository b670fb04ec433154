import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import {
  failedStatus,
  missingNodeNames,
  NodeQuarantine,
  ORPHANED_POD_CONDITION,
  OUT_OF_SERVICE_TAINT,
  outOfServiceTerminatingPods,
  terminatedPodsToDelete,
  unscheduledTerminatingPods,
} from './pod-gc-plan';

interface PodSpec {
  name: string;
  phase?: string;
  reason?: string;
  created?: string;
  node?: string;
  deleting?: boolean;
  namespace?: string;
}

function pod(p: PodSpec): corev1.Pod {
  return {
    metadata: {
      name: p.name,
      namespace: p.namespace ?? 'default',
      uid: `uid-${p.name}`,
      creationTimestamp: p.created ?? '2024-05-01T12:00:00Z',
      deletionTimestamp: p.deleting ? '2024-05-01T13:00:00Z' : undefined,
    },
    spec: { nodeName: p.node, containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: p.phase ?? 'Running', reason: p.reason, qosClass: 'BestEffort' },
  };
}

function node(name: string, ready: string, taints: string[] = []): corev1.Node {
  return {
    metadata: { name },
    spec: { taints: taints.map((key) => ({ key, effect: 'NoExecute' })) },
    status: { conditions: [{ type: 'Ready', status: ready }] },
  };
}

const names = (pods: corev1.Pod[]): string[] => pods.map((p) => p.metadata?.name ?? '');

describe('terminatedPodsToDelete', () => {
  const at = (minute: number): string => `2024-05-01T12:${String(minute).padStart(2, '0')}:00Z`;
  it.each<{ title: string; pods: PodSpec[]; threshold: number; want: string[] }>([
    {
      title: 'at the threshold nothing goes',
      pods: [
        { name: 'a', phase: 'Succeeded', created: at(1) },
        { name: 'b', phase: 'Failed', created: at(2) },
      ],
      threshold: 2,
      want: [],
    },
    {
      title: 'beyond it the oldest go first',
      pods: [
        { name: 'e', phase: 'Succeeded', created: at(5) },
        { name: 'a', phase: 'Succeeded', created: at(1) },
        { name: 'c', phase: 'Failed', created: at(3) },
        { name: 'b', phase: 'Succeeded', created: at(2) },
        { name: 'd', phase: 'Succeeded', created: at(4) },
      ],
      threshold: 3,
      want: ['a', 'b'],
    },
    {
      title: 'running and pending pods neither count nor go',
      pods: [
        { name: 'old-running', phase: 'Running', created: at(0) },
        { name: 'old-pending', phase: 'Pending', created: at(0) },
        { name: 'a', phase: 'Succeeded', created: at(1) },
        { name: 'b', phase: 'Succeeded', created: at(2) },
      ],
      threshold: 1,
      want: ['a'],
    },
    {
      title: 'evicted pods go before older ones',
      pods: [
        { name: 'old', phase: 'Succeeded', created: at(1) },
        { name: 'evicted', phase: 'Failed', reason: 'Evicted', created: at(9) },
        { name: 'new', phase: 'Failed', created: at(5) },
      ],
      threshold: 1,
      want: ['evicted', 'old'],
    },
    {
      title: 'the name breaks a tie of creation times',
      pods: [
        { name: 'z', phase: 'Succeeded', created: at(1) },
        { name: 'm', phase: 'Succeeded', created: at(1) },
        { name: 'a', phase: 'Succeeded', created: at(1) },
      ],
      threshold: 1,
      want: ['a', 'm'],
    },
    {
      title: 'pods of every namespace count together',
      pods: [
        { name: 'a', namespace: 'one', phase: 'Succeeded', created: at(2) },
        { name: 'b', namespace: 'two', phase: 'Succeeded', created: at(1) },
      ],
      threshold: 1,
      want: ['b'],
    },
    {
      title: 'a threshold of 0 turns the collection off',
      pods: [{ name: 'a', phase: 'Succeeded' }],
      threshold: 0,
      want: [],
    },
  ])('$title', ({ pods, threshold, want }) => {
    expect(names(terminatedPodsToDelete(pods.map(pod), threshold))).toEqual(want);
  });
});

describe('unscheduledTerminatingPods', () => {
  it.each<{ title: string; pod: PodSpec; want: boolean }>([
    { title: 'terminating and never scheduled', pod: { name: 'p', deleting: true, phase: 'Pending' }, want: true },
    { title: 'terminating on a node: the kubelet finishes it', pod: { name: 'p', deleting: true, node: 'n1' }, want: false },
    { title: 'not terminating', pod: { name: 'p', phase: 'Pending' }, want: false },
  ])('$title', ({ pod: spec, want }) => {
    expect(unscheduledTerminatingPods([pod(spec)]).length === 1).toBe(want);
  });
});

describe('outOfServiceTerminatingPods', () => {
  const nodes = new Map([
    ['dead', node('dead', 'False', [OUT_OF_SERVICE_TAINT])],
    ['unknown', node('unknown', 'Unknown', [OUT_OF_SERVICE_TAINT])],
    ['ready-but-tainted', node('ready-but-tainted', 'True', [OUT_OF_SERVICE_TAINT])],
    ['down', node('down', 'False', ['node.kubernetes.io/unreachable'])],
  ]);
  it.each<{ title: string; pod: PodSpec; want: boolean }>([
    { title: 'terminating on a not-ready out-of-service node', pod: { name: 'p', node: 'dead', deleting: true }, want: true },
    { title: 'Ready Unknown counts as not ready', pod: { name: 'p', node: 'unknown', deleting: true }, want: true },
    { title: 'not terminating', pod: { name: 'p', node: 'dead' }, want: false },
    { title: 'the node is ready', pod: { name: 'p', node: 'ready-but-tainted', deleting: true }, want: false },
    { title: 'the node lacks the taint', pod: { name: 'p', node: 'down', deleting: true }, want: false },
    { title: 'the node is not cached', pod: { name: 'p', node: 'nowhere', deleting: true }, want: false },
  ])('$title', ({ pod: spec, want }) => {
    expect(outOfServiceTerminatingPods([pod(spec)], (name) => nodes.get(name)).length === 1).toBe(want);
  });
});

describe('missingNodeNames', () => {
  it('names the nodes pods are bound to that do not exist, once each', () => {
    const pods = [pod({ name: 'a', node: 'n1' }), pod({ name: 'b', node: 'gone' }), pod({ name: 'c', node: 'gone' }), pod({ name: 'd' })];
    expect([...missingNodeNames(pods, new Set(['n1']))]).toEqual(['gone']);
  });
});

describe('failedStatus', () => {
  const now = '2024-05-01T12:30:00Z';
  it('sets phase Failed and the condition, keeping the rest of the status', () => {
    const running = pod({ name: 'p', phase: 'Running' });
    running.status = { ...running.status, conditions: [{ type: 'Ready', status: 'True' }] };
    expect(failedStatus(running, ORPHANED_POD_CONDITION, now)).toEqual({
      phase: 'Failed',
      qosClass: 'BestEffort',
      reason: undefined,
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: now },
      ],
    });
  });

  it('replaces a DisruptionTarget condition, keeping its transition time when the status is the same', () => {
    const p = pod({ name: 'p', phase: 'Pending' });
    p.status = { ...p.status, conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'Other', lastTransitionTime: '2024-01-01T00:00:00Z' }] };
    expect(failedStatus(p, ORPHANED_POD_CONDITION, now)?.conditions).toEqual([{ ...ORPHANED_POD_CONDITION, lastTransitionTime: '2024-01-01T00:00:00Z' }]);
  });

  it('without a condition only the phase changes', () => {
    expect(failedStatus(pod({ name: 'p', phase: 'Pending' }), undefined, now)).toEqual({ phase: 'Failed', qosClass: 'BestEffort', reason: undefined });
  });

  it.each(['Succeeded', 'Failed'])('leaves a %s pod alone', (phase) => {
    expect(failedStatus(pod({ name: 'p', phase }), ORPHANED_POD_CONDITION, now)).toBeUndefined();
  });
});

describe('NodeQuarantine', () => {
  it('makes a node due once it has been missing for the whole quarantine', () => {
    const q = new NodeQuarantine(40_000);
    expect(q.review(new Set(['gone']), 1_000)).toEqual({ due: [], nextDueInMs: 40_000 });
    expect(q.review(new Set(['gone']), 30_000)).toEqual({ due: [], nextDueInMs: 11_000 });
    expect(q.review(new Set(['gone']), 41_000)).toEqual({ due: ['gone'], nextDueInMs: undefined });
  });

  it('counts from the deletion it was told of, not from the first pass', () => {
    const q = new NodeQuarantine(40_000);
    q.note('gone', 0);
    expect(q.review(new Set(['gone']), 20_000)).toEqual({ due: [], nextDueInMs: 20_000 });
    // A later note does not restart it.
    q.note('gone', 30_000);
    expect(q.review(new Set(['gone']), 40_000).due).toEqual(['gone']);
  });

  it('forgets a node that is back or that no pod is bound to, so its next absence starts over', () => {
    const q = new NodeQuarantine(40_000);
    q.review(new Set(['back', 'empty']), 0);
    expect(q.review(new Set(), 10_000)).toEqual({ due: [], nextDueInMs: undefined });
    expect(q.since('back')).toBeUndefined();
    expect(q.review(new Set(['back']), 50_000)).toEqual({ due: [], nextDueInMs: 40_000 });
  });

  it('forget starts a node over', () => {
    const q = new NodeQuarantine(1_000);
    q.review(new Set(['n']), 0);
    q.forget('n');
    expect(q.review(new Set(['n']), 5_000)).toEqual({ due: [], nextDueInMs: 1_000 });
  });
});
