import type { appsv1, corev1, IntOrString } from '@minik8s/api';
import { isPodAvailable } from '../../shared/pod-conditions';
import { isPodUpdated } from './daemon-pods';

/**
 * The RollingUpdate strategy's arithmetic (pkg/controller/daemon/update.go), as pure functions
 * of what is on each node: how many nodes may be without an available pod (maxUnavailable) or
 * run an extra pod (maxSurge), and which old pods to delete or which nodes get a new pod next.
 */

/**
 * GetScaledValueFromIntOrPercent: an int as is; `N%` of `total`, rounded up or down. Anything
 * else is an error, as in Kubernetes.
 */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (!value) return 0;
  if (value.type !== 1) return value.intVal ?? 0;
  const s = value.strVal ?? '';
  const match = /^(-?[0-9]+)%$/.exec(s);
  if (!match) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export function isRollingUpdate(ds: appsv1.DaemonSet): boolean {
  return (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** AllowsSurge: a rolling update whose maxSurge is not 0. */
export function allowsSurge(ds: appsv1.DaemonSet): boolean {
  if (!isRollingUpdate(ds)) return false;
  const surge = ds.spec?.updateStrategy?.rollingUpdate?.maxSurge;
  try {
    return scaledValue(surge, 100, true) !== 0;
  } catch {
    return false;
  }
}

export interface UpdateLimits {
  maxSurge: number;
  maxUnavailable: number;
}

/**
 * SurgeCount and UnavailableCount of `desired` nodes, both rounded up. The apiserver defaults
 * maxUnavailable to 1; should both come out 0 anyway, one node at a time may be unavailable.
 * Throws on values that are neither ints nor percentages.
 */
export function updateLimits(ds: appsv1.DaemonSet, desired: number): UpdateLimits {
  if (!isRollingUpdate(ds)) return { maxSurge: 0, maxUnavailable: 0 };
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = allowsSurge(ds) ? scaledValue(ru?.maxSurge, desired, true) : 0;
  let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, true);
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export interface NodePods {
  /** The node's current-revision pod, when it has exactly one (not being deleted). */
  newPod?: corev1.Pod;
  /** The node's old-revision pod, when it has exactly one (not being deleted). */
  oldPod?: corev1.Pod;
}

/**
 * findUpdatedPodsOnNode: the node's one new and one old pod, ignoring pods being deleted;
 * undefined when there are more than one of either, for the manage loop to prune first.
 */
export function findUpdatedPodsOnNode(pods: readonly corev1.Pod[], hash: string, generation: number | undefined): NodePods | undefined {
  const found: NodePods = {};
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (found.newPod) return undefined;
      found.newPod = pod;
    } else {
      if (found.oldPod) return undefined;
      found.oldPod = pod;
    }
  }
  return found;
}

export interface RollingUpdateInput {
  /**
   * Daemon pods by node, with an empty entry for every node that should run one but has none,
   * as updatedDesiredNodeCounts leaves it. Visited in node-name order.
   */
  nodeToPods: ReadonlyMap<string, readonly corev1.Pod[]>;
  /** Whether a new daemon pod may be placed on the node now (NodeShouldRunDaemonPod's shouldRun). */
  shouldRun: (nodeName: string) => boolean;
  /** Nodes that should run a daemon pod. */
  desired: number;
  limits: UpdateLimits;
  hash: string;
  generation: number | undefined;
  minReadySeconds: number;
  nowMs: number;
}

export interface RollingUpdatePlan {
  /** Old pods to delete now. */
  podsToDelete: corev1.Pod[];
  /** Nodes to create a new pod on now (surge only). */
  nodesToCreate: string[];
}

function sortedNodes(nodeToPods: ReadonlyMap<string, readonly corev1.Pod[]>): string[] {
  return [...nodeToPods.keys()].sort();
}

/**
 * rollingUpdate. Without surge: old pods that are not available are replaced at once, and
 * available old pods are deleted only while fewer than maxUnavailable nodes are without an
 * available pod (the manage loop then creates the new pods). With surge: a new pod is created
 * beside an old one on up to maxSurge nodes, and the old pod goes once the new one is available.
 */
export function planRollingUpdate(input: RollingUpdateInput): RollingUpdatePlan {
  return input.limits.maxSurge === 0 ? planWithoutSurge(input) : planWithSurge(input);
}

function planWithoutSurge(input: RollingUpdateInput): RollingUpdatePlan {
  const { maxUnavailable } = input.limits;
  const available = (pod: corev1.Pod): boolean => isPodAvailable(pod, input.minReadySeconds, input.nowMs);
  let numUnavailable = 0;
  const replacements: corev1.Pod[] = [];
  const candidates: corev1.Pod[] = [];
  for (const node of sortedNodes(input.nodeToPods)) {
    const found = findUpdatedPodsOnNode(input.nodeToPods.get(node) ?? [], input.hash, input.generation);
    if (!found) {
      // Excess pods: the manage loop prunes them first; the node counts as unavailable.
      numUnavailable++;
      continue;
    }
    const { newPod, oldPod } = found;
    if (!newPod && !oldPod) {
      numUnavailable++;
    } else if (newPod && oldPod) {
      numUnavailable++;
    } else if (newPod) {
      if (!available(newPod)) numUnavailable++;
    } else if (oldPod) {
      if (!available(oldPod)) {
        // It is down anyway: replace it without waiting for a slot.
        replacements.push(oldPod);
        numUnavailable++;
      } else if (numUnavailable < maxUnavailable) {
        candidates.push(oldPod);
      }
    }
  }
  const room = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
  return { podsToDelete: [...replacements, ...candidates.slice(0, room)], nodesToCreate: [] };
}

function planWithSurge(input: RollingUpdateInput): RollingUpdatePlan {
  const { maxSurge } = input.limits;
  const available = (pod: corev1.Pod): boolean => isPodAvailable(pod, input.minReadySeconds, input.nowMs);
  const podsToDelete: corev1.Pod[] = [];
  const shouldNotRunPods: corev1.Pod[] = [];
  const allowedNewNodes: string[] = [];
  const candidateNewNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const node of sortedNodes(input.nodeToPods)) {
    const found = findUpdatedPodsOnNode(input.nodeToPods.get(node) ?? [], input.hash, input.generation);
    if (!found) {
      // Excess pods: the manage loop prunes them first; the node counts as surging.
      numSurge++;
      continue;
    }
    const { newPod, oldPod } = found;
    if (oldPod ? available(oldPod) : newPod ? available(newPod) : false) numAvailable++;
    if (!oldPod) continue; // nothing to update; the manage loop creates a missing pod
    if (!newPod) {
      if (!available(oldPod)) {
        // A down old pod: replace it now, or remove it where no daemon pod belongs any more.
        if (!input.shouldRun(node)) podsToDelete.push(oldPod);
        else allowedNewNodes.push(node);
        continue;
      }
      if (!input.shouldRun(node)) {
        shouldNotRunPods.push(oldPod);
        continue;
      }
      if (numSurge >= maxSurge) continue;
      candidateNewNodes.push(node);
      continue;
    }
    // Already surged here: the old pod goes once the new one is available.
    if (!available(newPod)) {
      numSurge++;
      continue;
    }
    podsToDelete.push(oldPod);
  }
  // Pods on nodes that no longer want them go only as pods elsewhere become available.
  const deletable = Math.min(Math.max(0, numAvailable - input.desired), shouldNotRunPods.length);
  podsToDelete.push(...shouldNotRunPods.slice(0, deletable));
  const room = Math.min(Math.max(0, maxSurge - numSurge), candidateNewNodes.length);
  return { podsToDelete, nodesToCreate: [...allowedNewNodes, ...candidateNewNodes.slice(0, room)] };
}
