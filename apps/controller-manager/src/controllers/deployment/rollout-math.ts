import type { appsv1, corev1, IntOrString } from '@minik8s/api';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, intAnnotation } from './annotations';
import {
  byCreationTimestamp,
  bySizeNewer,
  bySizeOlder,
  actualReplicaCount,
  deploymentReplicas,
  replicaCount,
  sortedBy,
  specReplicas,
} from './replica-sets';

type ReplicaSet = appsv1.ReplicaSet;
type Deployment = appsv1.Deployment;

/**
 * The arithmetic of a rollout, as pure functions of a Deployment and its ReplicaSets: how
 * maxSurge and maxUnavailable resolve, how far the new and the old ReplicaSets may be scaled in
 * one step, and how a scaling event is spread over the active ReplicaSets.
 */

export const ROLLING_UPDATE = 'RollingUpdate';
export const RECREATE = 'Recreate';

/** An IntOrString that is neither a number nor a percentage. */
export class IntOrStringError extends Error {
  override readonly name = 'IntOrStringError';
}

function isString(v: IntOrString): boolean {
  return v.type === 1;
}

/**
 * intstr.GetScaledValueFromIntOrPercent: a number as is, or a percentage of `total`, rounded up
 * or down.
 */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (!value) throw new IntOrStringError('nil value for IntOrString');
  if (!isString(value)) return value.intVal ?? 0;
  const s = value.strVal ?? '';
  const m = /^([+-]?\d+)%$/.exec(s);
  if (!m) throw new IntOrStringError(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const percent = Number(m[1]);
  const scaled = (percent * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export interface Fenceposts {
  surge: number;
  unavailable: number;
}

/**
 * Kubernetes' ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, an absent value
 * is 0, and when both come out 0 (a small percentage of few replicas) one pod may be unavailable,
 * since a surge might be refused by a quota.
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): Fenceposts {
  const surge = scaledValue(maxSurge ?? { type: 0, intVal: 0 }, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? { type: 0, intVal: 0 }, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function isRollingUpdate(d: Deployment): boolean {
  return d.spec?.strategy?.type === ROLLING_UPDATE;
}

function fenceposts(d: Deployment): Fenceposts {
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, deploymentReplicas(d));
}

/** How many pods above spec.replicas a rolling Deployment may run; 0 for Recreate. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  return fenceposts(d).surge;
}

/** How many of spec.replicas may be unavailable during a rolling update; 0 for Recreate. */
export function maxUnavailable(d: Deployment): number {
  const replicas = deploymentReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

export function minAvailable(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  return deploymentReplicas(d) - maxUnavailable(d);
}

/**
 * Kubernetes' NewRSNewReplicas: the size the new ReplicaSet may grow to now. Rolling: as many
 * more as keep every ReplicaSet's replicas within spec.replicas + maxSurge, never beyond
 * spec.replicas. Recreate: spec.replicas at once.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const replicas = deploymentReplicas(d);
  switch (d.spec?.strategy?.type) {
    case ROLLING_UPDATE: {
      const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge, replicas, true);
      const current = replicaCount(allRSs);
      const maxTotal = replicas + surge;
      if (current >= maxTotal) return specReplicas(newRS);
      const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
      return specReplicas(newRS) + scaleUp;
    }
    case RECREATE:
      return replicas;
    default:
      throw new Error(`deployment type ${d.spec?.strategy?.type} isn't supported`);
  }
}

/**
 * Whether the new ReplicaSet holds the whole Deployment: sized to spec.replicas, annotated with
 * it (so it was not merely caught mid-scaling), and every pod available (IsSaturated).
 */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
  if (desired === undefined) return false;
  const replicas = deploymentReplicas(d);
  return specReplicas(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/** Go's integer.RoundToInt32: halves round away from zero. */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? Math.ceil(x - 0.5) : Math.floor(x + 0.5);
}

/**
 * getReplicaSetFraction: the share of a scaling event this ReplicaSet should take, from its
 * size relative to the Deployment's size when it was last sized (its max-replicas annotation,
 * or the Deployment's status.replicas without one).
 */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const replicas = deploymentReplicas(d);
  if (replicas === 0) return -specReplicas(rs);
  const deploymentSize = replicas + maxSurge(d);
  const annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
  // A ReplicaSet is never scaled proportionally up from zero, so this is a guard only.
  if (annotated <= 0) return 0;
  return roundHalfAwayFromZero((specReplicas(rs) * deploymentSize) / annotated) - specReplicas(rs);
}

/**
 * GetProportion: this ReplicaSet's share of `toAdd` replicas (negative: to remove), of which
 * `added` were handed out already; never more than what is left.
 */
export function proportion(rs: ReplicaSet | undefined, d: Deployment, toAdd: number, added: number): number {
  if (!rs || specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

export interface ProportionalPlan {
  /** 'up', 'down', or '' when the sizes only need their annotations refreshed. */
  operation: 'up' | 'down' | '';
  /** Every active ReplicaSet, in the order to apply, with the size it should get. */
  sizes: { rs: ReplicaSet; replicas: number }[];
}

/**
 * The proportional half of Kubernetes' scale(): while several ReplicaSets are active in a
 * rolling Deployment, a change of spec.replicas is spread over them in proportion to their
 * sizes; larger ones first (newer first when scaling up, older first when scaling down), and
 * whatever rounding leaves over goes to the first.
 */
export function planProportionalScale(d: Deployment, active: readonly ReplicaSet[]): ProportionalPlan {
  const replicas = deploymentReplicas(d);
  const allowedSize = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowedSize - replicaCount(active);
  let ordered: ReplicaSet[] = [...active];
  let operation: ProportionalPlan['operation'] = '';
  if (toAdd > 0) {
    ordered = sortedBy(active, bySizeNewer);
    operation = 'up';
  } else if (toAdd < 0) {
    ordered = sortedBy(active, bySizeOlder);
    operation = 'down';
  }
  let added = 0;
  const sizes = ordered.map((rs) => {
    if (toAdd === 0) return { rs, replicas: specReplicas(rs) };
    const share = proportion(rs, d, toAdd, added);
    added += share;
    return { rs, replicas: specReplicas(rs) + share };
  });
  if (toAdd !== 0 && sizes.length > 0) {
    sizes[0].replicas = Math.max(0, sizes[0].replicas + toAdd - added);
  }
  return { operation, sizes };
}

export interface ScaleDownStep {
  rs: ReplicaSet;
  /** The size to scale to; `rs` is as it was before this step and every earlier one. */
  replicas: number;
  /** 'cleanup' takes unavailable pods away first; 'scaleDown' then takes available ones. */
  phase: 'cleanup' | 'scaleDown';
}

/**
 * Kubernetes' reconcileOldReplicaSets, as a plan: how far each old ReplicaSet may be scaled down
 * in this step of a rolling update, oldest first. At most allPods - minAvailable - (new
 * ReplicaSet's unavailable pods) go: first pods that are not available anyway (cleanup), then,
 * while more than minAvailable pods are available, available ones. No step grows a ReplicaSet.
 */
export function planOldScaleDown(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], oldActive: readonly ReplicaSet[], newRS: ReplicaSet): ScaleDownStep[] {
  if (replicaCount(oldActive) === 0) return [];
  const allPods = replicaCount(allRSs);
  const minAvail = deploymentReplicas(d) - maxUnavailable(d);
  const newRSUnavailable = specReplicas(newRS) - availableWithin(newRS, specReplicas(newRS));
  const maxScaledDown = allPods - minAvail - newRSUnavailable;
  if (maxScaledDown <= 0) return [];

  const olds = sortedBy(oldActive, byCreationTimestamp);
  const size = new Map<ReplicaSet, number>(olds.map((rs) => [rs, specReplicas(rs)]));
  const steps: ScaleDownStep[] = [];

  // Unhealthy replicas first: removing them costs no availability, and they would block the rollout.
  let cleaned = 0;
  for (const rs of olds) {
    if (cleaned >= maxScaledDown) break;
    const replicas = size.get(rs) ?? 0;
    const available = availableWithin(rs, replicas);
    if (replicas === 0 || replicas === available) continue;
    const count = Math.min(maxScaledDown - cleaned, replicas - available);
    steps.push({ rs, replicas: replicas - count, phase: 'cleanup' });
    size.set(rs, replicas - count);
    cleaned += count;
  }

  // Then available ones, as long as more than minAvailable stay available.
  const availableNow = olds.reduce((n, rs) => n + availableWithin(rs, size.get(rs) ?? 0), availableWithin(newRS, specReplicas(newRS)));
  if (availableNow <= minAvail) return steps;
  const budget = availableNow - minAvail;
  let scaledDown = 0;
  for (const rs of olds) {
    if (scaledDown >= budget) break;
    const replicas = size.get(rs) ?? 0;
    if (replicas === 0) continue;
    const count = Math.min(replicas, budget - scaledDown);
    steps.push({ rs, replicas: replicas - count, phase: 'scaleDown' });
    size.set(rs, replicas - count);
    scaledDown += count;
  }
  return steps;
}

/**
 * A ReplicaSet's available pods, counting none beyond `size`. Its status lags its spec: right
 * after a scale-down it still counts the pods being deleted. Taken at face value, those made the
 * cleanup step "scale down" an old ReplicaSet from 124 to the 250 its status reported (Kubernetes
 * refuses that step with an error) and let the scale-down budget spend availability that was
 * already going. Capped, a step can only shrink a ReplicaSet, and only by what is really there.
 */
function availableWithin(rs: ReplicaSet, size: number): number {
  return Math.min(rs.status?.availableReplicas ?? 0, size);
}

/**
 * Recreate's gate (oldPodsRunning): whether an old ReplicaSet still reports pods, or any pod of
 * the Deployment's outside the new ReplicaSet has not finished. `podsByReplicaSet` maps a
 * ReplicaSet's uid to the pods it controls, terminating ones included.
 */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podsByReplicaSet: ReadonlyMap<string, readonly corev1.Pod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByReplicaSet) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    // Failed and Succeeded pods are done; anything else (Unknown included) may still run.
    if (pods.some((pod) => pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}
