import type { appsv1, corev1 } from '@minik8s/api';
import { isPodAvailable, isPodReady } from '../../shared/pod-conditions';
import { isPodUpdated, oldestFirst } from './daemon-pods';
import type { NodeFit } from './node-eligibility';

export type DaemonSetStatus = appsv1.DaemonSetStatus;

/** The counts updateDaemonSetStatus writes. */
export interface DaemonCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

export interface StatusInput {
  nodes: readonly corev1.Node[];
  fit: (node: corev1.Node) => NodeFit;
  /** Daemon pods by target node (finished pods being deleted left out). */
  nodeToPods: ReadonlyMap<string, readonly corev1.Pod[]>;
  hash: string;
  generation: number | undefined;
  minReadySeconds: number;
  nowMs: number;
}

/**
 * Per node: one that should run a daemon pod is desired, and scheduled when it has one; its
 * oldest pod decides whether it is ready, available and updated. A node that should not run
 * one but has one counts as misscheduled. Unavailable is desired minus available.
 */
export function calculateCounts(input: StatusInput): DaemonCounts {
  const counts: DaemonCounts = {
    desiredNumberScheduled: 0,
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
  };
  for (const node of input.nodes) {
    const pods = input.nodeToPods.get(node.metadata?.name ?? '') ?? [];
    const scheduled = pods.length > 0;
    if (!input.fit(node).shouldRun) {
      if (scheduled) counts.numberMisscheduled++;
      continue;
    }
    counts.desiredNumberScheduled++;
    if (!scheduled) continue;
    counts.currentNumberScheduled++;
    const pod = oldestFirst(pods)[0];
    if (isPodReady(pod)) {
      counts.numberReady++;
      if (isPodAvailable(pod, input.minReadySeconds, input.nowMs)) counts.numberAvailable++;
    }
    if (isPodUpdated(pod, input.hash, input.generation)) counts.updatedNumberScheduled++;
  }
  counts.numberUnavailable = counts.desiredNumberScheduled - counts.numberAvailable;
  return counts;
}

/** storeDaemonSetStatus's check: the counts are already written and this generation was seen. */
export function statusUpToDate(status: DaemonSetStatus | undefined, counts: DaemonCounts, generation: number | undefined): boolean {
  const s = status ?? {};
  return (
    (s.desiredNumberScheduled ?? 0) === counts.desiredNumberScheduled &&
    (s.currentNumberScheduled ?? 0) === counts.currentNumberScheduled &&
    (s.numberMisscheduled ?? 0) === counts.numberMisscheduled &&
    (s.numberReady ?? 0) === counts.numberReady &&
    (s.updatedNumberScheduled ?? 0) === counts.updatedNumberScheduled &&
    (s.numberAvailable ?? 0) === counts.numberAvailable &&
    (s.numberUnavailable ?? 0) === counts.numberUnavailable &&
    (s.observedGeneration ?? 0) >= (generation ?? 0)
  );
}

/** The status with `counts` written in, and observedGeneration raised when asked. */
export function withCounts(status: DaemonSetStatus | undefined, counts: DaemonCounts, observedGeneration: number | undefined): DaemonSetStatus {
  const next: DaemonSetStatus = { ...(status ?? {}), ...counts };
  if (observedGeneration !== undefined) next.observedGeneration = observedGeneration;
  return next;
}
