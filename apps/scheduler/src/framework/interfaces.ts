import type { corev1, storagev1 } from '@minik8s/api';
import type { ApiClient, Clock, Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { CycleState } from './cycle-state';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { Snapshot } from './snapshot';
import type { PluginStatus, Status } from './status';

/** The highest score a plugin gives a node after normalizing (framework.MaxNodeScore). */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

// ---------------------------------------------------------------------------
// Queue-side types

/** A pod waiting in the scheduling queue, with its attempt history. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod last entered the queue; orders equal priorities (older first). */
  timestamp: number;
  /** When the pod first entered the queue. */
  initialAttemptTimestamp: number;
  /** Scheduling attempts so far; drives the back-off. */
  attempts: number;
  /** Plugins that rejected the pod in its last attempt; only events they care about move it. */
  unschedulablePlugins: Set<string>;
  /** True when the last attempt failed with an error rather than a rejection. */
  failedWithError: boolean;
  /** Set while a PreEnqueue plugin (scheduling gates) keeps the pod out of the active queue. */
  gated: boolean;
}

/** The kinds of objects whose changes can make an unschedulable pod schedulable. */
export type EventResource = 'Pod' | 'Node' | 'PersistentVolume' | 'PersistentVolumeClaim' | 'StorageClass' | 'Namespace' | '*';

/** What happened to the object, as bits so a registration can name several. */
export const ActionType = {
  Add: 1 << 0,
  Delete: 1 << 1,
  UpdateNodeAllocatable: 1 << 2,
  UpdateNodeLabel: 1 << 3,
  UpdateNodeTaint: 1 << 4,
  UpdateNodeCondition: 1 << 5,
  UpdateNodeAnnotation: 1 << 6,
  UpdatePodLabel: 1 << 7,
  UpdatePodScaleDown: 1 << 8,
  /** Any other update. */
  UpdateOther: 1 << 9,
  Update: (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9),
  All: (1 << 10) - 1,
} as const;

/** A change in the cluster ("Pod" means an assigned pod: another pod on some node). */
export interface ClusterEvent {
  resource: EventResource;
  actionType: number;
  /** For logs: `NodeAdd`, `AssignedPodDelete`, ... */
  label: string;
}

export type QueueingHint = 'Queue' | 'Skip';

/** Whether this change could make `pod` schedulable for the plugin that registered it. */
export type QueueingHintFn = (pod: corev1.Pod, oldObj: unknown, newObj: unknown) => QueueingHint;

export interface ClusterEventWithHint {
  event: Omit<ClusterEvent, 'label'>;
  hint?: QueueingHintFn;
}

// ---------------------------------------------------------------------------
// Framework handle: what plugins may use

export interface Listers {
  pods: Lister<corev1.Pod>;
  namespaces: Lister<corev1.Namespace>;
  persistentVolumeClaims: Lister<corev1.PersistentVolumeClaim>;
  persistentVolumes: Lister<corev1.PersistentVolume>;
  storageClasses: Lister<storagev1.StorageClass>;
}

/** Pods that preemption nominated to nodes, which lower-priority pods must leave room for. */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  addNominatedPod(pod: PodInfo, nodeName: string): void;
  deleteNominatedPodIfExists(pod: corev1.Pod): void;
}

/** Runs the framework's plugins on demand, for preemption's dry runs. */
export interface FrameworkRunner {
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Status | null;
  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo): PluginStatus;
  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo): PluginStatus;
}

export type EventType = 'Normal' | 'Warning';

/** framework.Handle: everything a plugin may reach besides its arguments. */
export interface Handle {
  /** The snapshot of the cycle in progress. */
  snapshot(): Snapshot;
  readonly listers: Listers;
  readonly client: ApiClient | undefined;
  readonly nominator: PodNominator;
  readonly framework: FrameworkRunner;
  readonly schedulerName: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** [0, 1), injectable so tests are deterministic. */
  random(): number;
  /** Records an Event about `obj`; never fails the caller. */
  recordEvent(obj: corev1.Pod, type: EventType, reason: string, message: string): void;
}

// ---------------------------------------------------------------------------
// Plugins, one interface per extension point

export interface Plugin {
  readonly name: string;
}

/** Narrows the nodes worth filtering (e.g. NodeAffinity on metadata.name); absent means all. */
export interface PreFilterResult {
  readonly nodeNames: ReadonlySet<string>;
}

export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo): PluginStatus;
  removePod(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo): PluginStatus;
}

export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: corev1.Pod): PluginStatus;
}

export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

export interface PreFilterPlugin extends Plugin {
  /** A Status (Skip skips this plugin's Filter), or a PreFilterResult narrowing the nodes. */
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PluginStatus | PreFilterResult;
  preFilterExtensions?(): PreFilterExtensions | undefined;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): PluginStatus;
}

/** Node name → why the pod does not fit there; nodes not listed get `absent`. */
export class NodeToStatus {
  // Every filtering pass records a status per rejected node, but the statuses are read only when
  // no node fits (the FitError, preemption): they are appended, and hashed on the first read.
  private readonly names: string[] = [];
  private readonly statuses: Status[] = [];
  private indexed: Map<string, Status> | undefined;

  constructor(public absent: Status | undefined = undefined) {}

  /** The statuses by node name (the last one recorded for a node wins). */
  get map(): ReadonlyMap<string, Status> {
    let m = this.indexed;
    if (!m) {
      m = new Map();
      for (let i = 0; i < this.names.length; i++) m.set(this.names[i], this.statuses[i]);
      this.indexed = m;
    }
    return m;
  }

  get(name: string): Status | undefined {
    return this.map.get(name) ?? this.absent;
  }

  set(name: string, status: Status): void {
    if (this.indexed) this.indexed.set(name, status);
    this.names.push(name);
    this.statuses.push(status);
  }
}

export interface PostFilterResult {
  /** The node preemption made room on; "" clears a previous nomination. */
  nominatedNodeName: string;
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, nodeToStatus: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status }>;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PluginStatus;
}

export interface ScorePlugin extends Plugin {
  /** A raw score for one node, or an error Status. */
  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number | Status;
  /** Rescales `scores` (aligned with `nodes`) to [0, MAX_NODE_SCORE] in place. */
  normalizeScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): PluginStatus;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): PluginStatus;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<PluginStatus>;
}

export interface BindPlugin extends Plugin {
  /** Skip hands the pod to the next bind plugin. */
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<PluginStatus>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface EnqueueExtensions {
  eventsToRegister(): ClusterEventWithHint[];
}

/** Builds a plugin from its arguments (already defaulted) and the framework handle. */
export type PluginFactory = (args: Record<string, unknown> | undefined, handle: Handle) => Plugin;

// Extension-point guards: a plugin implements whichever methods it has.
type Has<K extends string> = { [P in K]: unknown };
function has<K extends string>(p: Plugin, method: K): p is Plugin & Has<K> {
  return typeof (p as unknown as Record<string, unknown>)[method] === 'function';
}
export const isPreEnqueuePlugin = (p: Plugin): p is PreEnqueuePlugin => has(p, 'preEnqueue');
export const isQueueSortPlugin = (p: Plugin): p is QueueSortPlugin => has(p, 'less');
export const isPreFilterPlugin = (p: Plugin): p is PreFilterPlugin => has(p, 'preFilter');
export const isFilterPlugin = (p: Plugin): p is FilterPlugin => has(p, 'filter');
export const isPostFilterPlugin = (p: Plugin): p is PostFilterPlugin => has(p, 'postFilter');
export const isPreScorePlugin = (p: Plugin): p is PreScorePlugin => has(p, 'preScore');
export const isScorePlugin = (p: Plugin): p is ScorePlugin => has(p, 'score');
export const isReservePlugin = (p: Plugin): p is ReservePlugin => has(p, 'reserve');
export const isPreBindPlugin = (p: Plugin): p is PreBindPlugin => has(p, 'preBind');
export const isBindPlugin = (p: Plugin): p is BindPlugin => has(p, 'bind');
export const isPostBindPlugin = (p: Plugin): p is PostBindPlugin => has(p, 'postBind');
export const isEnqueueExtensions = (p: Plugin): p is Plugin & EnqueueExtensions => has(p, 'eventsToRegister');

/**
 * helper.DefaultNormalizeScore: scales scores so the best is MAX_NODE_SCORE; with `reverse`,
 * the lowest raw score becomes the best.
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: number[]): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxPriority * scores[i]) / max);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}
