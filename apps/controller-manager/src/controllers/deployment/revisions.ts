import type { appsv1 } from '@minik8s/api';
import {
  DEPRECATED_ROLLBACK_TO_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  LAST_APPLIED_CONFIG_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  parseGoInt,
  revisionOf,
} from './annotations';
import { byCreationTimestamp, deploymentReplicas, specReplicas } from './replica-sets';
import { maxSurge } from './rollout-math';

type ReplicaSet = appsv1.ReplicaSet;
type Deployment = appsv1.Deployment;

/**
 * Revision bookkeeping: which revision a new ReplicaSet gets, what the Deployment's annotation
 * says, which Deployment annotations travel to its ReplicaSets, and the replica annotations.
 * The set* functions change the object they are given, which must be the caller's own copy
 * (never an informer's), and say whether they changed anything.
 */

/** The longest revision-history annotation kept (about 100 revisions). */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

/** Annotations that belong to the controller (or to kubectl), never copied between the two kinds. */
const ANNOTATIONS_TO_SKIP: ReadonlySet<string> = new Set([
  LAST_APPLIED_CONFIG_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO_ANNOTATION,
]);

export function skipCopyAnnotation(key: string): boolean {
  return ANNOTATIONS_TO_SKIP.has(key);
}

/** The highest revision among the ReplicaSets; unparsable ones are skipped (MaxRevision). */
export function maxRevision(rss: readonly (ReplicaSet | undefined)[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = rs ? revisionOf(rs) : undefined;
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

/** The second highest revision: the one before the current (LastRevision), 0 if none. */
export function lastRevision(rss: readonly (ReplicaSet | undefined)[]): number {
  let max = 0;
  let second = 0;
  for (const rs of rss) {
    const v = rs ? revisionOf(rs) : undefined;
    if (v === undefined) continue;
    if (v >= max) {
      second = max;
      max = v;
    } else if (v > second) {
      second = v;
    }
  }
  return second;
}

/** By revision, oldest first; creation time (then name) when revisions tie or do not parse. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreationTimestamp(a, b);
  return ra - rb;
}

function annotationsOf(obj: { metadata?: { annotations?: Record<string, string> } }): Record<string, string> {
  obj.metadata ??= {};
  obj.metadata.annotations ??= {};
  return obj.metadata.annotations;
}

/** Sets the Deployment's revision annotation (SetDeploymentRevision). */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const annotations = annotationsOf(d);
  if (annotations[REVISION_ANNOTATION] === revision) return false;
  annotations[REVISION_ANNOTATION] = revision;
  return true;
}

/** Copies the Deployment's own annotations (e.g. kubernetes.io/change-cause) to the ReplicaSet. */
export function copyDeploymentAnnotationsToReplicaSet(d: Deployment, rs: ReplicaSet): boolean {
  const target = annotationsOf(rs);
  let changed = false;
  for (const [key, value] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(key) || target[key] === value) continue;
    target[key] = value;
    changed = true;
  }
  return changed;
}

/**
 * A rollback makes the Deployment's annotations those of the ReplicaSet it returns to (keeping
 * the controller's own), so that the change-cause follows the template (SetDeploymentAnnotationsTo).
 */
export function setDeploymentAnnotationsTo(d: Deployment, rs: ReplicaSet): void {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(d.metadata?.annotations ?? {})) if (skipCopyAnnotation(key)) kept[key] = value;
  for (const [key, value] of Object.entries(rs.metadata?.annotations ?? {})) if (!skipCopyAnnotation(key)) kept[key] = value;
  d.metadata = { ...d.metadata, annotations: kept };
}

/** Writes desired-replicas and max-replicas (SetReplicasAnnotations). */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = annotationsOf(rs);
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = rs.metadata?.annotations ?? {};
  return annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || annotations[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** The replica annotations a Deployment wants on its ReplicaSets now: spec.replicas and that + maxSurge. */
export function replicasAnnotationsFor(d: Deployment): { desired: number; max: number } {
  const desired = deploymentReplicas(d);
  return { desired, max: desired + maxSurge(d) };
}

/**
 * Kubernetes' SetNewReplicaSetAnnotations: copies the Deployment's annotations to its new
 * ReplicaSet and raises the ReplicaSet's revision to `newRevision` (never lowers it). A
 * ReplicaSet that had a revision already is being rolled back to: its old revision joins its
 * revision-history, which is kept within `historyLimitInChars`. A ReplicaSet about to be created
 * (`exists` false) gets its replica annotations too.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: string, exists: boolean, historyLimitInChars = MAX_REV_HISTORY_LENGTH_IN_CHARS): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const annotations = annotationsOf(rs);
  const oldRevision = annotations[REVISION_ANNOTATION];
  const hadRevision = oldRevision !== undefined;
  let oldRevisionInt = 0;
  if (hadRevision && oldRevision !== '') {
    const parsed = parseGoInt(oldRevision);
    if (parsed === undefined) return false;
    oldRevisionInt = parsed;
  }
  const newRevisionInt = parseGoInt(newRevision);
  if (newRevisionInt === undefined) return false;
  if (oldRevisionInt < newRevisionInt) {
    annotations[REVISION_ANNOTATION] = newRevision;
    changed = true;
    if (hadRevision) {
      const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
      if (history === '') {
        annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
      } else {
        const revisions = history.split(',');
        let totalLen = history.length + oldRevision.length + 1;
        let start = 0;
        while (totalLen > historyLimitInChars && start < revisions.length) {
          totalLen -= revisions[start].length + 1;
          start++;
        }
        if (totalLen <= historyLimitInChars) {
          annotations[REVISION_HISTORY_ANNOTATION] = [...revisions.slice(start), oldRevision].join(',');
        }
      }
    }
  }
  if (!exists) {
    const { desired, max } = replicasAnnotationsFor(d);
    if (setReplicasAnnotations(rs, desired, max)) changed = true;
  }
  return changed;
}

/** The revision a rollback request asks for (0: the previous one); undefined without a valid one. */
export function rollbackTo(d: Deployment): number | undefined {
  const value = d.metadata?.annotations?.[DEPRECATED_ROLLBACK_TO_ANNOTATION];
  if (!value) return undefined;
  return parseGoInt(value);
}

/**
 * cleanupDeployment's choice: beyond revisionHistoryLimit, the oldest old ReplicaSets (by
 * revision) that are not being deleted, whose pods are all gone and whose last scaling their
 * controller has observed. `limit` undefined keeps every one.
 */
export function replicaSetsToPrune(oldRSs: readonly ReplicaSet[], limit: number | undefined): ReplicaSet[] {
  if (limit === undefined) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  return [...alive]
    .sort(byRevision)
    .slice(0, diff)
    .filter(
      (rs) =>
        (rs.status?.replicas ?? 0) === 0 &&
        specReplicas(rs) === 0 &&
        (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0),
    );
}
