import { selectorFromSet, type appsv1, type corev1 } from '@minik8s/api';

/**
 * Which nodes a DaemonSet's pods belong on, as Kubernetes' NodeShouldRunDaemonPod decides it:
 * the template's nodeName, its nodeSelector and required node affinity, and the node's taints
 * against the template's tolerations plus the tolerations every daemon pod gets.
 */

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** The node field a daemon pod's node affinity pins (Kubernetes' ObjectNameField). */
export const NODE_NAME_FIELD = 'metadata.name';

type Labels = Readonly<Record<string, string>>;

/** Two tolerations are the same one when key, operator, value and effect agree (MatchToleration). */
function sameToleration(a: corev1.Toleration, b: corev1.Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

function identicalToleration(a: corev1.Toleration, b: corev1.Toleration): boolean {
  return sameToleration(a, b) && a.tolerationSeconds === b.tolerationSeconds;
}

/**
 * AddOrUpdateTolerationInPodSpec: `toleration` replaces the same toleration (whatever its
 * tolerationSeconds), or is appended. Returns a new list; `tolerations` is not touched.
 */
export function addOrUpdateToleration(tolerations: readonly corev1.Toleration[], toleration: corev1.Toleration): corev1.Toleration[] {
  let replaced = false;
  const out: corev1.Toleration[] = [];
  for (const t of tolerations) {
    if (sameToleration(t, toleration)) {
      if (identicalToleration(t, toleration)) return [...tolerations];
      out.push({ ...toleration });
      replaced = true;
      continue;
    }
    out.push(t);
  }
  if (!replaced) out.push({ ...toleration });
  return out;
}

/**
 * The template's tolerations plus those every daemon pod gets (AddOrUpdateDaemonPodTolerations):
 * it survives not-ready and unreachable nodes forever (NoExecute without tolerationSeconds), and
 * lands on nodes under disk, memory or PID pressure and on cordoned nodes; host-network pods also
 * on nodes whose network is not set up yet.
 */
export function daemonPodTolerations(spec: corev1.PodSpec | undefined): corev1.Toleration[] {
  let tolerations: corev1.Toleration[] = [...(spec?.tolerations ?? [])];
  const add = (key: string, effect: string): void => {
    tolerations = addOrUpdateToleration(tolerations, { key, operator: 'Exists', effect });
  };
  add(TAINT_NODE_NOT_READY, 'NoExecute');
  add(TAINT_NODE_UNREACHABLE, 'NoExecute');
  add(TAINT_NODE_DISK_PRESSURE, 'NoSchedule');
  add(TAINT_NODE_MEMORY_PRESSURE, 'NoSchedule');
  add(TAINT_NODE_PID_PRESSURE, 'NoSchedule');
  add(TAINT_NODE_UNSCHEDULABLE, 'NoSchedule');
  if (spec?.hostNetwork) add(TAINT_NODE_NETWORK_UNAVAILABLE, 'NoSchedule');
  return tolerations;
}

export { findUntoleratedTaint, toleratesTaint } from '@minik8s/api';
import { findUntoleratedTaint } from '@minik8s/api';

/** Go's strconv.ParseInt for the values of Gt and Lt. */
function parseInteger(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * One matchExpressions requirement against a node's labels. A requirement Kubernetes cannot
 * parse (an unknown operator, In without values, Gt with a non-integer) matches nothing.
 */
export function labelRequirementMatches(req: corev1.NodeSelectorRequirement, labels: Labels): boolean {
  const key = req.key ?? '';
  const has = Object.hasOwn(labels, key);
  const value = has ? labels[key] : undefined;
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return values.length > 0 && value !== undefined && values.includes(value);
    case 'NotIn':
      return values.length > 0 && (value === undefined || !values.includes(value));
    case 'Exists':
      return values.length === 0 && has;
    case 'DoesNotExist':
      return values.length === 0 && !has;
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1 || value === undefined) return false;
      const bound = parseInteger(values[0]);
      const actual = parseInteger(value);
      if (bound === undefined || actual === undefined) return false;
      return req.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/** One matchFields requirement: only `metadata.name`, with In or NotIn and exactly one value. */
export function fieldRequirementMatches(req: corev1.NodeSelectorRequirement, nodeName: string): boolean {
  const values = req.values ?? [];
  if (req.key !== NODE_NAME_FIELD || values.length !== 1) return false;
  if (req.operator === 'In') return values[0] === nodeName;
  if (req.operator === 'NotIn') return values[0] !== nodeName;
  return false;
}

/** A term holds when every expression and field does; a term with neither matches nothing. */
export function nodeSelectorTermMatches(term: corev1.NodeSelectorTerm, node: corev1.Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const name = node.metadata?.name ?? '';
  return exprs.every((r) => labelRequirementMatches(r, labels)) && fields.every((r) => fieldRequirementMatches(r, name));
}

/**
 * GetRequiredNodeAffinity(pod).Match(node): the nodeSelector's labels, and one of the required
 * node affinity terms (ORed; no terms at all match nothing; no required affinity matches all).
 */
export function requiredNodeAffinityMatches(spec: corev1.PodSpec | undefined, node: corev1.Node): boolean {
  if (!selectorFromSet(spec?.nodeSelector).matches(node.metadata?.labels)) return false;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((term) => nodeSelectorTermMatches(term, node));
}

export interface NodeFit {
  /** A daemon pod should be created on this node if it has none. */
  shouldRun: boolean;
  /** A daemon pod already on this node may stay (it tolerates every NoExecute taint). */
  shouldContinueRunning: boolean;
}

const isNoExecuteOrNoSchedule = (t: corev1.Taint): boolean => t.effect === 'NoExecute' || t.effect === 'NoSchedule';
const isNoExecute = (t: corev1.Taint): boolean => t.effect === 'NoExecute';

/**
 * NodeShouldRunDaemonPod. A node's `spec.unschedulable` is not looked at: cordoned nodes still
 * run daemon pods (Kubernetes marks them with the unschedulable taint, which daemon pods
 * tolerate). Node conditions are not looked at either: daemon pods tolerate not-ready nodes.
 */
export function nodeShouldRunDaemonPod(node: corev1.Node, ds: appsv1.DaemonSet): NodeFit {
  const spec = ds.spec?.template?.spec;
  const nodeName = node.metadata?.name ?? '';
  const pinned = spec?.nodeName ?? '';
  if (pinned !== '' && pinned !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  if (!requiredNodeAffinityMatches(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tolerations = daemonPodTolerations(spec);
  if (findUntoleratedTaint(taints, tolerations, isNoExecuteOrNoSchedule)) {
    // A pod already there may stay unless a NoExecute taint would evict it.
    return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(taints, tolerations, isNoExecute) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}
