// The two orders kubectl ranks a workload's pods by (kubectl's util/podutils): ByLogging, for the
// pod `logs TYPE/NAME` reads, and ActivePods reversed, for the pod `exec`, `attach` and
// `port-forward` pick (polymorphichelpers.attachablePodForObject). They differ on restarts (logs
// prefers the most restarted, attach the least), on deleting pods, and on Succeeded and Failed pods,
// which Go's zero map value ranks with Running for logs and with Pending for attach.

import type { corev1 } from '@minik8s/api';

/** Sorts most interesting first. */
export type PodOrder = (a: corev1.Pod, b: corev1.Pod) => number;

function readyCondition(pod: corev1.Pod): corev1.PodCondition | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
}

function isReady(pod: corev1.Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

function maxRestarts(pod: corev1.Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((s) => s.restartCount ?? 0));
}

/** Earlier first; a missing time goes last (Kubernetes' afterOrZero). */
function earlierFirst(a: string | undefined, b: string | undefined): number {
  const ta = a ? Date.parse(a) : NaN;
  const tb = b ? Date.parse(b) : NaN;
  if (Number.isNaN(ta) || Number.isNaN(tb)) return Number.isNaN(ta) === Number.isNaN(tb) ? 0 : Number.isNaN(ta) ? 1 : -1;
  return ta - tb;
}

/** Pods on a node before pods on none; 0 when both or neither are. */
function assignedFirst(a: corev1.Pod, b: corev1.Pod): number {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA === nodeB || (nodeA && nodeB)) return 0;
  return nodeA ? -1 : 1;
}

/** The lower rank first; a phase missing from `ranks` ranks as Go's zero value. */
function byPhase(ranks: Record<string, number>, a: corev1.Pod, b: corev1.Pod): number {
  return (ranks[a.status?.phase ?? ''] ?? 0) - (ranks[b.status?.phase ?? ''] ?? 0);
}

function readyFirst(a: corev1.Pod, b: corev1.Pod): number {
  return isReady(a) === isReady(b) ? 0 : isReady(a) ? -1 : 1;
}

/** Of two ready pods, the one ready the longest first. */
function readyLongestFirst(a: corev1.Pod, b: corev1.Pod): number {
  if (!isReady(a) || !isReady(b)) return 0;
  return earlierFirst(readyCondition(a)?.lastTransitionTime, readyCondition(b)?.lastTransitionTime);
}

function firstNonZero(...results: (() => number)[]): number {
  for (const result of results) {
    const r = result();
    if (r !== 0) return r;
  }
  return 0;
}

const LOGGING_PHASES: Record<string, number> = { Running: 0, Unknown: 1, Pending: 2 };

/**
 * kubectl's ByLogging: on a node, then Running (and, by Go's zero value, Succeeded and Failed)
 * before Unknown before Pending, then ready, then ready the longest, then most restarted, then oldest.
 */
export const byLogging: PodOrder = (a, b) =>
  firstNonZero(
    () => assignedFirst(a, b),
    () => byPhase(LOGGING_PHASES, a, b),
    () => readyFirst(a, b),
    () => readyLongestFirst(a, b),
    () => maxRestarts(b) - maxRestarts(a),
    () => earlierFirst(a.metadata?.creationTimestamp, b.metadata?.creationTimestamp),
  );

const ACTIVE_PHASES: Record<string, number> = { Running: 0, Unknown: 1, Pending: 2 };
/** ActivePods ranks an unlisted phase (Succeeded, Failed) with Pending, Go's zero value there. */
const ACTIVE_OTHER_PHASE = 2;

function deletingLast(a: corev1.Pod, b: corev1.Pod): number {
  const da = a.metadata?.deletionTimestamp;
  const db = b.metadata?.deletionTimestamp;
  if (!!da !== !!db) return da ? 1 : -1;
  if (!da || !db) return 0;
  // Of two deleting pods the one deleted later is the more active.
  return (Date.parse(db) || 0) - (Date.parse(da) || 0);
}

/**
 * kubectl's sort.Reverse(ActivePods), the most active first: on a node, then Running before
 * Unknown before Pending (Succeeded and Failed with Pending), then ready, then not being deleted
 * (or deleted later), then ready the longest, then least restarted, then oldest.
 */
export const mostActiveFirst: PodOrder = (a, b) =>
  firstNonZero(
    () => assignedFirst(a, b),
    () => (ACTIVE_PHASES[a.status?.phase ?? ''] ?? ACTIVE_OTHER_PHASE) - (ACTIVE_PHASES[b.status?.phase ?? ''] ?? ACTIVE_OTHER_PHASE),
    () => readyFirst(a, b),
    () => deletingLast(a, b),
    () => readyLongestFirst(a, b),
    () => maxRestarts(a) - maxRestarts(b),
    () => earlierFirst(a.metadata?.creationTimestamp, b.metadata?.creationTimestamp),
  );
