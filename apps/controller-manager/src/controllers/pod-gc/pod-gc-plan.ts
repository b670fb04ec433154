// The pod garbage collector's decisions, as pure functions of the cached pods and nodes.
import type { corev1 } from '@minik8s/api';

/** Kubernetes' default --terminated-pod-gc-threshold. */
export const DEFAULT_TERMINATED_POD_THRESHOLD = 12_500;

/** The taint an administrator puts on a node that is down for good (Kubernetes' TaintNodeOutOfService). */
export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

/** The condition a pod bound to a vanished node gets before it is deleted. */
export const ORPHANED_POD_CONDITION: corev1.PodCondition = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'DeletionByPodGC',
  message: 'PodGC: node no longer exists',
};

/** A pod that has finished: Succeeded or Failed. */
export function isPodTerminated(pod: corev1.Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** A pod being deleted: it has a deletionTimestamp. */
export function isPodTerminating(pod: corev1.Pod): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

/** A pod the kubelet evicted (Failed, reason Evicted): the first to go when there are too many terminated pods. */
export function isPodEvicted(pod: corev1.Pod): boolean {
  return pod.status?.phase === 'Failed' && pod.status.reason === 'Evicted';
}

export function isNodeReady(node: corev1.Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

function createdAt(pod: corev1.Pod): number {
  const t = Date.parse(pod.metadata?.creationTimestamp ?? '');
  // A pod without a timestamp counts as the oldest, as Go's zero time does.
  return Number.isNaN(t) ? 0 : t;
}

/** Evicted pods first, then oldest first; the name (then namespace) breaks ties, so the order is stable. */
export function compareForTerminatedGc(a: corev1.Pod, b: corev1.Pod): number {
  const evictedA = isPodEvicted(a);
  const evictedB = isPodEvicted(b);
  if (evictedA !== evictedB) return evictedA ? -1 : 1;
  const byTime = createdAt(a) - createdAt(b);
  if (byTime !== 0) return byTime;
  const byName = compareStrings(a.metadata?.name ?? '', b.metadata?.name ?? '');
  if (byName !== 0) return byName;
  return compareStrings(a.metadata?.namespace ?? '', b.metadata?.namespace ?? '');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The terminated pods beyond `threshold`, in the order they go: evicted ones first, then oldest
 * first by creationTimestamp. A threshold of 0 or less turns this collection off, as in Kubernetes.
 */
export function terminatedPodsToDelete(pods: readonly corev1.Pod[], threshold: number): corev1.Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isPodTerminated);
  const excess = terminated.length - threshold;
  if (excess <= 0) return [];
  return [...terminated].sort(compareForTerminatedGc).slice(0, excess);
}

/** Pods being deleted that never reached a node: no kubelet will ever finish them. */
export function unscheduledTerminatingPods(pods: readonly corev1.Pod[]): corev1.Pod[] {
  return pods.filter((pod) => isPodTerminating(pod) && !pod.spec?.nodeName);
}

/**
 * Pods being deleted on a node that is not Ready and carries the out-of-service taint: the
 * administrator has declared the node gone, so their graceful deletion will never complete.
 */
export function outOfServiceTerminatingPods(pods: readonly corev1.Pod[], nodeNamed: (name: string) => corev1.Node | undefined): corev1.Pod[] {
  return pods.filter((pod) => {
    const nodeName = pod.spec?.nodeName;
    if (!isPodTerminating(pod) || !nodeName) return false;
    const node = nodeNamed(nodeName);
    if (!node) return false;
    return !isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT);
  });
}

/** The names of nodes pods are bound to that are not among `existing`. */
export function missingNodeNames(pods: readonly corev1.Pod[], existing: ReadonlySet<string>): Set<string> {
  const missing = new Set<string>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (nodeName && !existing.has(nodeName)) missing.add(nodeName);
  }
  return missing;
}

/**
 * The status a pod is given before the collector deletes it: phase Failed, so whoever owns it sees
 * it finished, and `condition` (when given) set, keeping its lastTransitionTime when the status is
 * unchanged. Undefined when the pod has already finished: its status is left alone.
 */
export function failedStatus(pod: corev1.Pod, condition: corev1.PodCondition | undefined, now: string): corev1.PodStatus | undefined {
  if (isPodTerminated(pod)) return undefined;
  const status: corev1.PodStatus = { ...pod.status, phase: 'Failed' };
  if (condition) {
    const conditions = pod.status?.conditions ?? [];
    const old = conditions.find((c) => c.type === condition.type);
    const lastTransitionTime = old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : now;
    status.conditions = [...conditions.filter((c) => c.type !== condition.type), { ...condition, lastTransitionTime }];
  }
  return status;
}

/**
 * How long a node must have been missing before its pods are collected, tracked per node name.
 * A node that disappears from the cache may just not have reached it yet, so the collector waits
 * out the quarantine and then confirms with a live read before it deletes anything.
 */
export class NodeQuarantine {
  private readonly missingSince = new Map<string, number>();

  constructor(readonly quarantineMs: number) {}

  /** Records that node `name` was seen missing at `now`, unless it already was. */
  note(name: string, now: number): void {
    if (!this.missingSince.has(name)) this.missingSince.set(name, now);
  }

  /** Starts over for `name`: it exists after all. */
  forget(name: string): void {
    this.missingSince.delete(name);
  }

  /**
   * Notes every name in `missing`, forgets the names no longer missing, and returns those missing
   * for the whole quarantine (to confirm with a live read) and how long until the next one is.
   */
  review(missing: ReadonlySet<string>, now: number): { due: string[]; nextDueInMs: number | undefined } {
    for (const name of [...this.missingSince.keys()]) if (!missing.has(name)) this.missingSince.delete(name);
    for (const name of missing) this.note(name, now);
    const due: string[] = [];
    let nextDueInMs: number | undefined;
    for (const [name, since] of this.missingSince) {
      const wait = since + this.quarantineMs - now;
      if (wait <= 0) due.push(name);
      else nextDueInMs = nextDueInMs === undefined ? wait : Math.min(nextDueInMs, wait);
    }
    return { due: due.sort(), nextDueInMs };
  }

  /** Since when `name` has been missing, if it is (for tests and debugging). */
  since(name: string): number | undefined {
    return this.missingSince.get(name);
  }
}

/** metav1.Time text: RFC 3339 in whole seconds. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
