import type { corev1 } from '@minik8s/api';

// Pod predicates of Kubernetes' controller_utils (IsPodActive, IsPodReady, IsPodAvailable), shared
// by every controller that counts pods.

/** A pod counts toward replicas unless it is terminating or has finished. */
export function isPodActive(pod: corev1.Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function podReadyCondition(pod: corev1.Pod): corev1.PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: corev1.Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** A timestamp as ms since the epoch; undefined for Go's zero time (absent or unparsable). */
export function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Ready, and ready for longer than minReadySeconds at `nowMs`. */
export function isPodAvailable(pod: corev1.Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds === 0) return true;
  const since = parseTime(podReadyCondition(pod)?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}
