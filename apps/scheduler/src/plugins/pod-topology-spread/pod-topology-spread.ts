import { selectorFromLabelSelector, type corev1, type LabelRequirement, type Selector } from '@minik8s/api';
import type { CycleState, StateData } from '../../framework/cycle-state';
import {
  ActionType,
  MAX_NODE_SCORE,
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type PreFilterExtensions,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
} from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import { RequiredNodeAffinity } from '../../framework/node-selector';
import type { PodInfo } from '../../framework/pod-info';
import { asStatus, skip, unresolvable, unschedulable, type PluginStatus, type Status } from '../../framework/status';
import { findUntoleratedTaint, isNoScheduleOrNoExecute } from '../../framework/taints';
import { Names } from '../names';

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const HOSTNAME_LABEL = 'kubernetes.io/hostname';
const PRE_FILTER_KEY = `PreFilter${Names.PodTopologySpread}`;
const PRE_SCORE_KEY = `PreScore${Names.PodTopologySpread}`;

type Labels = Readonly<Record<string, string>>;

/** One topologySpreadConstraint, compiled. */
export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  minDomains: number;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** The pod's constraints with `whenUnsatisfiable`, with matchLabelKeys folded into the selector. */
export function podConstraints(pod: corev1.Pod, whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  const labels = pod.metadata?.labels ?? {};
  const out: Constraint[] = [];
  for (const c of pod.spec?.topologySpreadConstraints ?? []) {
    if ((c.whenUnsatisfiable ?? 'DoNotSchedule') !== whenUnsatisfiable) continue;
    let selector = selectorFromLabelSelector(c.labelSelector);
    const extra: LabelRequirement[] = [];
    for (const key of c.matchLabelKeys ?? []) if (Object.hasOwn(labels, key)) extra.push({ key, operator: 'in', values: [labels[key]] });
    if (extra.length > 0 && c.labelSelector) selector = selector.add(...extra);
    out.push({
      maxSkew: c.maxSkew ?? 1,
      topologyKey: c.topologyKey ?? '',
      selector,
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
    });
  }
  return out;
}

function hasAllTopologyKeys(labels: Labels, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (!Object.hasOwn(labels, c.topologyKey)) return false;
  return true;
}

/** Whether a node counts for a constraint (nodeAffinityPolicy, nodeTaintsPolicy). */
function nodeIncluded(c: Constraint, pod: corev1.Pod, nodeInfo: NodeInfo, required: RequiredNodeAffinity): boolean {
  const node = nodeInfo.node;
  if (!node) return false;
  if (c.nodeAffinityPolicy === 'Honor' && !required.matches(node)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(nodeInfo.taints, pod.spec?.tolerations, isNoScheduleOrNoExecute)) return false;
  return true;
}

/** Pods in `namespace` that the selector matches and that are not terminating. */
export function countMatchingPods(pods: readonly PodInfo[], selector: Selector, namespace: string): number {
  let n = 0;
  for (const p of pods) {
    if (p.namespace !== namespace || p.pod.metadata?.deletionTimestamp) continue;
    if (selector.matches(p.labels)) n++;
  }
  return n;
}

class PreFilterState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    /** Per constraint: topology value → matching pods in that domain. */
    readonly matchNum: Map<string, number>[],
    /** Per constraint: the smallest count over its domains. */
    readonly minMatch: number[],
  ) {}

  recomputeMin(i: number): void {
    let min = Infinity;
    for (const v of this.matchNum[i].values()) if (v < min) min = v;
    this.minMatch[i] = min;
  }

  clone(): StateData {
    return new PreFilterState(this.constraints, this.matchNum.map((m) => new Map(m)), this.minMatch.slice());
  }
}

class PreScoreState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    readonly ignoredNodes: ReadonlySet<string>,
    readonly counts: Map<string, number>[],
    readonly weights: readonly number[],
  ) {}
  clone(): StateData {
    return this;
  }
}

/**
 * Spreads matching pods evenly over topology domains. Filter (DoNotSchedule): placing the pod
 * must not make its domain exceed the least-loaded one by more than maxSkew. Score
 * (ScheduleAnyway): domains with fewer matching pods score higher.
 */
export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = Names.PodTopologySpread;

  constructor(private readonly handle: Handle) {}

  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PluginStatus | PreFilterResult {
    const constraints = podConstraints(pod.pod, 'DoNotSchedule');
    if (constraints.length === 0) return skip();
    const required = new RequiredNodeAffinity(pod.pod);
    const matchNum = constraints.map(() => new Map<string, number>());
    for (const node of nodes) {
      const labels = node.labels;
      if (!hasAllTopologyKeys(labels, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!nodeIncluded(c, pod.pod, node, required)) return;
        const value = labels[c.topologyKey];
        matchNum[i].set(value, (matchNum[i].get(value) ?? 0) + countMatchingPods(node.pods, c.selector, pod.namespace));
      });
    }
    const s = new PreFilterState(constraints, matchNum, constraints.map(() => 0));
    constraints.forEach((_, i) => s.recomputeMin(i));
    state.write(PRE_FILTER_KEY, s);
    return null;
  }

  preFilterExtensions(): PreFilterExtensions {
    const update = (state: CycleState, podToSchedule: PodInfo, other: PodInfo, nodeInfo: NodeInfo, delta: number): PluginStatus => {
      const s = state.read<PreFilterState>(PRE_FILTER_KEY);
      if (!s) return asStatus(new Error(`reading "${PRE_FILTER_KEY}" from cycleState: not found`));
      if (other.namespace !== podToSchedule.namespace || !hasAllTopologyKeys(nodeInfo.labels, s.constraints)) return null;
      const required = new RequiredNodeAffinity(podToSchedule.pod);
      s.constraints.forEach((c, i) => {
        if (!c.selector.matches(other.labels) || !nodeIncluded(c, podToSchedule.pod, nodeInfo, required)) return;
        const value = nodeInfo.labels[c.topologyKey];
        s.matchNum[i].set(value, (s.matchNum[i].get(value) ?? 0) + delta);
        s.recomputeMin(i);
      });
      return null;
    };
    return {
      addPod: (state, podToSchedule, podToAdd, nodeInfo) => update(state, podToSchedule, podToAdd, nodeInfo, 1),
      removePod: (state, podToSchedule, podToRemove, nodeInfo) => update(state, podToSchedule, podToRemove, nodeInfo, -1),
    };
  }

  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (!s) return asStatus(new Error(`reading "${PRE_FILTER_KEY}" from cycleState: not found`));
    const labels = nodeInfo.labels;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      if (!Object.hasOwn(labels, c.topologyKey)) return unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      // Too few eligible domains: the global minimum counts as zero.
      let minMatch = s.matchNum[i].size < c.minDomains ? 0 : s.minMatch[i];
      if (!Number.isFinite(minMatch)) minMatch = 0;
      const selfMatch = c.selector.matches(pod.labels) ? 1 : 0;
      const skew = (s.matchNum[i].get(labels[c.topologyKey]) ?? 0) + selfMatch - minMatch;
      if (skew > c.maxSkew) return unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return null;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PluginStatus {
    const constraints = podConstraints(pod.pod, 'ScheduleAnyway');
    if (constraints.length === 0) return skip();
    const allNodes = this.handle.snapshot().list();
    if (allNodes.length === 0) return skip();
    const ignored = new Set<string>();
    const counts = constraints.map(() => new Map<string, number>());
    for (const node of nodes) {
      if (!hasAllTopologyKeys(node.labels, constraints)) {
        ignored.add(node.name);
        continue;
      }
      constraints.forEach((c, i) => {
        if (c.topologyKey === HOSTNAME_LABEL) return;
        const value = node.labels[c.topologyKey];
        if (!counts[i].has(value)) counts[i].set(value, 0);
      });
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME_LABEL ? nodes.length - ignored.size : counts[i].size) + 2));
    const required = new RequiredNodeAffinity(pod.pod);
    for (const node of allNodes) {
      if (!hasAllTopologyKeys(node.labels, constraints)) continue;
      constraints.forEach((c, i) => {
        if (c.topologyKey === HOSTNAME_LABEL || !nodeIncluded(c, pod.pod, node, required)) return;
        const value = node.labels[c.topologyKey];
        const current = counts[i].get(value);
        // Only domains that some candidate node is in matter.
        if (current === undefined) return;
        counts[i].set(value, current + countMatchingPods(node.pods, c.selector, pod.namespace));
      });
    }
    state.write(PRE_SCORE_KEY, new PreScoreState(constraints, ignored, counts, weights));
    return null;
  }

  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number | Status {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return asStatus(new Error(`reading "${PRE_SCORE_KEY}" from cycleState: not found`));
    if (s.ignoredNodes.has(nodeInfo.name)) return 0;
    const labels = nodeInfo.labels;
    let score = 0;
    s.constraints.forEach((c, i) => {
      if (!Object.hasOwn(labels, c.topologyKey)) return;
      const count = c.topologyKey === HOSTNAME_LABEL ? countMatchingPods(nodeInfo.pods, c.selector, pod.namespace) : (s.counts[i].get(labels[c.topologyKey]) ?? 0);
      // maxSkew - 1 waters down small differences, so a larger maxSkew tolerates more skew.
      score += count * s.weights[i] + (c.maxSkew - 1);
    });
    return Math.round(score);
  }

  normalizeScore(state: CycleState, _pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): PluginStatus {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return null;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (s.ignoredNodes.has(nodes[i].name)) continue;
      if (scores[i] < min) min = scores[i];
      if (scores[i] > max) max = scores[i];
    }
    for (let i = 0; i < scores.length; i++) {
      if (s.ignoredNodes.has(nodes[i].name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint } },
    ];
  }
}

export function newPodTopologySpread(_args: Record<string, unknown> | undefined, handle: Handle): PodTopologySpread {
  return new PodTopologySpread(handle);
}
