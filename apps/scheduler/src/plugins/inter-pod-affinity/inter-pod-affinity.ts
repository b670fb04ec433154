import { nothingSelector } from '@minik8s/api';
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
import { affinityTermMatches, type AffinityTerm, type PodInfo, type WeightedAffinityTerm } from '../../framework/pod-info';
import { asStatus, skip, unresolvable, unschedulable, type PluginStatus } from '../../framework/status';
import { Names } from '../names';

export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

export interface InterPodAffinityArgs {
  /** How much an existing pod's required affinity to the incoming pod counts in scoring (0–100). */
  hardPodAffinityWeight?: number;
  ignorePreferredTermsOfExistingPods?: boolean;
}

type Labels = Readonly<Record<string, string>>;

const PRE_FILTER_KEY = `PreFilter${Names.InterPodAffinity}`;
const PRE_SCORE_KEY = `PreScore${Names.InterPodAffinity}`;

/**
 * Pod counts per topology pair (a topologyKey and a node's value for it), as two levels of maps:
 * the per-node lookups in Filter then hash the node's own label strings, never a concatenation.
 */
class TopologyCounts {
  private readonly byKey = new Map<string, Map<string, number>>();
  /** byKey's entries as arrays, for the per-node loops (no iterator per node); rebuilt on change. */
  private keys: string[] = [];
  private values: Map<string, number>[] = [];

  private reindex(): void {
    this.keys = [...this.byKey.keys()];
    this.values = [...this.byKey.values()];
  }

  add(key: string, value: string, delta: number): void {
    let byValue = this.byKey.get(key);
    if (!byValue) {
      this.byKey.set(key, (byValue = new Map()));
      this.reindex();
    }
    const n = (byValue.get(value) ?? 0) + delta;
    if (n !== 0) byValue.set(value, n);
    else {
      byValue.delete(value);
      if (byValue.size === 0) {
        this.byKey.delete(key);
        this.reindex();
      }
    }
  }

  /** The count for the pair the node's labels give `key`; 0 when the node lacks the label. */
  onNode(key: string, labels: Labels): number {
    const byValue = this.byKey.get(key);
    if (!byValue) return 0;
    // Label values are strings: anything else is no label (an inherited property, say).
    const value = labels[key];
    return typeof value === 'string' ? (byValue.get(value) ?? 0) : 0;
  }

  /** Whether any pair the node is in has a positive count. */
  anyOnNode(labels: Labels): boolean {
    for (let i = 0; i < this.keys.length; i++) {
      const value = labels[this.keys[i]];
      if (typeof value === 'string' && (this.values[i].get(value) ?? 0) > 0) return true;
    }
    return false;
  }

  get empty(): boolean {
    return this.byKey.size === 0;
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [key, byValue] of this.byKey) c.byKey.set(key, new Map(byValue));
    c.reindex();
    return c;
  }
}

/** One node's part of the PreFilter counts for one pod shape, flattened `[key, value, key, value, ...]`. */
interface NodeShare {
  /** The snapshot's NodeInfo it was counted from: a changed node is a new object or generation. */
  node: NodeInfo;
  generation: number;
  existingAntiAffinity: string[];
  affinity: string[];
  antiAffinity: string[];
}

/**
 * The PreFilter counts for one pod shape (namespace, labels, required terms: a ReplicaSet's
 * pods share it), with each node's part. The next pod of that shape recounts only the nodes that
 * changed since (the one the last pod went to, those the informers touched) instead of matching
 * every pod in the cluster again, which is what made required (anti-)affinity O(pods) per pod.
 */
class PreFilterMemo {
  readonly shares = new Map<string, NodeShare>();
  /**
   * The shares by position in `alignedTo`, the snapshot's node list when last counted. The
   * snapshot swaps a changed node's copy into its list in place, so while the list is the same
   * array, a share whose node is not the object at its position is stale: one identity check
   * per node instead of a lookup by name.
   */
  aligned: NodeShare[] = [];
  alignedTo: readonly NodeInfo[] | undefined;
  readonly existingAntiAffinity = new TopologyCounts();
  readonly affinity = new TopologyCounts();
  readonly antiAffinity = new TopologyCounts();

  apply(share: NodeShare, delta: number): void {
    const add = (counts: TopologyCounts, flat: readonly string[]): void => {
      for (let i = 0; i < flat.length; i += 2) counts.add(flat[i], flat[i + 1], delta);
    };
    add(this.existingAntiAffinity, share.existingAntiAffinity);
    add(this.affinity, share.affinity);
    add(this.antiAffinity, share.antiAffinity);
  }
}

/** Pod shapes remembered at once (several ReplicaSets scheduling side by side). */
const MAX_MEMOS = 8;

/**
 * The counts one pod's cycle filters with. They start as the memo's own maps, shared rather than
 * copied (a copy per pod was a map entry per node, twice): the memo changes them only in the next
 * pod's PreFilter, when this cycle is over. Preemption's AddPod/RemovePod change the counts of a
 * clone, which owns copies; `own` makes sure of it before any change.
 */
class PreFilterState implements StateData {
  constructor(
    /** Pairs where an existing pod's required anti-affinity selects the incoming pod. */
    public existingAntiAffinityCounts: TopologyCounts,
    /** Pairs where pods match all of the incoming pod's required affinity terms. */
    public affinityCounts: TopologyCounts,
    /** Pairs where pods match one of the incoming pod's required anti-affinity terms. */
    public antiAffinityCounts: TopologyCounts,
    readonly affinityTerms: readonly AffinityTerm[],
    readonly antiAffinityTerms: readonly AffinityTerm[],
    readonly namespaceLabels: Labels | undefined,
    private owned: boolean,
  ) {}

  /** Copies shared counts before they are changed. */
  own(): void {
    if (this.owned) return;
    this.existingAntiAffinityCounts = this.existingAntiAffinityCounts.clone();
    this.affinityCounts = this.affinityCounts.clone();
    this.antiAffinityCounts = this.antiAffinityCounts.clone();
    this.owned = true;
  }

  clone(): StateData {
    return new PreFilterState(
      this.existingAntiAffinityCounts.clone(),
      this.affinityCounts.clone(),
      this.antiAffinityCounts.clone(),
      this.affinityTerms,
      this.antiAffinityTerms,
      this.namespaceLabels,
      true,
    );
  }
}

class PreScoreState implements StateData {
  constructor(readonly topologyScore: Map<string, Map<string, number>>) {}
  clone(): StateData {
    return this;
  }
}

/**
 * Required and preferred inter-pod affinity and anti-affinity over topology domains (a node
 * label: hostname, zone, ...): a pod goes where the pods it wants are, stays away from the pods
 * it shuns, and never where an existing pod's anti-affinity shuns it.
 */
export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = Names.InterPodAffinity;
  private readonly hardPodAffinityWeight: number;
  private readonly ignorePreferredTermsOfExistingPods: boolean;

  constructor(
    private readonly handle: Handle,
    args: InterPodAffinityArgs = {},
  ) {
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
    if (this.hardPodAffinityWeight < 0 || this.hardPodAffinityWeight > 100) {
      throw new Error(`hardPodAffinityWeight: Invalid value: ${this.hardPodAffinityWeight}: not in valid range [0-100]`);
    }
    this.ignorePreferredTermsOfExistingPods = args.ignorePreferredTermsOfExistingPods ?? false;
  }

  private namespaceLabels(namespace: string): Labels | undefined {
    return this.handle.listers.namespaces.get(undefined, namespace)?.metadata?.labels;
  }

  /** An incoming term's namespaceSelector resolved to the namespaces that match it now. */
  private mergeNamespaces(terms: readonly AffinityTerm[]): AffinityTerm[] {
    return terms.map((t) => {
      if (t.namespaceSelector.matchesNothing()) return t;
      const namespaces = new Set(t.namespaces);
      for (const ns of this.handle.listers.namespaces.list()) {
        if (t.namespaceSelector.matches(ns.metadata?.labels ?? {})) namespaces.add(ns.metadata?.name ?? '');
      }
      return { ...t, namespaces, namespaceSelector: nothingSelector() };
    });
  }

  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PluginStatus | PreFilterResult {
    if (pod.parseError) return unresolvable(`parsing pod: ${pod.parseError.message}`);
    const snapshot = this.handle.snapshot();
    const withAntiAffinity = snapshot.havePodsWithRequiredAntiAffinityList;
    const hasRequired = pod.requiredAffinityTerms.length > 0 || pod.requiredAntiAffinityTerms.length > 0;
    if (!hasRequired && withAntiAffinity.length === 0) return skip();
    const nsLabels = this.namespaceLabels(pod.namespace);
    const affinityTerms = this.mergeNamespaces(pod.requiredAffinityTerms);
    const antiAffinityTerms = this.mergeNamespaces(pod.requiredAntiAffinityTerms);
    const memo = this.memoFor(pod, nsLabels, affinityTerms, antiAffinityTerms);
    const recount = (node: NodeInfo, prev: NodeShare | undefined): NodeShare => {
      if (prev) memo.apply(prev, -1);
      const share = this.shareOf(node, pod, nsLabels, affinityTerms, antiAffinityTerms);
      memo.apply(share, 1);
      memo.shares.set(node.name, share);
      return share;
    };
    if (memo.alignedTo === nodes && memo.aligned.length === nodes.length) {
      const aligned = memo.aligned;
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i];
        const prev = aligned[i];
        if (prev.node !== node || prev.generation !== node.generation) aligned[i] = recount(node, prev.node.name === node.name ? prev : memo.shares.get(node.name));
      }
    } else {
      const aligned: NodeShare[] = new Array(nodes.length);
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i];
        const prev = memo.shares.get(node.name);
        aligned[i] = prev && prev.node === node && prev.generation === node.generation ? prev : recount(node, prev);
      }
      memo.aligned = aligned;
      memo.alignedTo = nodes;
    }
    // Every node now has its share; more shares than nodes means some nodes are gone.
    if (memo.shares.size > nodes.length) {
      const present = new Set(nodes.map((n) => n.name));
      for (const [name, share] of memo.shares) {
        if (present.has(name)) continue;
        memo.apply(share, -1);
        memo.shares.delete(name);
      }
    }
    const s = new PreFilterState(memo.existingAntiAffinity, memo.affinity, memo.antiAffinity, affinityTerms, antiAffinityTerms, nsLabels, false);
    state.write(PRE_FILTER_KEY, s);
    return null;
  }

  private readonly memos = new Map<string, PreFilterMemo>();

  /** The memo for this pod's shape: what its counts depend on besides the nodes. */
  private memoFor(pod: PodInfo, nsLabels: Labels | undefined, affinityTerms: readonly AffinityTerm[], antiAffinityTerms: readonly AffinityTerm[]): PreFilterMemo {
    const affinity = pod.pod.spec?.affinity;
    const signature = JSON.stringify([
      pod.namespace,
      pod.labels,
      nsLabels ?? null,
      affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null,
      affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? null,
      // namespaceSelectors resolved to namespaces now: a namespace relabelled makes another shape.
      affinityTerms.map((t) => [...t.namespaces]),
      antiAffinityTerms.map((t) => [...t.namespaces]),
    ]);
    let memo = this.memos.get(signature);
    if (memo) {
      // Most recently used last.
      this.memos.delete(signature);
    } else {
      memo = new PreFilterMemo();
      if (this.memos.size >= MAX_MEMOS) this.memos.delete(this.memos.keys().next().value as string);
    }
    this.memos.set(signature, memo);
    return memo;
  }

  /** What one node adds to the counts for the incoming pod. */
  private shareOf(node: NodeInfo, incoming: PodInfo, nsLabels: Labels | undefined, affinityTerms: readonly AffinityTerm[], antiAffinityTerms: readonly AffinityTerm[]): NodeShare {
    const labels = node.labels;
    const share: NodeShare = { node, generation: node.generation, existingAntiAffinity: [], affinity: [], antiAffinity: [] };
    for (const existing of node.podsWithRequiredAntiAffinity) {
      for (const term of existing.requiredAntiAffinityTerms) {
        if (Object.hasOwn(labels, term.topologyKey) && affinityTermMatches(term, incoming, nsLabels)) share.existingAntiAffinity.push(term.topologyKey, labels[term.topologyKey]);
      }
    }
    if (affinityTerms.length === 0 && antiAffinityTerms.length === 0) return share;
    // The incoming terms' namespaceSelectors are resolved already: existing pods' namespace labels are not needed.
    for (const existing of node.pods) {
      if (affinityTerms.length > 0 && affinityTerms.every((t) => affinityTermMatches(t, existing, undefined))) {
        for (const t of affinityTerms) if (Object.hasOwn(labels, t.topologyKey)) share.affinity.push(t.topologyKey, labels[t.topologyKey]);
      }
      for (const t of antiAffinityTerms) {
        if (Object.hasOwn(labels, t.topologyKey) && affinityTermMatches(t, existing, undefined)) share.antiAffinity.push(t.topologyKey, labels[t.topologyKey]);
      }
    }
    return share;
  }

  private countExistingAntiAffinity(s: PreFilterState, existing: PodInfo, node: NodeInfo, incoming: PodInfo, delta: number): void {
    const labels = node.labels;
    for (const term of existing.requiredAntiAffinityTerms) {
      if (!Object.hasOwn(labels, term.topologyKey)) continue;
      if (affinityTermMatches(term, incoming, s.namespaceLabels)) s.existingAntiAffinityCounts.add(term.topologyKey, labels[term.topologyKey], delta);
    }
  }

  private countIncoming(s: PreFilterState, existing: PodInfo, node: NodeInfo, nsCache: Map<string, Labels | undefined>, delta: number): void {
    if (s.affinityTerms.length === 0 && s.antiAffinityTerms.length === 0) return;
    let nsLabels = nsCache.get(existing.namespace);
    if (!nsCache.has(existing.namespace)) {
      nsLabels = this.namespaceLabels(existing.namespace);
      nsCache.set(existing.namespace, nsLabels);
    }
    const labels = node.labels;
    if (s.affinityTerms.length > 0 && s.affinityTerms.every((t) => affinityTermMatches(t, existing, nsLabels))) {
      for (const t of s.affinityTerms) {
        if (Object.hasOwn(labels, t.topologyKey)) s.affinityCounts.add(t.topologyKey, labels[t.topologyKey], delta);
      }
    }
    for (const t of s.antiAffinityTerms) {
      if (Object.hasOwn(labels, t.topologyKey) && affinityTermMatches(t, existing, nsLabels)) {
        s.antiAffinityCounts.add(t.topologyKey, labels[t.topologyKey], delta);
      }
    }
  }

  preFilterExtensions(): PreFilterExtensions {
    const update = (state: CycleState, podToSchedule: PodInfo, other: PodInfo, nodeInfo: NodeInfo, delta: number): PluginStatus => {
      const s = state.read<PreFilterState>(PRE_FILTER_KEY);
      if (!s) return asStatus(new Error(`reading "${PRE_FILTER_KEY}" from cycleState: not found`));
      s.own();
      this.countExistingAntiAffinity(s, other, nodeInfo, podToSchedule, delta);
      this.countIncoming(s, other, nodeInfo, new Map(), delta);
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
    if (!this.satisfiesAffinity(s, pod, labels)) return unresolvable(ERR_REASON_AFFINITY);
    if (!s.antiAffinityCounts.empty) {
      for (const t of s.antiAffinityTerms) {
        if (s.antiAffinityCounts.onNode(t.topologyKey, labels) > 0) return unschedulable(ERR_REASON_ANTI_AFFINITY);
      }
    }
    if (!s.existingAntiAffinityCounts.empty && s.existingAntiAffinityCounts.anyOnNode(labels)) return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
    return null;
  }

  private satisfiesAffinity(s: PreFilterState, pod: PodInfo, labels: Labels): boolean {
    if (s.affinityTerms.length === 0) return true;
    let podsExist = true;
    for (const t of s.affinityTerms) {
      if (!Object.hasOwn(labels, t.topologyKey)) return false;
      if (s.affinityCounts.onNode(t.topologyKey, labels) <= 0) podsExist = false;
    }
    if (podsExist) return true;
    // The first pod of a group that wants to be together: nothing matches anywhere yet, but the
    // pod matches its own terms, so any node with the topology labels will do.
    return s.affinityCounts.empty && s.affinityTerms.every((t) => affinityTermMatches(t, pod, s.namespaceLabels));
  }

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PluginStatus {
    if (nodes.length === 0) return skip();
    if (pod.parseError) return skip();
    const snapshot = this.handle.snapshot();
    const hasPreferred = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
    // Without preferred terms of its own, only existing pods whose terms score count.
    const candidates = hasPreferred ? snapshot.list() : snapshot.havePodsWithScoredAffinityList;
    if (candidates.length === 0) return skip();
    const topologyScore = new Map<string, Map<string, number>>();
    const add = (labels: Labels, key: string, weight: number): void => {
      if (!Object.hasOwn(labels, key)) return;
      let byValue = topologyScore.get(key);
      if (!byValue) topologyScore.set(key, (byValue = new Map()));
      byValue.set(labels[key], (byValue.get(labels[key]) ?? 0) + weight);
    };
    const incomingNsLabels = this.namespaceLabels(pod.namespace);
    const preferredAffinity = this.mergeNamespaces(pod.preferredAffinityTerms) as WeightedAffinityTerm[];
    const preferredAnti = this.mergeNamespaces(pod.preferredAntiAffinityTerms) as WeightedAffinityTerm[];
    const nsCache = new Map<string, Labels | undefined>();
    for (const node of candidates) {
      const labels = node.labels;
      const pods = hasPreferred ? node.pods : node.podsWithAffinity;
      for (const existing of pods) {
        // Most pods with affinity have only required anti-affinity, which scoring ignores.
        const existingTerms =
          (this.hardPodAffinityWeight > 0 && existing.requiredAffinityTerms.length > 0) ||
          (!this.ignorePreferredTermsOfExistingPods && (existing.preferredAffinityTerms.length > 0 || existing.preferredAntiAffinityTerms.length > 0));
        if (!hasPreferred && !existingTerms) continue;
        let nsLabels = nsCache.get(existing.namespace);
        if (!nsCache.has(existing.namespace)) {
          nsLabels = this.namespaceLabels(existing.namespace);
          nsCache.set(existing.namespace, nsLabels);
        }
        for (const t of preferredAffinity) if (affinityTermMatches(t, existing, nsLabels)) add(labels, t.topologyKey, t.weight);
        for (const t of preferredAnti) if (affinityTermMatches(t, existing, nsLabels)) add(labels, t.topologyKey, -t.weight);
        if (this.hardPodAffinityWeight > 0) {
          for (const t of existing.requiredAffinityTerms) if (affinityTermMatches(t, pod, incomingNsLabels)) add(labels, t.topologyKey, this.hardPodAffinityWeight);
        }
        if (!this.ignorePreferredTermsOfExistingPods) {
          for (const t of existing.preferredAffinityTerms) if (affinityTermMatches(t, pod, incomingNsLabels)) add(labels, t.topologyKey, t.weight);
          for (const t of existing.preferredAntiAffinityTerms) if (affinityTermMatches(t, pod, incomingNsLabels)) add(labels, t.topologyKey, -t.weight);
        }
      }
    }
    if (topologyScore.size === 0) return skip();
    state.write(PRE_SCORE_KEY, new PreScoreState(topologyScore));
    return null;
  }

  score(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo): number {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return 0;
    const labels = nodeInfo.labels;
    let total = 0;
    for (const [key, byValue] of s.topologyScore) {
      if (Object.hasOwn(labels, key)) total += byValue.get(labels[key]) ?? 0;
    }
    return total;
  }

  normalizeScore(state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): PluginStatus {
    if (!state.read<PreScoreState>(PRE_SCORE_KEY)) return null;
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s > max) max = s;
      if (s < min) min = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0;
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel } },
      { event: { resource: 'Namespace', actionType: ActionType.Add | ActionType.Update } },
    ];
  }
}

export function newInterPodAffinity(args: Record<string, unknown> | undefined, handle: Handle): InterPodAffinity {
  return new InterPodAffinity(handle, args as InterPodAffinityArgs | undefined);
}
