import type { corev1 } from '@minik8s/api';
import { isPodActive, isPodReady, parseTime, podReadyCondition } from '../../shared/pod-conditions';

/**
 * Pod predicates and the deletion order of Kubernetes' controller_utils (IsPodActive,
 * IsPodReady, IsPodAvailable, ActivePodsWithRanks), in the form the replica controllers use.
 */

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

export { isPodActive, isPodAvailable, isPodReady, parseTime, podReadyCondition } from '../../shared/pod-conditions';

/** How long a ready pod has been ready for ordering: its Ready condition's transition time. */
function podReadyTime(pod: corev1.Pod): number | undefined {
  return isPodReady(pod) ? parseTime(podReadyCondition(pod)?.lastTransitionTime) : undefined;
}

function maxContainerRestarts(pod: corev1.Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The pod-deletion-cost annotation as an int32; absent or invalid counts as 0. */
export function podDeletionCost(pod: corev1.Pod): number {
  const value = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return 0;
  const n = Number(value);
  return n >= INT32_MIN && n <= INT32_MAX ? n : 0;
}

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseOrdinal(pod: corev1.Pod): number {
  return PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0;
}

/** Go's afterOrZero: a zero time sorts first, then the later time. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

/**
 * Kubernetes' LogarithmicScaleDown: times whose ages (in ns) fall in the same power-of-two
 * bucket count as equal, so that scale-down does not always hit the very newest pods.
 */
function logarithmicRankDiff(t1: number, t2: number, nowMs: number): number {
  const bucket = (t: number): number => {
    const ageNs = (nowMs - t) * 1e6;
    return ageNs > 0 ? Math.floor(Math.log2(ageNs)) : -1;
  };
  return bucket(t1) - bucket(t2);
}

function uidOf(pod: corev1.Pod): string {
  return pod.metadata?.uid ?? '';
}

/**
 * Whether `a` should be deleted before `b` (ActivePodsWithRanks.Less). `rankA` and `rankB` count
 * the related active pods on each pod's node. In order: unscheduled before scheduled; Pending
 * before Unknown before Running; not ready before ready; lower pod-deletion-cost first; more
 * doubled-up first; ready more recently first (log scale); more restarts first; newer first
 * (log scale); ties inside one log bucket by UID.
 */
export function deleteBefore(a: corev1.Pod, rankA: number, b: corev1.Pod, rankB: number, nowMs: number): boolean {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '';
  if (phaseOrdinal(a) !== phaseOrdinal(b)) return phaseOrdinal(a) < phaseOrdinal(b);
  if (isPodReady(a) !== isPodReady(b)) return !isPodReady(a);
  const costA = podDeletionCost(a);
  const costB = podDeletionCost(b);
  if (costA !== costB) return costA < costB;
  if (rankA !== rankB) return rankA > rankB;
  if (isPodReady(a) && isPodReady(b)) {
    const readyA = podReadyTime(a);
    const readyB = podReadyTime(b);
    if (readyA !== readyB) {
      if (readyA === undefined || readyB === undefined) return afterOrZero(readyA, readyB);
      const diff = logarithmicRankDiff(readyA, readyB, nowMs);
      if (diff === 0) return uidOf(a) < uidOf(b);
      return diff < 0;
    }
  }
  const restartsA = maxContainerRestarts(a);
  const restartsB = maxContainerRestarts(b);
  if (restartsA !== restartsB) return restartsA > restartsB;
  const createdA = parseTime(a.metadata?.creationTimestamp);
  const createdB = parseTime(b.metadata?.creationTimestamp);
  if (createdA !== createdB) {
    if (createdA === undefined || createdB === undefined) return afterOrZero(createdA, createdB);
    const diff = logarithmicRankDiff(createdA, createdB, nowMs);
    if (diff === 0) return uidOf(a) < uidOf(b);
    return diff < 0;
  }
  return false;
}

/**
 * The `count` pods of `pods` to delete first. Each pod is ranked by how many active pods of
 * `related` (the pods of every replica set sharing this one's owner) run on its node.
 * `pods` is not reordered.
 */
export function podsToDelete(pods: readonly corev1.Pod[], related: readonly corev1.Pod[], count: number, nowMs: number): corev1.Pod[] {
  // Deleting all of them needs no order.
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const pod of related) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => (deleteBefore(x.pod, x.rank, y.pod, y.rank, nowMs) ? -1 : deleteBefore(y.pod, y.rank, x.pod, x.rank, nowMs) ? 1 : 0));
  return ranked.slice(0, count).map((r) => r.pod);
}
