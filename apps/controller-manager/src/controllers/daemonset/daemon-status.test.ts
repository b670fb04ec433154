import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { calculateCounts, statusUpToDate, withCounts, type DaemonCounts } from './daemon-status';
import type { NodeFit } from './node-eligibility';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const HASH = 'h2';

function iso(msAgo: number): string {
  return new Date(NOW - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function node(name: string): corev1.Node {
  return { metadata: { name } };
}

interface P {
  hash?: string;
  readyFor?: number;
  age?: number;
}

function pod(name: string, p: P = {}): corev1.Pod {
  return {
    metadata: { name, labels: { 'controller-revision-hash': p.hash ?? HASH }, creationTimestamp: iso(p.age ?? 60_000) },
    spec: { nodeName: 'x' },
    status: {
      phase: 'Running',
      conditions: p.readyFor === undefined ? [{ type: 'Ready', status: 'False' }] : [{ type: 'Ready', status: 'True', lastTransitionTime: iso(p.readyFor) }],
    },
  };
}

const ZERO: DaemonCounts = {
  desiredNumberScheduled: 0,
  currentNumberScheduled: 0,
  numberMisscheduled: 0,
  numberReady: 0,
  updatedNumberScheduled: 0,
  numberAvailable: 0,
  numberUnavailable: 0,
};

describe('calculateCounts', () => {
  const run: NodeFit = { shouldRun: true, shouldContinueRunning: true };
  const skip: NodeFit = { shouldRun: false, shouldContinueRunning: false };

  it.each<{ name: string; nodes: string[]; skip?: string[]; pods: Record<string, corev1.Pod[]>; minReadySeconds?: number; want: Partial<DaemonCounts> }>([
    { name: 'no nodes', nodes: [], pods: {}, want: {} },
    { name: 'nodes without pods', nodes: ['a', 'b'], pods: {}, want: { desiredNumberScheduled: 2, numberUnavailable: 2 } },
    {
      name: 'ready and available',
      nodes: ['a', 'b'],
      pods: { a: [pod('a1', { readyFor: 5000 })], b: [pod('b1')] },
      want: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 2, numberUnavailable: 1 },
    },
    {
      name: 'ready but not yet available for minReadySeconds',
      nodes: ['a'],
      pods: { a: [pod('a1', { readyFor: 5000 })] },
      minReadySeconds: 10,
      want: { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberUnavailable: 1 },
    },
    {
      name: 'old pods are scheduled but not updated',
      nodes: ['a', 'b'],
      pods: { a: [pod('a1', { hash: 'h1', readyFor: 1000 })], b: [pod('b2', { readyFor: 1000 })] },
      want: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 1 },
    },
    {
      name: 'the oldest pod of a node decides',
      nodes: ['a'],
      pods: { a: [pod('a-new', { age: 1000 }), pod('a-old', { hash: 'h1', age: 100_000, readyFor: 50_000 })] },
      want: { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, numberAvailable: 1 },
    },
    {
      name: 'pods on nodes that should not run them are misscheduled',
      nodes: ['a', 'b', 'c'],
      skip: ['b', 'c'],
      pods: { a: [pod('a1', { readyFor: 1000 })], b: [pod('b1', { readyFor: 1000 })] },
      want: { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 1, numberMisscheduled: 1 },
    },
    { name: 'pods on nodes that no longer exist count nowhere', nodes: ['a'], pods: { gone: [pod('g1', { readyFor: 1000 })] }, want: { desiredNumberScheduled: 1, numberUnavailable: 1 } },
  ])('$name', ({ nodes, skip: skipped = [], pods, minReadySeconds = 0, want }) => {
    const counts = calculateCounts({
      nodes: nodes.map(node),
      fit: (n) => (skipped.includes(n.metadata?.name ?? '') ? skip : run),
      nodeToPods: new Map(Object.entries(pods)),
      hash: HASH,
      generation: undefined,
      minReadySeconds,
      nowMs: NOW,
    });
    expect(counts).toEqual({ ...ZERO, ...want });
  });
});

describe('statusUpToDate and withCounts', () => {
  const counts: DaemonCounts = { ...ZERO, desiredNumberScheduled: 2, currentNumberScheduled: 2 };

  it('is up to date when every count matches and the generation was observed', () => {
    expect(statusUpToDate({ ...counts, observedGeneration: 3 }, counts, 3)).toBe(true);
    expect(statusUpToDate({ ...counts, observedGeneration: 2 }, counts, 3)).toBe(false);
    expect(statusUpToDate({ ...counts, numberReady: 1, observedGeneration: 3 }, counts, 3)).toBe(false);
    expect(statusUpToDate(undefined, ZERO, undefined)).toBe(true);
  });

  it('keeps other status fields and raises observedGeneration only when asked', () => {
    expect(withCounts({ collisionCount: 1, observedGeneration: 2 }, counts, undefined)).toEqual({ ...counts, collisionCount: 1, observedGeneration: 2 });
    expect(withCounts({ observedGeneration: 2 }, counts, 3)).toEqual({ ...counts, observedGeneration: 3 });
  });
});
