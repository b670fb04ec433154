import type { appsv1, corev1 } from '@minik8s/api';
import {
  byOrdinal,
  claimOwnersMatch,
  getOrdinal,
  identityMatches,
  isFailed,
  isHealthy,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  maxUnavailable,
  newVersionedPod,
  partition,
  persistentVolumeClaims,
  podRevision,
  replicaCount,
  startOrdinal,
  storageMatches,
} from './stateful-pod';

/**
 * One pass of Kubernetes' StatefulSet update algorithm as a pure function: from the set, its
 * revisions and its pods (and their claims), the ordered list of actions the controller should
 * take now. OrderedReady (monotonic) stops at the first action that must be waited on; Parallel
 * acts on every pod at once. The controller executes the actions in order and stops at the first
 * error.
 */

export type Action =
  /** Create the pod's missing claims, then the pod. */
  | { type: 'create'; pod: corev1.Pod }
  /** Delete the pod: it failed or succeeded (recreated later), is condemned, or has an old revision. */
  | { type: 'delete'; pod: corev1.Pod; reason: 'finished' | 'condemned' | 'update' }
  /** Restore the pod's identity labels and create its missing claims. */
  | { type: 'repair'; pod: corev1.Pod }
  /** Create claims the (pending) pod needs that are missing. */
  | { type: 'createClaims'; pod: corev1.Pod }
  /** Set the ownerReferences of the pod's claims for the retention policy. */
  | { type: 'claimOwners'; pod: corev1.Pod };

export interface PlanInput {
  /** The set with its spec as it is now (the update revision's template). */
  set: appsv1.StatefulSet;
  /** The set with the current revision's template. */
  currentSet: appsv1.StatefulSet;
  currentRevision: string;
  updateRevision: string;
  /** The set's pods (claimed, members by name). */
  pods: readonly corev1.Pod[];
  /** The namespace's claims by name. */
  claims: ReadonlyMap<string, corev1.PersistentVolumeClaim>;
  nowMs: number;
}

export interface Plan {
  actions: Action[];
  /** Pods in the ordinal range by index (ordinal - start); a missing one is the pod to create. */
  replicas: corev1.Pod[];
  condemned: corev1.Pod[];
}

function missingClaims(set: appsv1.StatefulSet, pod: corev1.Pod, claims: ReadonlyMap<string, corev1.PersistentVolumeClaim>): boolean {
  for (const claim of persistentVolumeClaims(set, getOrdinal(pod)).values()) {
    if (!claims.has(claim.metadata?.name ?? '')) return true;
  }
  return false;
}

function claimsMatchRetention(set: appsv1.StatefulSet, pod: corev1.Pod, claims: ReadonlyMap<string, corev1.PersistentVolumeClaim>): boolean {
  for (const want of persistentVolumeClaims(set, getOrdinal(pod)).values()) {
    const claim = claims.get(want.metadata?.name ?? '');
    if (claim && !claimOwnersMatch(set, pod, claim)) return false;
  }
  return true;
}

/**
 * A claim left from an earlier pod of this ordinal that is being deleted (its owner pod is gone
 * or terminating): the new pod must wait until it is gone, as PodClaimIsStale.
 */
function claimIsStale(set: appsv1.StatefulSet, pod: corev1.Pod, claims: ReadonlyMap<string, corev1.PersistentVolumeClaim>): boolean {
  for (const want of persistentVolumeClaims(set, getOrdinal(pod)).values()) {
    const claim = claims.get(want.metadata?.name ?? '');
    if (claim?.metadata?.deletionTimestamp) return true;
  }
  return false;
}

export function planStatefulSet(input: PlanInput): Plan {
  const { set, currentSet, currentRevision, updateRevision, claims, nowMs } = input;
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
  const minReadySeconds = set.spec?.minReadySeconds ?? 0;
  const start = startOrdinal(set);
  const count = replicaCount(set);
  const actions: Action[] = [];

  const slots: (corev1.Pod | undefined)[] = new Array(count).fill(undefined);
  const condemned: corev1.Pod[] = [];
  for (const pod of input.pods) {
    const ordinal = getOrdinal(pod);
    if (ordinal < 0) continue;
    if (ordinal >= start && ordinal < start + count) slots[ordinal - start] = pod;
    else condemned.push(pod);
  }
  // Highest ordinal first.
  condemned.sort((a, b) => byOrdinal(b, a));
  const created = new Set<corev1.Pod>();
  const replicas = slots.map((pod, i) => {
    if (pod) {
      created.add(pod);
      return pod;
    }
    return newVersionedPod(currentSet, set, currentRevision, updateRevision, start + i);
  });

  let firstUnhealthy: corev1.Pod | undefined = replicas.find((p) => !isHealthy(p));
  if (!firstUnhealthy) {
    for (let i = condemned.length - 1; i >= 0; i--) {
      if (!isHealthy(condemned[i])) {
        firstUnhealthy = condemned[i];
        break;
      }
    }
  }
  const done = (): Plan => ({ actions, replicas, condemned });

  // Bring up (or repair) every pod in range, in ordinal order.
  for (const pod of replicas) {
    if (created.has(pod) && (isFailed(pod) || isSucceeded(pod))) {
      // A new pod of this ordinal comes on a later sync, once this one is gone.
      if (!isTerminating(pod)) actions.push({ type: 'delete', pod, reason: 'finished' });
      if (monotonic) return done();
      continue;
    }
    if (!created.has(pod)) {
      if (claimIsStale(set, pod, claims)) {
        if (monotonic) return done();
        continue;
      }
      actions.push({ type: 'create', pod });
      if (monotonic) return done();
      continue;
    }
    if (isPending(pod) && missingClaims(set, pod, claims)) actions.push({ type: 'createClaims', pod });
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReadySeconds, nowMs))) return done();
    if (!identityMatches(set, pod) || !storageMatches(set, pod)) actions.push({ type: 'repair', pod });
    else if (!claimsMatchRetention(set, pod, claims)) actions.push({ type: 'claimOwners', pod });
  }

  // Claims of condemned pods get their retention owners before the pods go.
  for (const pod of condemned) {
    if (!claimsMatchRetention(set, pod, claims)) actions.push({ type: 'claimOwners', pod });
  }

  // Scale down: highest ordinal first; in order mode one at a time, all others healthy.
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return done();
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReadySeconds, nowMs))) return done();
    actions.push({ type: 'delete', pod, reason: 'condemned' });
    if (monotonic) return done();
  }

  if (set.spec?.updateStrategy?.type === 'OnDelete') return done();

  // RollingUpdate: delete pods of an old revision, highest ordinal first, down to the
  // partition, while fewer than maxUnavailable pods in range are unhealthy.
  let unavailable = replicas.filter((p) => !created.has(p) || !isHealthy(p) || !isRunningAndAvailable(p, minReadySeconds, nowMs)).length;
  const limit = maxUnavailable(set);
  const minOrdinal = partition(set);
  for (let i = replicas.length - 1; i >= 0 && unavailable < limit; i--) {
    const pod = replicas[i];
    if (start + i < minOrdinal) break;
    if (!created.has(pod)) continue;
    if (podRevision(pod) !== updateRevision && !isTerminating(pod)) {
      actions.push({ type: 'delete', pod, reason: 'update' });
      // A healthy pod going away makes one more unavailable.
      if (isHealthy(pod)) unavailable++;
    }
  }
  return done();
}

export interface StatusCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

/** The status counts of the set's pods, as Kubernetes counts them. */
export function countPods(pods: readonly corev1.Pod[], currentRevision: string, updateRevision: string, minReadySeconds: number, nowMs: number): StatusCounts {
  const counts: StatusCounts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    counts.replicas++;
    if (isRunningAndReady(pod)) {
      counts.readyReplicas++;
      if (isRunningAndAvailable(pod, minReadySeconds, nowMs)) counts.availableReplicas++;
    }
    if (isTerminating(pod)) continue;
    const revision = podRevision(pod);
    if (revision === currentRevision) counts.currentReplicas++;
    if (revision === updateRevision) counts.updatedReplicas++;
  }
  return counts;
}

/**
 * The status the sync writes: counts, revisions, observedGeneration, collisionCount; once every
 * replica runs the update revision and is ready, the update revision becomes the current one.
 */
export function computeStatus(
  set: appsv1.StatefulSet,
  counts: StatusCounts,
  currentRevision: string,
  updateRevision: string,
  collisionCount: number | undefined,
): appsv1.StatefulSetStatus {
  const status: appsv1.StatefulSetStatus = {
    ...(set.status ?? {}),
    observedGeneration: set.metadata?.generation,
    ...counts,
    currentRevision,
    updateRevision,
    collisionCount: collisionCount ?? 0,
  };
  const replicas = replicaCount(set);
  if (
    (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' &&
    counts.updatedReplicas === replicas &&
    counts.readyReplicas === replicas &&
    counts.replicas === replicas
  ) {
    status.currentRevision = updateRevision;
    status.currentReplicas = counts.updatedReplicas;
  }
  return status;
}

export function statusEqual(a: appsv1.StatefulSetStatus | undefined, b: appsv1.StatefulSetStatus): boolean {
  const x = a ?? {};
  return (
    x.observedGeneration === b.observedGeneration &&
    (x.replicas ?? 0) === b.replicas &&
    (x.readyReplicas ?? 0) === b.readyReplicas &&
    (x.availableReplicas ?? 0) === b.availableReplicas &&
    (x.currentReplicas ?? 0) === b.currentReplicas &&
    (x.updatedReplicas ?? 0) === b.updatedReplicas &&
    (x.currentRevision ?? '') === b.currentRevision &&
    (x.updateRevision ?? '') === b.updateRevision &&
    (x.collisionCount ?? 0) === (b.collisionCount ?? 0)
  );
}
