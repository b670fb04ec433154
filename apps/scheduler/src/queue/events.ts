import type { corev1 } from '@minik8s/api';
import { ActionType, type ClusterEvent } from '../framework/interfaces';
import { computePodRequests } from '../framework/resource';
import { sameValue } from '../framework/same-value';

/** The cluster events the scheduler reacts to, by name (for logs and tests). */
export const Events = {
  NodeAdd: { resource: 'Node', actionType: ActionType.Add, label: 'NodeAdd' },
  NodeDelete: { resource: 'Node', actionType: ActionType.Delete, label: 'NodeDelete' },
  AssignedPodAdd: { resource: 'Pod', actionType: ActionType.Add, label: 'AssignedPodAdd' },
  AssignedPodDelete: { resource: 'Pod', actionType: ActionType.Delete, label: 'AssignedPodDelete' },
  UnschedulableTimeout: { resource: '*', actionType: ActionType.All, label: 'UnschedulableTimeout' },
  ForceActivate: { resource: '*', actionType: ActionType.All, label: 'ForceActivate' },
} as const satisfies Record<string, ClusterEvent>;

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function conditionsWithoutTimes(node: corev1.Node): unknown {
  return (node.status?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]);
}

/** What changed about a node, as ActionType bits; 0 when nothing the scheduler cares about did. */
export function nodeUpdateAction(oldNode: corev1.Node, newNode: corev1.Node): number {
  let action = 0;
  if (!sameJson(oldNode.status?.allocatable, newNode.status?.allocatable)) action |= ActionType.UpdateNodeAllocatable;
  if (!sameJson(oldNode.metadata?.labels, newNode.metadata?.labels)) action |= ActionType.UpdateNodeLabel;
  if (!sameJson(oldNode.spec?.taints, newNode.spec?.taints) || !!oldNode.spec?.unschedulable !== !!newNode.spec?.unschedulable) {
    action |= ActionType.UpdateNodeTaint;
  }
  if (!sameJson(conditionsWithoutTimes(oldNode), conditionsWithoutTimes(newNode))) action |= ActionType.UpdateNodeCondition;
  if (!sameJson(oldNode.metadata?.annotations, newNode.metadata?.annotations)) action |= ActionType.UpdateNodeAnnotation;
  return action;
}

/** What changed about an assigned pod that could matter to other pods. */
export function assignedPodUpdateAction(oldPod: corev1.Pod, newPod: corev1.Pod): number {
  // Most updates of a bound pod are its status: nothing other pods' scheduling depends on.
  if (sameValue(oldPod.metadata?.labels, newPod.metadata?.labels) && sameValue(oldPod.spec, newPod.spec)) return 0;
  let action = 0;
  if (!sameJson(oldPod.metadata?.labels, newPod.metadata?.labels)) action |= ActionType.UpdatePodLabel;
  const before = computePodRequests(oldPod.spec);
  const after = computePodRequests(newPod.spec);
  if (after.milliCPU < before.milliCPU || after.memory < before.memory || after.ephemeralStorage < before.ephemeralStorage) {
    action |= ActionType.UpdatePodScaleDown;
  }
  return action;
}

function stripForCompare(pod: corev1.Pod): unknown {
  const meta = pod.metadata ?? {};
  return { ...pod, status: undefined, metadata: { ...meta, resourceVersion: undefined, generation: undefined, managedFields: undefined } };
}

/** True when anything but status and bookkeeping changed (a pending pod's own update may help it). */
export function isPodUpdated(oldPod: corev1.Pod, newPod: corev1.Pod): boolean {
  return !sameJson(stripForCompare(oldPod), stripForCompare(newPod));
}
