import type { appsv1 } from '@minik8s/api';
import {
  actualReplicaCount,
  availableReplicaCount,
  deploymentReplicas,
  readyReplicaCount,
  replicaCount,
} from './replica-sets';
import { maxUnavailable } from './rollout-math';

type ReplicaSet = appsv1.ReplicaSet;
type Deployment = appsv1.Deployment;
type DeploymentStatus = appsv1.DeploymentStatus;
type DeploymentCondition = appsv1.DeploymentCondition;

/**
 * A Deployment's status: the counts summed over its ReplicaSets, and the Available and
 * Progressing conditions with Kubernetes' reasons and messages. Pure functions of the objects and
 * of `nowMs`; none changes its arguments.
 */

export const AVAILABLE = 'Available';
export const PROGRESSING = 'Progressing';
export const REPLICA_FAILURE = 'ReplicaFailure';

// Progressing reasons.
export const REPLICA_SET_UPDATED_REASON = 'ReplicaSetUpdated';
export const FAILED_RS_CREATE_REASON = 'ReplicaSetCreateError';
export const NEW_REPLICA_SET_REASON = 'NewReplicaSetCreated';
export const FOUND_NEW_RS_REASON = 'FoundNewReplicaSet';
export const NEW_RS_AVAILABLE_REASON = 'NewReplicaSetAvailable';
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
export const PAUSED_DEPLOY_REASON = 'DeploymentPaused';
export const RESUMED_DEPLOY_REASON = 'DeploymentResumed';
// Available reasons.
export const MINIMUM_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MINIMUM_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';

/** Go's math.MaxInt32: the value that turns a deadline or a history limit off. */
const MAX_INT32 = 2 ** 31 - 1;

/** metav1.Time as JSON: RFC 3339 in whole seconds. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function hasProgressDeadline(d: Deployment): boolean {
  const pds = d.spec?.progressDeadlineSeconds;
  return pds !== undefined && pds !== MAX_INT32;
}

export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const limit = d.spec?.revisionHistoryLimit;
  return limit !== undefined && limit !== MAX_INT32;
}

export function newCondition(type: string, status: string, reason: string, message: string, nowMs: number): DeploymentCondition {
  const now = formatTime(nowMs);
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: a condition with the same status and reason as the current one changes
 * nothing (not even its message); a new reason with the same status keeps lastTransitionTime.
 * The condition goes last. Returns the new status; `status` is not changed.
 */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): DeploymentStatus {
  const current = getCondition(status, condition.type ?? '');
  if (current && current.status === condition.status && current.reason === condition.reason) return status;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  return { ...status, conditions: [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next] };
}

export function removeCondition(status: DeploymentStatus, type: string): DeploymentStatus {
  return { ...status, conditions: (status.conditions ?? []).filter((c) => c.type !== type) };
}

/**
 * Kubernetes' calculateStatus: counts over every ReplicaSet (updated ones: the new ReplicaSet's),
 * the conditions carried over, and Available set by whether at least spec.replicas - maxUnavailable
 * pods are available.
 */
export function calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, nowMs: number): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const unavailable = Math.max(0, replicaCount(allRSs) - available);
  let status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
    conditions: (d.status?.conditions ?? []).map((c) => ({ ...c })),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= deploymentReplicas(d) - maxUnavailable(d)) {
    status = setCondition(status, newCondition(AVAILABLE, 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', nowMs));
  } else {
    status = setCondition(status, newCondition(AVAILABLE, 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', nowMs));
  }
  return status;
}

/** All replicas updated and available, no old ones left, and this generation observed. */
export function deploymentComplete(d: Deployment, status: DeploymentStatus | undefined): boolean {
  const replicas = deploymentReplicas(d);
  return (
    (status?.updatedReplicas ?? 0) === replicas &&
    (status?.replicas ?? 0) === replicas &&
    (status?.availableReplicas ?? 0) === replicas &&
    (status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/**
 * Whether `next` shows progress over the Deployment's current status: more updated, ready or
 * available pods, or fewer old ones (DeploymentProgressing).
 */
export function deploymentProgressing(d: Deployment, next: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/**
 * Whether the rollout has made no progress for progressDeadlineSeconds since the Progressing
 * condition was last updated (DeploymentTimedOut). A completed rollout never times out; one that
 * did stays timed out.
 */
export function deploymentTimedOut(d: Deployment, next: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const condition = getCondition(next, PROGRESSING);
  if (!condition) return false;
  if (condition.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (condition.reason === TIMED_OUT_REASON) return true;
  const from = parseTime(condition.lastUpdateTime) ?? 0;
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < nowMs;
}

/** A ReplicaSet's ReplicaFailure condition as the Deployment's. */
export function replicaSetToDeploymentCondition(c: appsv1.ReplicaSetCondition): DeploymentCondition {
  return { type: c.type, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message };
}

/** ReplicaFailure conditions of the new ReplicaSet, or else of any ReplicaSet (getReplicaFailures). */
export function replicaFailures(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition[] {
  const failuresOf = (rs: ReplicaSet | undefined): DeploymentCondition[] =>
    (rs?.status?.conditions ?? []).filter((c) => c.type === REPLICA_FAILURE).map(replicaSetToDeploymentCondition);
  const fromNew = failuresOf(newRS);
  if (fromNew.length > 0) return fromNew;
  return allRSs.flatMap(failuresOf);
}

function rsName(newRS: ReplicaSet | undefined): string {
  return newRS?.metadata?.name ?? '';
}

/**
 * Kubernetes' syncRolloutStatus, without the write: the status during a rollout, with the
 * Progressing condition moved on: NewReplicaSetAvailable once complete, ReplicaSetUpdated (its
 * lastUpdateTime renewed) while progress shows, ProgressDeadlineExceeded once the deadline has
 * passed without any; and the ReplicaSets' ReplicaFailure promoted.
 */
export function rolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, nowMs: number): DeploymentStatus {
  let status = calculateStatus(allRSs, newRS, d, nowMs);
  if (!hasProgressDeadline(d)) status = removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const name = d.metadata?.name ?? '';
  const isCompleteDeployment = status.replicas === status.updatedReplicas && current?.reason === NEW_RS_AVAILABLE_REASON;
  if (hasProgressDeadline(d) && !isCompleteDeployment) {
    if (deploymentComplete(d, status)) {
      const msg = newRS ? `ReplicaSet "${rsName(newRS)}" has successfully progressed.` : `Deployment "${name}" has successfully progressed.`;
      status = setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE_REASON, msg, nowMs));
    } else if (deploymentProgressing(d, status)) {
      const msg = newRS ? `ReplicaSet "${rsName(newRS)}" is progressing.` : `Deployment "${name}" is progressing.`;
      const condition = newCondition(PROGRESSING, 'True', REPLICA_SET_UPDATED_REASON, msg, nowMs);
      // Progress renews lastUpdateTime even when the reason stays; the transition time stays while True.
      if (current) {
        if (current.status === 'True') condition.lastTransitionTime = current.lastTransitionTime;
        status = removeCondition(status, PROGRESSING);
      }
      status = setCondition(status, condition);
    } else if (deploymentTimedOut(d, status, nowMs)) {
      const msg = newRS ? `ReplicaSet "${rsName(newRS)}" has timed out progressing.` : `Deployment "${name}" has timed out progressing.`;
      status = setCondition(status, newCondition(PROGRESSING, 'False', TIMED_OUT_REASON, msg, nowMs));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  status = failures.length > 0 ? setCondition(status, failures[0]) : removeCondition(status, REPLICA_FAILURE);
  return status;
}

/**
 * When to look at a stuck rollout again (requeueStuckDeployment): the ms until its Progressing
 * condition is progressDeadlineSeconds old (0 or less: due now), or undefined when no check is
 * due (no deadline, no condition, complete, or timed out already).
 */
export function progressCheckDelayMs(d: Deployment, next: DeploymentStatus, nowMs: number): number | undefined {
  const current = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !current) return undefined;
  if (deploymentComplete(d, next) || current.reason === TIMED_OUT_REASON) return undefined;
  const from = parseTime(current.lastUpdateTime) ?? 0;
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - nowMs;
}

function sameCondition(a: DeploymentCondition, b: DeploymentCondition): boolean {
  return (
    a.type === b.type &&
    a.status === b.status &&
    (a.reason ?? '') === (b.reason ?? '') &&
    (a.message ?? '') === (b.message ?? '') &&
    (a.lastUpdateTime ?? '') === (b.lastUpdateTime ?? '') &&
    (a.lastTransitionTime ?? '') === (b.lastTransitionTime ?? '')
  );
}

/** Whether writing `b` over `a` would change nothing (absent counts are 0, absent lists empty). */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const counts = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'terminatingReplicas', 'collisionCount'] as const;
  if (counts.some((k) => (x[k] ?? 0) !== (y[k] ?? 0))) return false;
  const cx = x.conditions ?? [];
  const cy = y.conditions ?? [];
  return cx.length === cy.length && cx.every((c, i) => sameCondition(c, cy[i]));
}
