import { describe, expect, it } from 'vitest';
import type { batchv1, corev1 } from '@minik8s/api';
import {
  failsIndex,
  indexBackoffRemaining,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  lastFailedPodByIndex,
  matchSuccessPolicy,
  replacementCounts,
} from './index-policy';
import { JOB_COMPLETION_INDEX_ANNOTATION } from './job-util';

function pod(name: string, index: number, phase: string, opts: { failures?: number; ignored?: number; finishedAt?: string } = {}): corev1.Pod {
  const annotations: Record<string, string> = { [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) };
  if (opts.failures !== undefined) annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION] = String(opts.failures);
  if (opts.ignored !== undefined) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(opts.ignored);
  return {
    metadata: { name, namespace: 'ns', annotations },
    status: {
      phase,
      containerStatuses: opts.finishedAt ? [{ name: 'work', state: { terminated: { exitCode: 1, finishedAt: opts.finishedAt } } }] : [],
    },
  };
}

const indexedJob: batchv1.Job = { spec: { completionMode: 'Indexed', completions: 4, backoffLimitPerIndex: 1 } };

describe('failsIndex', () => {
  it.each([
    { name: 'first failure under a limit of 1', failures: 0, match: { countFailed: true }, want: false },
    { name: 'second failure under a limit of 1', failures: 1, match: { countFailed: true }, want: true },
    { name: 'an ignored failure never', failures: 5, match: { action: 'Ignore' as const, countFailed: false }, want: false },
    { name: 'a FailIndex rule at once', failures: 0, match: { action: 'FailIndex' as const, countFailed: true }, want: true },
  ])('$name', ({ failures, match, want }) => {
    expect(failsIndex(pod('p', 0, 'Failed', { failures }), 1, match)).toBe(want);
  });
});

describe('replacementCounts', () => {
  it('adds a counted failure to the failure count and an ignored one to the ignored count', () => {
    const last = pod('p', 0, 'Failed', { failures: 2, ignored: 1 });
    expect(replacementCounts(last, { countFailed: true })).toEqual({ failures: 3, ignored: 1 });
    expect(replacementCounts(last, { action: 'Ignore', countFailed: false })).toEqual({ failures: 2, ignored: 2 });
    expect(replacementCounts(pod('q', 0, 'Failed'), { countFailed: true })).toEqual({ failures: 1, ignored: 0 });
  });
});

describe('lastFailedPodByIndex', () => {
  it('keeps the latest Failed pod per index and skips others', () => {
    const older = pod('a', 0, 'Failed', { failures: 0, finishedAt: '2026-01-01T00:00:00Z' });
    const newer = pod('b', 0, 'Failed', { failures: 1, finishedAt: '2026-01-01T00:01:00Z' });
    const other = pod('c', 1, 'Failed', { finishedAt: '2026-01-01T00:00:00Z' });
    const running = pod('d', 2, 'Running');
    const outOfRange = pod('e', 9, 'Failed', { finishedAt: '2026-01-01T00:00:00Z' });
    const got = lastFailedPodByIndex([newer, older, other, running, outOfRange], indexedJob);
    expect([...got.entries()].map(([ix, p]) => [ix, p.metadata?.name]).sort()).toEqual([
      [0, 'b'],
      [1, 'c'],
    ]);
  });
});

describe('indexBackoffRemaining', () => {
  it('backs off by the failures of the index, ignored ones included', () => {
    const finished = Date.parse('2026-01-01T00:00:00Z');
    // Two earlier failures plus this one: 4·base.
    const last = pod('p', 0, 'Failed', { failures: 1, ignored: 1, finishedAt: '2026-01-01T00:00:00Z' });
    expect(indexBackoffRemaining(last, finished, 100, 10_000)).toBe(400);
    expect(indexBackoffRemaining(last, finished + 300, 100, 10_000)).toBe(100);
    expect(indexBackoffRemaining(last, finished + 500, 100, 10_000)).toBe(0);
  });
});

describe('matchSuccessPolicy', () => {
  const succeeded = new Set([0, 2, 3]);
  it.each([
    { name: 'succeededIndexes all done', rules: [{ succeededIndexes: '0,2-3' }], want: 'Matched rules at index 0' },
    { name: 'succeededIndexes not all done', rules: [{ succeededIndexes: '0-1' }], want: undefined },
    { name: 'succeededCount reached', rules: [{ succeededIndexes: '0-1' }, { succeededCount: 3 }], want: 'Matched rules at index 1' },
    { name: 'succeededCount not reached', rules: [{ succeededCount: 4 }], want: undefined },
    { name: 'count within the indexes', rules: [{ succeededIndexes: '0-2', succeededCount: 2 }], want: 'Matched rules at index 0' },
    { name: 'count within the indexes not reached', rules: [{ succeededIndexes: '0-1', succeededCount: 2 }], want: undefined },
  ])('$name', ({ rules, want }) => {
    expect(matchSuccessPolicy({ rules }, 5, succeeded)).toBe(want);
  });
  it('matches nothing without a policy', () => {
    expect(matchSuccessPolicy(undefined, 5, succeeded)).toBeUndefined();
  });
});
