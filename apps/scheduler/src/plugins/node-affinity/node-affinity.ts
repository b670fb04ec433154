import type { corev1 } from '@minik8s/api';
import type { CycleState, StateData } from '../../framework/cycle-state';
import {
  ActionType,
  defaultNormalizeScore,
  MAX_NODE_SCORE,
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type FilterPlugin,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type QueueingHint,
  type ScorePlugin,
} from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import { nodeSelectorTermMatches, RequiredNodeAffinity } from '../../framework/node-selector';
import type { PodInfo } from '../../framework/pod-info';
import { skip, unresolvable, type PluginStatus } from '../../framework/status';
import { Names } from '../names';

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

const PRE_FILTER_KEY = `PreFilter${Names.NodeAffinity}`;
const PRE_SCORE_KEY = `PreScore${Names.NodeAffinity}`;

class PreFilterState implements StateData {
  constructor(readonly required: RequiredNodeAffinity) {}
  clone(): StateData {
    return this;
  }
}

class PreScoreState implements StateData {
  constructor(readonly preferred: readonly corev1.PreferredSchedulingTerm[]) {}
  clone(): StateData {
    return this;
  }
}

/**
 * The node names the required terms allow when every term pins `metadata.name` with In;
 * undefined when some term could match any node.
 */
function nodeNamesFromTerms(pod: corev1.Pod): Set<string> | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return undefined;
  const union = new Set<string>();
  for (const term of terms) {
    let names: Set<string> | undefined;
    for (const f of term.matchFields ?? []) {
      if (f.key !== 'metadata.name' || f.operator !== 'In') continue;
      const values = new Set(f.values ?? []);
      names = names ? new Set([...names].filter((n) => values.has(n))) : values;
    }
    if (!names) return undefined;
    for (const n of names) union.add(n);
  }
  return union;
}

/**
 * Filter: the node must carry the pod's nodeSelector labels and match one of its required node
 * affinity terms. Score: the summed weights of the preferred terms the node matches.
 */
export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = Names.NodeAffinity;
  private readonly rejected = unresolvable(ERR_REASON_POD);

  preFilter(state: CycleState, pod: PodInfo): PluginStatus | PreFilterResult {
    const required = new RequiredNodeAffinity(pod.pod);
    if (required.isEmpty) return skip();
    state.write(PRE_FILTER_KEY, new PreFilterState(required));
    const names = nodeNamesFromTerms(pod.pod);
    return names ? { nodeNames: names } : null;
  }

  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    const node = nodeInfo.node;
    if (!node) return this.rejected;
    const required = state.read<PreFilterState>(PRE_FILTER_KEY)?.required ?? new RequiredNodeAffinity(pod.pod);
    return required.matches(node) ? null : this.rejected;
  }

  preScore(state: CycleState, pod: PodInfo): PluginStatus {
    const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (preferred.length === 0) return skip();
    state.write(PRE_SCORE_KEY, new PreScoreState(preferred));
    return null;
  }

  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const preferred = state.read<PreScoreState>(PRE_SCORE_KEY)?.preferred ?? pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    let total = 0;
    for (const term of preferred) {
      if (!term.weight || !term.preference) continue;
      if (nodeSelectorTermMatches(term.preference, nodeInfo.labels, nodeInfo.name)) total += term.weight;
    }
    return total;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): PluginStatus {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel }, hint: isSchedulableAfterNodeChange },
      { event: { resource: 'Pod', actionType: ActionType.UpdateOther } },
    ];
  }
}

/** A node change helps only if the node now matches the pod's required affinity and did not before. */
function isSchedulableAfterNodeChange(pod: corev1.Pod, oldObj: unknown, newObj: unknown): QueueingHint {
  const required = new RequiredNodeAffinity(pod);
  const next = newObj as corev1.Node | undefined;
  if (!next || !required.matches(next)) return 'Skip';
  const prev = oldObj as corev1.Node | undefined;
  return prev && required.matches(prev) ? 'Skip' : 'Queue';
}

export function newNodeAffinity(): NodeAffinity {
  return new NodeAffinity();
}
