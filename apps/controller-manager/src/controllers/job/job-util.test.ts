import { describe, expect, it } from 'vitest';
import type { batchv1, corev1 } from '@minik8s/api';
import {
  backoffDelay,
  failJobMessage,
  formatIndexIntervals,
  indexedPodsToDelete,
  indexesToCreate,
  isPodFailed,
  matchPodFailurePolicy,
  nextBackoffRecord,
  parseIndexIntervals,
  remainingBackoff,
  setCondition,
  templateForIndex,
  wantActiveNonIndexed,
} from './job-util';
import { removeFinalizerPatch, sameStatus } from './job-controller';

function pod(name: string, p: { phase?: string; deleting?: boolean; index?: number; exit?: [string, number][]; conditions?: [string, string][]; ready?: boolean } = {}): corev1.Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: name,
      deletionTimestamp: p.deleting ? '2024-05-01T12:00:00Z' : undefined,
      annotations: p.index === undefined ? undefined : { 'batch.kubernetes.io/job-completion-index': String(p.index) },
    },
    status: {
      phase: p.phase ?? 'Running',
      containerStatuses: (p.exit ?? []).map(([n, exitCode]) => ({ name: n, state: { terminated: { exitCode } } })),
      conditions: [...(p.conditions ?? []).map(([type, status]) => ({ type, status })), ...(p.ready ? [{ type: 'Ready', status: 'True' }] : [])],
    },
  };
}

describe('completed index intervals', () => {
  it.each<[number[], string]>([
    [[], ''],
    [[0], '0'],
    [[0, 1, 2], '0-2'],
    [[0, 1, 2, 5], '0-2,5'],
    [[7, 8, 1, 3, 4, 5], '1,3-5,7-8'],
  ])('%j ⇄ %s', (indexes, text) => {
    expect(formatIndexIntervals(indexes)).toBe(text);
    expect(parseIndexIntervals(text)).toEqual([...indexes].sort((a, b) => a - b));
  });

  it('drops indexes at or past completions', () => {
    expect(parseIndexIntervals('0-2,5-9', 7)).toEqual([0, 1, 2, 5, 6]);
  });

  it('picks the lowest free indexes', () => {
    expect(indexesToCreate(6, new Set([0, 2]), new Set([1]), 2)).toEqual([3, 4]);
    expect(indexesToCreate(3, new Set([0, 1, 2]), new Set(), 5)).toEqual([]);
  });

  it('deletes duplicates, completed and out-of-range indexes, keeping a ready duplicate', () => {
    const pods = [pod('a', { index: 0 }), pod('b', { index: 0, ready: true }), pod('c', { index: 1 }), pod('d', { index: 9 }), pod('e')];
    expect(
      indexedPodsToDelete(pods, 3, new Set([1]))
        .map((p) => p.metadata?.name)
        .sort(),
    ).toEqual(['a', 'c', 'd', 'e']);
  });

  it('templates an index: annotation, label, env in every container, hostname', () => {
    const t = templateForIndex({ spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }, { name: 'b', env: [{ name: 'X', value: '1' }] }] } }, 'job', 4);
    expect(t.metadata?.annotations).toEqual({ 'batch.kubernetes.io/job-completion-index': '4' });
    expect(t.metadata?.labels).toEqual({ 'batch.kubernetes.io/job-completion-index': '4' });
    expect(t.spec?.hostname).toBe('job-4');
    for (const c of [...(t.spec?.initContainers ?? []), ...(t.spec?.containers ?? [])]) {
      expect(c.env?.map((e) => e.name)).toContain('JOB_COMPLETION_INDEX');
    }
    expect(t.spec?.containers?.[1].env?.[0]).toEqual({ name: 'X', value: '1' });
  });
});

describe('back-off', () => {
  it.each<[number, number]>([
    [0, 0],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [6, 320_000],
    [7, 360_000],
    [60, 360_000],
  ])('%d failures → %d ms', (failures, ms) => expect(backoffDelay(failures)).toBe(ms));

  it('uses an injected base and cap', () => expect([1, 2, 3, 4].map((n) => backoffDelay(n, 100, 500))).toEqual([100, 200, 400, 500]));

  it('counts failures since the last success and waits from the last failure', () => {
    let r = nextBackoffRecord({ failuresAfterLastSuccess: 0 }, 0, [1000]);
    expect(r).toEqual({ failuresAfterLastSuccess: 1, lastFailureTime: 1000 });
    r = nextBackoffRecord(r, 0, [3000, 2000]);
    expect(r).toEqual({ failuresAfterLastSuccess: 3, lastFailureTime: 3000 });
    expect(remainingBackoff(r, 5000, 1000, 60_000)).toBe(2000);
    expect(remainingBackoff(r, 9000, 1000, 60_000)).toBe(0);
    expect(nextBackoffRecord(r, 1, [])).toEqual({ failuresAfterLastSuccess: 0 });
  });
});

describe('pods → outcomes', () => {
  const job: batchv1.Job = { spec: {} };
  it.each<[string, corev1.Pod, boolean]>([
    ['failed', pod('p', { phase: 'Failed' }), true],
    ['running', pod('p'), false],
    ['succeeded', pod('p', { phase: 'Succeeded' }), false],
    ['deleted while running', pod('p', { deleting: true }), true],
    ['deleted after success', pod('p', { phase: 'Succeeded', deleting: true }), false],
  ])('%s → failed %s', (_n, p, failed) => expect(isPodFailed(p, job)).toBe(failed));

  it('with podReplacementPolicy Failed and a failure policy only the Failed phase counts', () => {
    expect(isPodFailed(pod('p', { deleting: true }), { spec: { podReplacementPolicy: 'Failed', podFailurePolicy: { rules: [] } } })).toBe(false);
  });

  it.each<[string, number, number | undefined]>([
    ['nothing yet', 0, 2],
    ['one left', 2, 1],
    ['all done', 3, 0],
  ])('NonIndexed, completions 3, parallelism 2, %s', (_n, succeeded, want) => {
    expect(wantActiveNonIndexed({ completions: 3, parallelism: 2 }, succeeded, 0)).toBe(want);
  });

  it('a work queue (no completions) starts no new pods after a success', () => {
    expect(wantActiveNonIndexed({ parallelism: 3 }, 0, 0)).toBe(3);
    expect(wantActiveNonIndexed({ parallelism: 3 }, 1, 2)).toBe(2);
  });
});

describe('matchPodFailurePolicy', () => {
  const policy: batchv1.PodFailurePolicy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
    ],
  };
  it.each<[string, corev1.Pod, string | undefined, boolean]>([
    ['disrupted → Ignore', pod('p', { phase: 'Failed', conditions: [['DisruptionTarget', 'True']], exit: [['main', 42]] }), 'Ignore', false],
    ['exit 42 in main → FailJob', pod('p', { phase: 'Failed', exit: [['main', 42]] }), 'FailJob', true],
    ['exit 42 in a sidecar → NotIn rule → Count', pod('p', { phase: 'Failed', exit: [['side', 42]] }), 'Count', true],
    ['exit 1 → no rule, counted', pod('p', { phase: 'Failed', exit: [['main', 1]] }), undefined, true],
    ['exit 0 never matches', pod('p', { phase: 'Failed', exit: [['main', 0]] }), undefined, true],
  ])('%s', (_n, p, action, counted) => {
    const m = matchPodFailurePolicy(policy, p);
    expect(m.action).toBe(action);
    expect(m.countFailed).toBe(counted);
  });

  it('finds the FailJob verdict among all failed pods, recorded or not, and only among failed ones', () => {
    const running = pod('a', { phase: 'Running', exit: [['main', 42]] });
    const counted = pod('b', { phase: 'Failed', exit: [['main', 1]] });
    const failJob = pod('c', { phase: 'Failed', exit: [['main', 42]] });
    expect(failJobMessage(policy, [running, counted, failJob])).toBe('Container main for pod ns/c failed with exit code 42 matching FailJob rule at index 1');
    expect(failJobMessage(policy, [running, counted])).toBeUndefined();
    expect(failJobMessage(undefined, [failJob])).toBeUndefined();
  });

  it('words the FailJob message as Kubernetes does', () => {
    expect(matchPodFailurePolicy(policy, pod('p', { phase: 'Failed', exit: [['main', 42]] })).message).toBe(
      'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1',
    );
  });
});

describe('conditions and status', () => {
  it('keeps the transition time unless the status changes', () => {
    const c1 = setCondition(undefined, 'Suspended', 'True', 'JobSuspended', 'Job suspended', Date.parse('2024-05-01T12:00:00Z'));
    const c2 = setCondition(c1, 'Suspended', 'True', 'JobSuspended', 'Job suspended', Date.parse('2024-05-01T12:05:00Z'));
    expect(c2[0].lastTransitionTime).toBe('2024-05-01T12:00:00Z');
    const c3 = setCondition(c2, 'Suspended', 'False', 'JobResumed', 'Job resumed', Date.parse('2024-05-01T12:06:00Z'));
    expect(c3[0]).toMatchObject({ status: 'False', reason: 'JobResumed', lastTransitionTime: '2024-05-01T12:06:00Z' });
  });

  it('compares statuses ignoring what the API drops', () => {
    expect(sameStatus({ active: 0, uncountedTerminatedPods: { succeeded: [], failed: [] }, completedIndexes: '' }, {})).toBe(true);
    expect(sameStatus({ active: 1 }, {})).toBe(false);
  });

  it('removes exactly the tracking finalizer, guarded by uid and position', () => {
    const p: corev1.Pod = { metadata: { uid: 'u', finalizers: ['x', 'batch.kubernetes.io/job-tracking'] } };
    expect(removeFinalizerPatch(p)).toEqual([
      { op: 'test', path: '/metadata/uid', value: 'u' },
      { op: 'test', path: '/metadata/finalizers/1', value: 'batch.kubernetes.io/job-tracking' },
      { op: 'remove', path: '/metadata/finalizers/1' },
    ]);
  });
});
