import type { corev1 } from '@minik8s/api';

// Well-known taint keys (k8s.io/api/core/v1 well_known_taints.go).
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

export const NO_EXECUTE = 'NoExecute';
export const NO_SCHEDULE = 'NoSchedule';

/** Which condition status of which node condition puts which NoSchedule taint on the node. */
const CONDITION_TAINTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: TAINT_NODE_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_NODE_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NODE_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_NODE_PID_PRESSURE },
};

/** The NoSchedule taint keys the node lifecycle controller owns. */
const MANAGED_NO_SCHEDULE_KEYS = new Set([...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)), TAINT_NODE_UNSCHEDULABLE]);
/** The NoExecute taint keys it owns: the two that mirror the Ready condition. */
const MANAGED_NO_EXECUTE_KEYS = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]);

function sameTaint(a: corev1.Taint, b: corev1.Taint): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

export { toleratesTaint } from '@minik8s/api';
import { toleratesTaint } from '@minik8s/api';

/**
 * Kubernetes' GetMatchingTolerations: whether every taint is tolerated, and for each taint the
 * first toleration that tolerates it.
 */
export function matchingTolerations(taints: readonly corev1.Taint[], tolerations: readonly corev1.Toleration[]): { allTolerated: boolean; used: corev1.Toleration[] } {
  const used: corev1.Toleration[] = [];
  for (const taint of taints) {
    const match = tolerations.find((t) => toleratesTaint(t, taint));
    if (!match) return { allTolerated: false, used: [] };
    used.push(match);
  }
  return { allTolerated: true, used };
}

/**
 * How long the tolerations let a pod stay, in ms: the least tolerationSeconds among them (0 or
 * less means at once), or -1 when none sets one (forever). No tolerations at all means at once.
 */
export function minTolerationMs(tolerations: readonly corev1.Toleration[]): number {
  if (tolerations.length === 0) return 0;
  let min = Infinity;
  for (const t of tolerations) {
    if (t.tolerationSeconds === undefined) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds * 1000);
  }
  return min === Infinity ? -1 : min;
}

export function noExecuteTaints(taints: readonly corev1.Taint[] | undefined): corev1.Taint[] {
  return (taints ?? []).filter((t) => t.effect === NO_EXECUTE);
}

/**
 * The tolerations Kubernetes' DefaultTolerationSeconds admission plugin would have given the pod:
 * unless it already tolerates not-ready (resp. unreachable) NoExecute by key or wildcard, it gets
 * `Exists` for that taint with `tolerationSeconds`. Our apiserver does not run that plugin yet,
 * so the eviction controller applies it when it reads a pod; a pod that went through the plugin
 * already has both and is unaffected.
 */
export function withDefaultTolerations(tolerations: readonly corev1.Toleration[] | undefined, tolerationSeconds: number): corev1.Toleration[] {
  const list = [...(tolerations ?? [])];
  const covers = (key: string): boolean => list.some((t) => (!t.key || t.key === key) && (!t.effect || t.effect === NO_EXECUTE));
  const defaults: corev1.Toleration[] = [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (!covers(key)) defaults.push({ key, operator: 'Exists', effect: NO_EXECUTE, tolerationSeconds });
  }
  return [...list, ...defaults];
}

function condition(node: corev1.Node, type: string): corev1.NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/**
 * The controller-owned taints a node should carry, as key and effect:
 * - NoSchedule for each condition in a bad state (Ready False/Unknown, pressure, network) and
 *   for spec.unschedulable (Kubernetes' TaintNodesByCondition);
 * - NoExecute not-ready (Ready False) or unreachable (Ready Unknown), never both.
 */
export function desiredNodeTaints(node: corev1.Node): corev1.Taint[] {
  const taints: corev1.Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type ?? '']?.[c.status ?? ''];
    if (key) taints.push({ key, effect: NO_SCHEDULE });
  }
  if (node.spec?.unschedulable) taints.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: NO_SCHEDULE });
  const ready = condition(node, 'Ready')?.status;
  if (ready === 'False') taints.push({ key: TAINT_NODE_NOT_READY, effect: NO_EXECUTE });
  if (ready === 'Unknown') taints.push({ key: TAINT_NODE_UNREACHABLE, effect: NO_EXECUTE });
  return taints;
}

/**
 * Whether the controller decides about `taint` on `node`. The NoExecute ones are decided only
 * once the node has a Ready condition: a node that has never posted status keeps what it has.
 */
function isManaged(node: corev1.Node, taint: corev1.Taint): boolean {
  if (taint.effect === NO_SCHEDULE) return MANAGED_NO_SCHEDULE_KEYS.has(taint.key ?? '');
  if (taint.effect === NO_EXECUTE) return MANAGED_NO_EXECUTE_KEYS.has(taint.key ?? '') && condition(node, 'Ready') !== undefined;
  return false;
}

/**
 * The node's taints with the controller-owned ones brought in line with its conditions: others
 * untouched, missing ones appended with timeAdded, stale ones removed. Undefined when nothing
 * changes.
 */
export function reconcileNodeTaints(node: corev1.Node, now: string): corev1.Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const desired = desiredNodeTaints(node);
  const kept = current.filter((t) => !isManaged(node, t) || desired.some((d) => sameTaint(d, t)));
  const added = desired.filter((d) => !current.some((t) => sameTaint(t, d))).map((d) => ({ ...d, timeAdded: now }));
  if (kept.length === current.length && added.length === 0) return undefined;
  return [...kept, ...added];
}
