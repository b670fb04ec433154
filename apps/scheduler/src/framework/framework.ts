import type { corev1 } from '@minik8s/api';
import { CycleState } from './cycle-state';
import {
  isBindPlugin,
  isEnqueueExtensions,
  isFilterPlugin,
  isPostBindPlugin,
  isPostFilterPlugin,
  isPreBindPlugin,
  isPreEnqueuePlugin,
  isPreFilterPlugin,
  isPreScorePlugin,
  isQueueSortPlugin,
  isReservePlugin,
  isScorePlugin,
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  type BindPlugin,
  type ClusterEventWithHint,
  type FilterPlugin,
  type FrameworkRunner,
  type Handle,
  type NodeToStatus,
  type Plugin,
  type PluginFactory,
  type PostBindPlugin,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreBindPlugin,
  type PreEnqueuePlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type QueueSortPlugin,
  type ReservePlugin,
  type ScorePlugin,
} from './interfaces';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import { asStatus, Code, skip, Status, unresolvable, unschedulable, type PluginStatus } from './status';

// Hot-path constants, bound once: module exports are getters under tsx and vitest.
const SUCCESS = Code.Success;
const SKIP = Code.Skip;
const MAX_SCORE = MAX_NODE_SCORE;
const MIN_SCORE = MIN_NODE_SCORE;

/** Name → factory: the one place plugins are known by name. */
export type Registry = ReadonlyMap<string, PluginFactory>;

/** One enabled plugin; `weight` only matters for Score plugins. */
export interface PluginRef {
  name: string;
  weight?: number;
}

/** A scheduler profile: its name (pods pick it by spec.schedulerName), plugins and their arguments. */
export interface Profile {
  schedulerName: string;
  /** Enabled plugins, in order; each extension point runs them in this order. */
  plugins: readonly PluginRef[];
  pluginConfig?: Readonly<Record<string, Record<string, unknown>>>;
}

/** Everything the framework needs from the scheduler to build the plugins' Handle. */
export type HandleDeps = Omit<Handle, 'framework'>;

interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

function errorStatus(err: unknown, plugin: string): Status {
  return asStatus(err).withPlugin(plugin);
}

/**
 * frameworkImpl: builds a profile's plugins from the registry and runs them per extension
 * point. Failures come back as Status values tagged with the plugin that produced them.
 */
export class Framework implements FrameworkRunner {
  readonly handle: Handle;
  readonly plugins: readonly Plugin[];
  readonly queueSort: QueueSortPlugin | undefined;
  readonly preEnqueuePlugins: PreEnqueuePlugin[] = [];
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: WeightedScorePlugin[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  readonly postBindPlugins: PostBindPlugin[] = [];
  /** Plugin name → the cluster events that may make pods it rejected schedulable. */
  readonly eventsByPlugin = new Map<string, ClusterEventWithHint[]>();
  private totalsBuffer: number[] = [];
  private scoresBuffer: number[] = [];

  constructor(
    registry: Registry,
    readonly profile: Profile,
    deps: HandleDeps,
  ) {
    this.handle = { ...deps, framework: this };
    const plugins: Plugin[] = [];
    for (const ref of profile.plugins) {
      const factory = registry.get(ref.name);
      if (!factory) throw new Error(`plugin "${ref.name}" does not exist in the registry`);
      const plugin = factory(profile.pluginConfig?.[ref.name], this.handle);
      plugins.push(plugin);
      if (isQueueSortPlugin(plugin)) {
        if (this.queueSort) throw new Error('only one queue sort plugin can be enabled');
        this.queueSort = plugin;
      }
      if (isPreEnqueuePlugin(plugin)) this.preEnqueuePlugins.push(plugin);
      if (isPreFilterPlugin(plugin)) this.preFilterPlugins.push(plugin);
      if (isFilterPlugin(plugin)) this.filterPlugins.push(plugin);
      if (isPostFilterPlugin(plugin)) this.postFilterPlugins.push(plugin);
      if (isPreScorePlugin(plugin)) this.preScorePlugins.push(plugin);
      if (isScorePlugin(plugin)) {
        const weight = ref.weight ?? 1;
        if (weight <= 0) throw new Error(`score plugin "${ref.name}" needs a positive weight`);
        this.scorePlugins.push({ plugin, weight });
      }
      if (isReservePlugin(plugin)) this.reservePlugins.push(plugin);
      if (isPreBindPlugin(plugin)) this.preBindPlugins.push(plugin);
      if (isBindPlugin(plugin)) this.bindPlugins.push(plugin);
      if (isPostBindPlugin(plugin)) this.postBindPlugins.push(plugin);
      if (isEnqueueExtensions(plugin)) this.eventsByPlugin.set(plugin.name, plugin.eventsToRegister());
    }
    if (!this.queueSort) throw new Error('a profile needs a queue sort plugin');
    if (this.bindPlugins.length === 0) throw new Error('a profile needs at least one bind plugin');
    this.plugins = plugins;
  }

  get schedulerName(): string {
    return this.profile.schedulerName;
  }

  pluginByName(name: string): Plugin | undefined {
    return this.plugins.find((p) => p.name === name);
  }

  runPreEnqueuePlugins(pod: corev1.Pod): Status | null {
    for (const pl of this.preEnqueuePlugins) {
      let s: PluginStatus;
      try {
        s = pl.preEnqueue(pod);
      } catch (err) {
        return errorStatus(err, pl.name);
      }
      if (s && !s.isSuccess()) return s.withPlugin(pl.name);
    }
    return null;
  }

  /**
   * Runs PreFilter; returns the nodes worth filtering (undefined: all), or the status that
   * rejected the pod before any node was looked at.
   */
  runPreFilterPlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { nodeNames?: Set<string>; status: Status | null } {
    let nodeNames: Set<string> | undefined;
    const narrowing: string[] = [];
    for (const pl of this.preFilterPlugins) {
      let out;
      try {
        out = pl.preFilter(state, pod, nodes);
      } catch (err) {
        return { status: errorStatus(err, pl.name) };
      }
      if (out instanceof Status) {
        if (out.code === SKIP) {
          state.skipFilterPlugins.add(pl.name);
          continue;
        }
        if (out.code !== SUCCESS) return { status: out.withPlugin(pl.name) };
      } else if (out) {
        narrowing.push(pl.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => out.nodeNames.has(n))) : new Set(out.nodeNames);
        if (nodeNames.size === 0) {
          const msg =
            narrowing.length === 1
              ? `node(s) didn't satisfy plugin ${narrowing[0]}`
              : `node(s) didn't satisfy plugin(s) [${narrowing.join(' ')}] simultaneously`;
          const status = unresolvable(msg).withPlugin(pl.name);
          return { status };
        }
      }
    }
    state.activeFilters = this.filterPlugins.filter((p) => !state.skipFilterPlugins.has(p.name));
    return { nodeNames, status: null };
  }

  /** Filter on one node: the first plugin that turns the node away decides. */
  runFilterPlugins(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Status | null {
    const plugins = (state.activeFilters as FilterPlugin[] | undefined) ?? this.filterPlugins.filter((p) => !state.skipFilterPlugins.has(p.name));
    for (let i = 0; i < plugins.length; i++) {
      const pl = plugins[i];
      let s: PluginStatus;
      try {
        s = pl.filter(state, pod, nodeInfo);
      } catch (err) {
        return errorStatus(err, pl.name);
      }
      if (s && s.code !== SUCCESS) return s.withPlugin(pl.name);
    }
    return null;
  }

  /**
   * Filter with the pods nominated to this node that are at least as important as `pod` counted
   * as if they were there (so a lower-priority pod does not take the room preemption made), and
   * then without them (so a nominated pod's anti-affinity does not wrongly reject it).
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Status | null {
    const nominated = this.handle.nominator.nominatedPodsForNode(nodeInfo.name);
    if (nominated.length === 0) return this.runFilterPlugins(state, pod, nodeInfo);
    let podsAdded = false;
    let stateWith = state;
    let nodeWith = nodeInfo;
    for (const np of nominated) {
      if (np.priority < pod.priority || np.uid === pod.uid) continue;
      if (!podsAdded) {
        stateWith = state.clone();
        nodeWith = nodeInfo.clone();
        podsAdded = true;
      }
      nodeWith.addPod(np);
      const s = this.runPreFilterExtensionAddPod(stateWith, pod, np, nodeWith);
      if (s && !s.isSuccess()) return s;
    }
    const first = this.runFilterPlugins(stateWith, pod, nodeWith);
    if (!podsAdded || first) return first;
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    for (const pl of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(pl.name)) continue;
      const ext = pl.preFilterExtensions?.();
      if (!ext) continue;
      try {
        const s = ext.addPod(state, podToSchedule, podToAdd, nodeInfo);
        if (s && !s.isSuccess()) return s.withPlugin(pl.name);
      } catch (err) {
        return errorStatus(err, pl.name);
      }
    }
    return null;
  }

  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    for (const pl of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(pl.name)) continue;
      const ext = pl.preFilterExtensions?.();
      if (!ext) continue;
      try {
        const s = ext.removePod(state, podToSchedule, podToRemove, nodeInfo);
        if (s && !s.isSuccess()) return s.withPlugin(pl.name);
      } catch (err) {
        return errorStatus(err, pl.name);
      }
    }
    return null;
  }

  /** PostFilter (preemption): the first plugin that succeeds, or the combined rejection. */
  async runPostFilterPlugins(state: CycleState, pod: PodInfo, nodeToStatus: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status }> {
    const reasons: string[] = [];
    let result: PostFilterResult | undefined;
    let rejectedBy = '';
    for (const pl of this.postFilterPlugins) {
      let out;
      try {
        out = await pl.postFilter(state, pod, nodeToStatus);
      } catch (err) {
        return { status: errorStatus(err, pl.name) };
      }
      if (out.status.isSuccess()) return { result: out.result, status: out.status.withPlugin(pl.name) };
      if (out.status.code === Code.UnschedulableAndUnresolvable) return { result: out.result, status: out.status.withPlugin(pl.name) };
      if (!out.status.isRejected()) return { status: out.status.withPlugin(pl.name) };
      reasons.push(...out.status.reasons);
      result ??= out.result;
      rejectedBy ||= pl.name;
    }
    return { result, status: unschedulable(...reasons).withPlugin(rejectedBy) };
  }

  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status | null {
    for (const pl of this.preScorePlugins) {
      let s: PluginStatus;
      try {
        s = pl.preScore(state, pod, nodes);
      } catch (err) {
        return errorStatus(err, pl.name);
      }
      if (!s || s.code === SUCCESS) continue;
      if (s.code === SKIP) {
        state.skipScorePlugins.add(pl.name);
        continue;
      }
      return s.withPlugin(pl.name);
    }
    return null;
  }

  /**
   * Score, NormalizeScore and weights: the weighted total per node, aligned with `nodes`. The
   * totals array is reused by the next call: read it before scheduling another pod.
   */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { totals: number[] } | Status {
    const n = nodes.length;
    // Two buffers kept across cycles (the feasible count rarely changes): scoring allocates
    // nothing per node. Plugins see an array of exactly `n` scores.
    if (this.totalsBuffer.length !== n) {
      this.totalsBuffer = new Array<number>(n).fill(0);
      this.scoresBuffer = new Array<number>(n).fill(0);
    }
    const totals = this.totalsBuffer;
    const scores = this.scoresBuffer;
    totals.fill(0);
    for (const { plugin, weight } of this.scorePlugins) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      try {
        for (let i = 0; i < n; i++) {
          const s = plugin.score(state, pod, nodes[i]);
          if (typeof s !== 'number') return s.withPlugin(plugin.name);
          scores[i] = s;
        }
        if (plugin.normalizeScore) {
          const s = plugin.normalizeScore(state, pod, nodes, scores);
          if (s && !s.isSuccess()) return s.withPlugin(plugin.name);
        }
      } catch (err) {
        return errorStatus(err, plugin.name);
      }
      for (let i = 0; i < n; i++) {
        const s = scores[i];
        if (s > MAX_SCORE || s < MIN_SCORE) {
          return asStatus(new Error(`plugin "${plugin.name}" returns an invalid score ${s}, it should in the range of [${MIN_SCORE}, ${MAX_SCORE}] after normalizing`)).withPlugin(plugin.name);
        }
        totals[i] += s * weight;
      }
    }
    return { totals };
  }

  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): Status | null {
    for (const pl of this.reservePlugins) {
      let s: PluginStatus;
      try {
        s = pl.reserve(state, pod, nodeName);
      } catch (err) {
        return errorStatus(err, pl.name);
      }
      if (s && !s.isSuccess()) return s.withPlugin(pl.name);
    }
    return null;
  }

  /** Undoes Reserve, in reverse order; never fails. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      const pl = this.reservePlugins[i];
      try {
        pl.unreserve(state, pod, nodeName);
      } catch (err) {
        this.handle.logger.error({ err, plugin: pl.name, pod: pod.key }, 'unreserve failed');
      }
    }
  }

  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null> {
    for (const pl of this.preBindPlugins) {
      let s: PluginStatus;
      try {
        s = await pl.preBind(state, pod, nodeName);
      } catch (err) {
        return errorStatus(err, pl.name);
      }
      if (s && !s.isSuccess() && !s.isSkip()) return s.withPlugin(pl.name);
    }
    return null;
  }

  /** Bind: the first plugin that does not Skip binds the pod. */
  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | null> {
    for (const pl of this.bindPlugins) {
      let s: PluginStatus;
      try {
        s = await pl.bind(state, pod, nodeName);
      } catch (err) {
        return errorStatus(err, pl.name);
      }
      if (s && s.code === Code.Skip) continue;
      return s && !s.isSuccess() ? s.withPlugin(pl.name) : null;
    }
    return skip();
  }

  runPostBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const pl of this.postBindPlugins) {
      try {
        pl.postBind(state, pod, nodeName);
      } catch (err) {
        this.handle.logger.error({ err, plugin: pl.name, pod: pod.key }, 'postBind failed');
      }
    }
  }

  newCycleState(): CycleState {
    return new CycleState();
  }
}
