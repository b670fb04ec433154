import type { batchv1, corev1 } from '@minik8s/api';
import { backoffDelay, completionIndex, parseIndexIntervals, parseTime, podFinishTime, type FailurePolicyMatch } from './job-util';

/**
 * The per-index rules of Indexed Jobs (Kubernetes' pkg/controller/job/indexed_job_utils.go and
 * success_policy.go): backoffLimitPerIndex counts failures per index through annotations on the
 * pods, an index that exhausts its limit (or hits a FailIndex rule) is failed for good, and
 * successPolicy lets a Job succeed before every index has.
 */

/** Failures (counted ones) of this pod's index before this pod. */
export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
/** Failures of this pod's index before this pod that an Ignore rule kept from counting. */
export const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';

function annotationCount(pod: corev1.Pod, key: string): number {
  const value = pod.metadata?.annotations?.[key];
  if (value === undefined || !/^\d+$/.test(value)) return 0;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : 0;
}

export function indexFailureCount(pod: corev1.Pod): number {
  return annotationCount(pod, JOB_INDEX_FAILURE_COUNT_ANNOTATION);
}

export function indexIgnoredFailureCount(pod: corev1.Pod): number {
  return annotationCount(pod, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);
}

export function hasBackoffLimitPerIndex(job: batchv1.Job): boolean {
  return job.spec?.completionMode === 'Indexed' && job.spec.backoffLimitPerIndex !== undefined;
}

/**
 * Whether the failure of `pod` fails its index for good: a FailIndex rule does at once, an
 * ignored failure never does, any other once the index's counted failures pass the limit.
 */
export function failsIndex(pod: corev1.Pod, backoffLimitPerIndex: number, match: FailurePolicyMatch): boolean {
  if (match.action === 'FailIndex') return true;
  if (!match.countFailed) return false;
  return indexFailureCount(pod) + 1 > backoffLimitPerIndex;
}

/** The failure counts a replacement for the failed `lastFailed` pod of the same index starts with. */
export function replacementCounts(lastFailed: corev1.Pod, match: FailurePolicyMatch): { failures: number; ignored: number } {
  const failures = indexFailureCount(lastFailed);
  const ignored = indexIgnoredFailureCount(lastFailed);
  return match.countFailed ? { failures: failures + 1, ignored } : { failures, ignored: ignored + 1 };
}

/** When a failed pod finished: its containers' end, else its deletion, else its creation. */
function failedAt(pod: corev1.Pod): number {
  return podFinishTime(pod) ?? parseTime(pod.metadata?.deletionTimestamp) ?? parseTime(pod.metadata?.creationTimestamp) ?? 0;
}

/**
 * The latest Failed pod of each valid index; ties go to the pod with the higher failure count.
 * (A pod deleted while running is left out: suspend and scale-down delete pods too, and those
 * are no failures of their index.)
 */
export function lastFailedPodByIndex(pods: readonly corev1.Pod[], job: batchv1.Job): Map<number, corev1.Pod> {
  const completions = job.spec?.completions ?? 0;
  const out = new Map<number, corev1.Pod>();
  for (const pod of pods) {
    if (pod.status?.phase !== 'Failed') continue;
    const ix = completionIndex(pod);
    if (ix === undefined || ix >= completions) continue;
    const seen = out.get(ix);
    if (!seen || failedAt(pod) > failedAt(seen) || (failedAt(pod) === failedAt(seen) && indexFailureCount(pod) > indexFailureCount(seen))) out.set(ix, pod);
  }
  return out;
}

/**
 * Milliseconds before index `ix` may get a new pod after its `lastFailed` pod: the Job back-off,
 * but counted per index (all failures of that index, ignored ones too, as Kubernetes does).
 */
export function indexBackoffRemaining(lastFailed: corev1.Pod, nowMs: number, baseMs?: number, maxMs?: number): number {
  const finishedAt = failedAt(lastFailed);
  const failures = indexFailureCount(lastFailed) + indexIgnoredFailureCount(lastFailed) + 1;
  return Math.max(0, finishedAt + backoffDelay(failures, baseMs, maxMs) - nowMs);
}

/**
 * Kubernetes' matchSuccessPolicy: the first rule whose condition holds, as the message of the
 * SuccessCriteriaMet condition ("Matched rules at index N"). A rule with succeededIndexes only
 * wants them all; with succeededCount only, that many indexes; with both, that many of those.
 */
export function matchSuccessPolicy(policy: batchv1.SuccessPolicy | undefined, completions: number, succeeded: ReadonlySet<number>): string | undefined {
  for (const [i, rule] of (policy?.rules ?? []).entries()) {
    const wanted = rule.succeededIndexes !== undefined ? parseIndexIntervals(rule.succeededIndexes, completions) : undefined;
    const have = wanted ? wanted.filter((ix) => succeeded.has(ix)).length : [...succeeded].filter((ix) => ix < completions).length;
    const need = rule.succeededCount ?? wanted?.length;
    if (need === undefined) continue;
    if (have >= need) return `Matched rules at index ${i}`;
  }
  return undefined;
}
