import { selectorFromSet, type corev1 } from '@minik8s/api';
import { isPodAvailable, isPodReady } from './active-pods';
import type { ReplicaCondition, ReplicaStatus } from './replicated-kind';

export const REPLICA_FAILURE = 'ReplicaFailure';

/** metav1.Time as JSON: RFC 3339 in seconds. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface StatusInput {
  status: ReplicaStatus;
  replicas: number;
  minReadySeconds: number;
  templateLabels: Record<string, string> | undefined;
  /** The active pods this owner controls. */
  pods: readonly corev1.Pod[];
  /** Why creating or deleting pods failed in this sync, if it did. */
  manageError: Error | undefined;
  nowMs: number;
}

/**
 * Kubernetes' calculateStatus: counts of the owner's active pods (all, fully labeled, ready,
 * available for minReadySeconds), and the ReplicaFailure condition, added when this sync failed
 * to create (FailedCreate) or delete (FailedDelete) pods and removed once a sync succeeds.
 * observedGeneration is set by the writer.
 */
export function calculateStatus(input: StatusInput): ReplicaStatus {
  const template = selectorFromSet(input.templateLabels);
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of input.pods) {
    if (template.matches(pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, input.minReadySeconds, input.nowMs)) available++;
    }
  }
  let conditions = input.status.conditions ?? [];
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (input.manageError && !failure) {
    const diff = input.pods.length - input.replicas;
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const condition: ReplicaCondition = {
      type: REPLICA_FAILURE,
      status: 'True',
      lastTransitionTime: formatTime(input.nowMs),
      reason,
      message: input.manageError.message,
    };
    conditions = [...conditions, condition];
  } else if (!input.manageError && failure) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  const status: ReplicaStatus = {
    ...input.status,
    replicas: input.pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
  };
  if (conditions.length > 0) status.conditions = conditions;
  else delete status.conditions;
  return status;
}

function sameConditions(a: readonly ReplicaCondition[] | undefined, b: readonly ReplicaCondition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return (
    x.length === y.length &&
    x.every(
      (c, i) =>
        c.type === y[i].type &&
        c.status === y[i].status &&
        c.reason === y[i].reason &&
        c.message === y[i].message &&
        c.lastTransitionTime === y[i].lastTransitionTime,
    )
  );
}

/** Whether writing `next` would change nothing: same counts, same conditions, generation seen. */
export function statusUpToDate(current: ReplicaStatus, next: ReplicaStatus, generation: number | undefined): boolean {
  return (
    (current.replicas ?? 0) === (next.replicas ?? 0) &&
    (current.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (current.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (current.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (generation ?? 0) === (current.observedGeneration ?? 0) &&
    sameConditions(current.conditions, next.conditions)
  );
}
