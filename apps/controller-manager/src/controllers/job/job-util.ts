import type { batchv1, corev1 } from '@minik8s/api';

/**
 * The pure parts of the Job controller (Kubernetes' pkg/controller/job): conditions, pod
 * classification, completion indexes and their interval strings, back-off delays, and the
 * pod failure policy. Nothing here performs I/O.
 */

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** Default back-off between pod re-creations after failures: 10s, 20s, 40s … capped at 6 min. */
export const DEFAULT_BACKOFF_BASE_MS = 10_000;
export const DEFAULT_BACKOFF_MAX_MS = 360_000;

export type JobConditionType = 'Complete' | 'Failed' | 'Suspended' | 'SuccessCriteriaMet' | 'FailureTarget';

/** metav1.Time as JSON: RFC 3339 in seconds. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

// ---------------------------------------------------------------------------
// Conditions

export function findCondition(status: batchv1.JobStatus | undefined, type: JobConditionType): batchv1.JobCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function hasTrueCondition(status: batchv1.JobStatus | undefined, type: JobConditionType): boolean {
  return findCondition(status, type)?.status === 'True';
}

/** The Job's terminal condition (Complete or Failed, True), if any. */
export function finishedCondition(job: batchv1.Job): batchv1.JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export function isJobFinished(job: batchv1.Job): boolean {
  return finishedCondition(job) !== undefined;
}

/**
 * Sets a condition in `conditions` (a new array is returned). The transition time changes only
 * when the status changes, as Kubernetes' conditions do.
 */
export function setCondition(
  conditions: readonly batchv1.JobCondition[] | undefined,
  type: JobConditionType,
  status: 'True' | 'False',
  reason: string,
  message: string,
  nowMs: number,
): batchv1.JobCondition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === type);
  const now = formatTime(nowMs);
  if (i < 0) {
    list.push({ type, status, reason, message, lastProbeTime: now, lastTransitionTime: now });
    return list;
  }
  const old = list[i];
  if (old.status === status && old.reason === reason && old.message === message) return list;
  list[i] = {
    ...old,
    status,
    reason,
    message,
    lastProbeTime: now,
    lastTransitionTime: old.status === status ? old.lastTransitionTime : now,
  };
  return list;
}

// ---------------------------------------------------------------------------
// Pods

export function isPodTerminal(pod: corev1.Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Running or pending and not being deleted: counts toward status.active. */
export function isPodActive(pod: corev1.Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;
}

export function isPodReady(pod: corev1.Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function hasTrackingFinalizer(pod: corev1.Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

/**
 * Whether a pod counts as failed: it failed, or it was deleted before it succeeded (an orphaned or
 * evicted pod may never reach Failed). With podReplacementPolicy Failed only the phase counts.
 */
export function isPodFailed(pod: corev1.Pod, job: batchv1.Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (job.spec?.podReplacementPolicy === 'Failed' && job.spec.podFailurePolicy) return false;
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** When a pod finished: its containers' latest termination, else the Ready transition, else undefined. */
export function podFinishTime(pod: corev1.Pod): number | undefined {
  let latest: number | undefined;
  for (const cs of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const t = parseTime(cs.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return latest;
  return parseTime(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
}

// ---------------------------------------------------------------------------
// Completion indexes

/** The pod's completion index, or undefined when it has none or it is not a valid integer. */
export function completionIndex(pod: corev1.Pod): number | undefined {
  const value = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] ?? pod.metadata?.labels?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parses a compressed interval string (`0-2,5`) into sorted indexes below `limit`; bad parts are skipped. */
export function parseIndexIntervals(text: string | undefined, limit = Number.MAX_SAFE_INTEGER): number[] {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    for (let i = first; i <= last && i < limit; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** Formats indexes as Kubernetes' compressed interval string: `0-2,5,7-8` (single runs of two stay `7-8`). */
export function formatIndexIntervals(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * The indexes to start: lowest first, those neither completed nor held by an active pod, at most
 * `count` of them, all below `completions`.
 */
export function indexesToCreate(completions: number, completed: ReadonlySet<number>, active: ReadonlySet<number>, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!completed.has(i) && !active.has(i)) out.push(i);
  }
  return out;
}

/**
 * The active pods of an Indexed Job that must go: those without a valid index, those whose index
 * already completed, and all but one of the pods sharing an index (the ready, else the oldest, stays).
 */
export function indexedPodsToDelete(active: readonly corev1.Pod[], completions: number, completed: ReadonlySet<number>): corev1.Pod[] {
  const doomed: corev1.Pod[] = [];
  const byIndex = new Map<number, corev1.Pod[]>();
  for (const pod of active) {
    const ix = completionIndex(pod);
    if (ix === undefined || ix >= completions || completed.has(ix)) doomed.push(pod);
    else byIndex.set(ix, [...(byIndex.get(ix) ?? []), pod]);
  }
  for (const pods of byIndex.values()) {
    if (pods.length < 2) continue;
    const keep = [...pods].sort((a, b) => {
      if (isPodReady(a) !== isPodReady(b)) return isPodReady(a) ? -1 : 1;
      return (parseTime(a.metadata?.creationTimestamp) ?? 0) - (parseTime(b.metadata?.creationTimestamp) ?? 0);
    })[0];
    doomed.push(...pods.filter((p) => p !== keep));
  }
  return doomed;
}

/**
 * The pod template of one index: the index in an annotation and a label, `JOB_COMPLETION_INDEX`
 * in every container (read from the annotation), and hostname `<job>-<index>`.
 */
export function templateForIndex(template: corev1.PodTemplateSpec, jobName: string, index: number): corev1.PodTemplateSpec {
  const t = structuredClone(template);
  const meta = (t.metadata ??= {});
  meta.annotations = { ...(meta.annotations ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) };
  meta.labels = { ...(meta.labels ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) };
  const spec = (t.spec ??= {});
  const env: corev1.EnvVar = {
    name: JOB_COMPLETION_INDEX_ENV,
    valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } },
  };
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if (!(c.env ?? []).some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) c.env = [...(c.env ?? []), env];
  }
  spec.hostname ??= `${jobName}-${index}`;
  return t;
}

// ---------------------------------------------------------------------------
// Back-off

/**
 * The delay before the next pod may be created after `failures` consecutive failures (since the
 * last success): 0 for none, then base, 2·base, 4·base … capped at `maxMs`.
 */
export function backoffDelay(failures: number, baseMs = DEFAULT_BACKOFF_BASE_MS, maxMs = DEFAULT_BACKOFF_MAX_MS): number {
  if (failures <= 0) return 0;
  // 2^(n-1) overflows nothing that matters once it passes the cap.
  const exp = Math.min(failures - 1, 40);
  return Math.min(baseMs * 2 ** exp, maxMs);
}

/** What the Job controller remembers about failures between syncs (Kubernetes' backoffRecord). */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** The record after newly counted pods: a success resets the count, each failure adds one. */
export function nextBackoffRecord(record: BackoffRecord, newSucceeded: number, newFailedFinishTimes: readonly number[]): BackoffRecord {
  // A success resets the count; failures seen with it are taken to have come after it.
  const base = newSucceeded > 0 ? { failuresAfterLastSuccess: 0 } : record;
  if (newFailedFinishTimes.length === 0) return base;
  return {
    failuresAfterLastSuccess: base.failuresAfterLastSuccess + newFailedFinishTimes.length,
    lastFailureTime: Math.max(base.lastFailureTime ?? -Infinity, ...newFailedFinishTimes),
  };
}

/** Milliseconds until pods may be created again, 0 when they may be now. */
export function remainingBackoff(record: BackoffRecord, nowMs: number, baseMs?: number, maxMs?: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
  const due = record.lastFailureTime + backoffDelay(record.failuresAfterLastSuccess, baseMs, maxMs);
  return Math.max(0, due - nowMs);
}

// ---------------------------------------------------------------------------
// Pod failure policy

export type FailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface FailurePolicyMatch {
  /** The action of the first matching rule; undefined when no rule matched (the failure counts). */
  action?: FailurePolicyAction;
  /** Whether the failure counts toward backoffLimit. */
  countFailed: boolean;
  /** The message Kubernetes puts in the Failed condition for FailJob. */
  message?: string;
}

function matchesExitCodes(req: batchv1.PodFailurePolicyOnExitCodesRequirement, pod: corev1.Pod): { container: string; exitCode: number } | undefined {
  const values = new Set(req.values ?? []);
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    if (req.containerName && cs.name !== req.containerName) continue;
    const exitCode = cs.state?.terminated?.exitCode;
    // Exit code 0 never matches: it is a success, not a failure.
    if (exitCode === undefined || exitCode === 0) continue;
    const hit = req.operator === 'In' ? values.has(exitCode) : req.operator === 'NotIn' ? !values.has(exitCode) : false;
    if (hit) return { container: cs.name ?? '', exitCode };
  }
  return undefined;
}

function matchesConditions(patterns: readonly batchv1.PodFailurePolicyOnPodConditionsPattern[], pod: corev1.Pod): string | undefined {
  for (const pattern of patterns) {
    const want = pattern.status || 'True';
    if (pod.status?.conditions?.some((c) => c.type === pattern.type && c.status === want)) return pattern.type;
  }
  return undefined;
}

/**
 * Kubernetes' matchPodFailurePolicy: the first rule (in order) that matches a failed pod's exit
 * codes or conditions decides. Ignore: not counted; Count, FailIndex, FailJob: counted. No rule
 * matching counts the failure.
 */
export function matchPodFailurePolicy(policy: batchv1.PodFailurePolicy | undefined, pod: corev1.Pod): FailurePolicyMatch {
  const podName = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  for (const [i, rule] of (policy?.rules ?? []).entries()) {
    const action = rule.action as FailurePolicyAction;
    let message: string | undefined;
    if (rule.onExitCodes) {
      const hit = matchesExitCodes(rule.onExitCodes, pod);
      if (!hit) continue;
      message = `Container ${hit.container} for pod ${podName} failed with exit code ${hit.exitCode} matching ${action} rule at index ${i}`;
    } else if ((rule.onPodConditions ?? []).length > 0) {
      const type = matchesConditions(rule.onPodConditions ?? [], pod);
      if (!type) continue;
      message = `Pod ${podName} has condition ${type} matching ${action} rule at index ${i}`;
    } else continue;
    return { action, countFailed: action !== 'Ignore', message };
  }
  return { countFailed: true };
}

/**
 * Kubernetes' getFailJobMessage: the FailJob message of the first failed pod a FailJob rule
 * matches, over every pod of the Job, whether its failure is already recorded or not, so the
 * verdict survives a sync that recorded the pod but stopped before writing FailureTarget.
 */
export function failJobMessage(policy: batchv1.PodFailurePolicy | undefined, pods: readonly corev1.Pod[]): string | undefined {
  if (!policy) return undefined;
  for (const pod of pods) {
    if (pod.status?.phase !== 'Failed') continue;
    const match = matchPodFailurePolicy(policy, pod);
    if (match.action === 'FailJob') return match.message;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Desired parallelism

/**
 * How many pods a NonIndexed Job wants active: parallelism, but never more than the completions
 * still missing. Without completions (a work queue), once one pod succeeded no new ones start.
 */
export function wantActiveNonIndexed(spec: batchv1.JobSpec, succeeded: number, active: number): number {
  const parallelism = Math.max(0, spec.parallelism ?? 1);
  if (spec.completions === undefined) return succeeded > 0 ? Math.min(active, parallelism) : parallelism;
  return Math.max(0, Math.min(parallelism, spec.completions - succeeded));
}

/** Active pods to delete first: unscheduled, then pending, then not ready, newest first. */
export function activePodsToDelete(pods: readonly corev1.Pod[], count: number): corev1.Pod[] {
  const rank = (p: corev1.Pod): number => (!p.spec?.nodeName ? 0 : p.status?.phase === 'Pending' ? 1 : !isPodReady(p) ? 2 : 3);
  return [...pods]
    .sort((a, b) => rank(a) - rank(b) || (parseTime(b.metadata?.creationTimestamp) ?? 0) - (parseTime(a.metadata?.creationTimestamp) ?? 0))
    .slice(0, Math.max(0, count));
}
