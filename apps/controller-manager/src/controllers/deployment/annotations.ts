import type { ApiObject } from '@minik8s/api';

/** The annotations a Deployment and its ReplicaSets carry (Kubernetes' deployment/util names). */

/** The rollout sequence number, on the Deployment and on each of its ReplicaSets. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** The earlier revisions a ReplicaSet served, when a rollback made it new again. */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** spec.replicas of the Deployment when the ReplicaSet was last sized: tells scaling from rolling. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** spec.replicas + maxSurge of the Deployment then: the base of proportional scaling. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** Why the current revision was made; copied from the Deployment to its new ReplicaSet. */
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const LAST_APPLIED_CONFIG_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The round-tripped extensions/v1beta1 spec.rollbackTo.revision: a rollback request. */
export const DEPRECATED_ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';

/** Go's strconv.ParseInt(s, 10, 64) within JavaScript's safe integers; undefined when it fails. */
export function parseGoInt(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** An integer annotation; undefined when absent or not an integer. */
export function intAnnotation(obj: ApiObject, key: string): number | undefined {
  const value = obj.metadata?.annotations?.[key];
  return value === undefined ? undefined : parseGoInt(value);
}

/**
 * The object's revision: 0 without the annotation, undefined when it is not a number (such an
 * object is skipped wherever revisions are compared).
 */
export function revisionOf(obj: ApiObject): number | undefined {
  const value = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  return value === undefined ? 0 : parseGoInt(value);
}
