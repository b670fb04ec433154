import type { CycleState } from '../../framework/cycle-state';
import {
  ActionType,
  MAX_NODE_SCORE,
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type FilterPlugin,
  type ScorePlugin,
} from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { CPU, EPHEMERAL_STORAGE, isZeroRequest, MEMORY, type Resource } from '../../framework/resource';
import { unschedulable, type PluginStatus } from '../../framework/status';
import { Names } from '../names';

// Bound once: module exports are getters under tsx and vitest, and these are read per node.
const MAX_SCORE = MAX_NODE_SCORE;

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated';

export interface ResourceSpec {
  name: string;
  weight: number;
}

export interface NodeResourcesFitArgs {
  /** Resources the filter does not check. */
  ignoredResources?: string[];
  /** Resource name prefixes (before the `/`) the filter does not check. */
  ignoredResourceGroups?: string[];
  scoringStrategy?: { type?: ScoringStrategyType; resources?: ResourceSpec[] };
}

export const DEFAULT_RESOURCES: readonly ResourceSpec[] = [
  { name: CPU, weight: 1 },
  { name: MEMORY, weight: 1 },
];

export const REASON_TOO_MANY_PODS = 'Too many pods';

/** `Insufficient cpu`, `Insufficient nvidia.com/gpu`, ... */
export function insufficientReason(resource: string): string {
  return `Insufficient ${resource}`;
}

/** What a node has left for `resource` and what the pod asks, both in the filter's units. */
function scalarOf(r: Resource, name: string): number {
  return r.scalar?.get(name) ?? 0;
}

/**
 * The reasons `pod` does not fit the node's free resources: `Too many pods` when the node is at
 * its pod limit, then `Insufficient <resource>` for cpu, memory, ephemeral-storage and each
 * extended resource the pod asks more of than is left.
 */
export function fitsRequest(pod: PodInfo, nodeInfo: NodeInfo, ignored: ReadonlySet<string> = new Set(), ignoredGroups: ReadonlySet<string> = new Set()): string[] {
  const reasons: string[] = [];
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) reasons.push(REASON_TOO_MANY_PODS);
  const req = pod.requests;
  if (isZeroRequest(req)) return reasons;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) reasons.push(insufficientReason(CPU));
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) reasons.push(insufficientReason(MEMORY));
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    reasons.push(insufficientReason(EPHEMERAL_STORAGE));
  }
  if (req.scalar) {
    for (const [name, amount] of req.scalar) {
      if (amount <= 0 || ignored.has(name)) continue;
      const slash = name.indexOf('/');
      if (slash > 0 && ignoredGroups.has(name.slice(0, slash))) continue;
      if (amount > scalarOf(alloc, name) - scalarOf(used, name)) reasons.push(insufficientReason(name));
    }
  }
  return reasons;
}

// Resource kinds, so the per-node loops switch on a number rather than compare names.
const KIND_CPU = 0;
const KIND_MEMORY = 1;
const KIND_EPHEMERAL = 2;
const KIND_SCALAR = 3;

/** A scoring resource, resolved once. */
export interface ScoredResource {
  kind: number;
  name: string;
  weight: number;
}

export function compileResources(specs: readonly ResourceSpec[]): ScoredResource[] {
  return specs.map(({ name, weight }) => ({
    name,
    weight,
    kind: name === CPU ? KIND_CPU : name === MEMORY ? KIND_MEMORY : name === EPHEMERAL_STORAGE ? KIND_EPHEMERAL : KIND_SCALAR,
  }));
}

function amountOf(r: Resource, kind: number, name: string): number {
  switch (kind) {
    case KIND_CPU:
      return r.milliCPU;
    case KIND_MEMORY:
      return r.memory;
    case KIND_EPHEMERAL:
      return r.ephemeralStorage;
    default:
      return r.scalar?.get(name) ?? 0;
  }
}

/**
 * A node's allocatable amount of a resource, and what would be requested once the pod is
 * added. Scoring for spreading counts cpu and memory with the non-zero defaults; balance
 * (`useRequested`) counts real requests. An extended resource the pod does not ask for is
 * left out of the score: allocatable comes back 0.
 */
export function allocatableOf(nodeInfo: NodeInfo, r: ScoredResource): number {
  return amountOf(nodeInfo.allocatable, r.kind, r.name);
}

export function requestedWith(nodeInfo: NodeInfo, pod: PodInfo, r: ScoredResource, useRequested: boolean): number {
  const nonZero = !useRequested && (r.kind === KIND_CPU || r.kind === KIND_MEMORY);
  return amountOf(nonZero ? nodeInfo.nonZeroRequested : nodeInfo.requested, r.kind, r.name) + amountOf(nonZero ? pod.nonZeroRequests : pod.requests, r.kind, r.name);
}

/** Whether a resource takes part in the score for this pod (extended resources only when requested). */
export function scored(pod: PodInfo, r: ScoredResource): boolean {
  return r.kind !== KIND_SCALAR || amountOf(pod.requests, r.kind, r.name) > 0;
}

/** (capacity - requested) * 100 / capacity: the emptier the node, the higher. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_SCORE) / capacity);
}

/** requested * 100 / capacity: the fuller the node, the higher (bin packing). */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.trunc((Math.min(requested, capacity) * MAX_SCORE) / capacity);
}

/**
 * Filter: the node must have room for the pod's requests (cpu, memory, ephemeral-storage,
 * extended resources) and a free pod slot. Score: LeastAllocated (the default) spreads pods
 * over the emptiest nodes; MostAllocated packs them.
 */
export class NodeResourcesFit implements FilterPlugin, ScorePlugin, EnqueueExtensions {
  readonly name = Names.NodeResourcesFit;
  private readonly ignored: ReadonlySet<string>;
  private readonly ignoredGroups: ReadonlySet<string>;
  private readonly strategy: ScoringStrategyType;
  private readonly resources: readonly ScoredResource[];

  constructor(args: NodeResourcesFitArgs = {}) {
    this.ignored = new Set(args.ignoredResources ?? []);
    this.ignoredGroups = new Set(args.ignoredResourceGroups ?? []);
    this.strategy = args.scoringStrategy?.type ?? 'LeastAllocated';
    if (this.strategy !== 'LeastAllocated' && this.strategy !== 'MostAllocated') {
      throw new Error(`scoringStrategy.type: Unsupported value: "${String(this.strategy)}": supported values: "LeastAllocated", "MostAllocated"`);
    }
    this.resources = compileResources(args.scoringStrategy?.resources ?? DEFAULT_RESOURCES);
  }

  filter(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    // The common case first, without building a list of reasons.
    const alloc = nodeInfo.allocatable;
    const used = nodeInfo.requested;
    const req = pod.requests;
    if (
      nodeInfo.pods.length < alloc.allowedPodNumber &&
      req.milliCPU <= alloc.milliCPU - used.milliCPU &&
      req.memory <= alloc.memory - used.memory &&
      req.ephemeralStorage <= alloc.ephemeralStorage - used.ephemeralStorage &&
      !req.scalar
    ) {
      return null;
    }
    const reasons = fitsRequest(pod, nodeInfo, this.ignored, this.ignoredGroups);
    return reasons.length === 0 ? null : unschedulable(...reasons);
  }

  score(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const most = this.strategy === 'MostAllocated';
    let total = 0;
    let weights = 0;
    for (let i = 0; i < this.resources.length; i++) {
      const r = this.resources[i];
      if (!scored(pod, r)) continue;
      const allocatable = allocatableOf(nodeInfo, r);
      if (allocatable === 0) continue;
      const requested = requestedWith(nodeInfo, pod, r, false);
      total += (most ? mostRequestedScore(requested, allocatable) : leastRequestedScore(requested, allocatable)) * r.weight;
      weights += r.weight;
    }
    return weights === 0 ? 0 : Math.trunc(total / weights);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      // A pod leaving a node frees its requests.
      { event: { resource: 'Pod', actionType: ActionType.Delete | ActionType.UpdatePodScaleDown } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable } },
    ];
  }
}

export function newNodeResourcesFit(args?: Record<string, unknown>): NodeResourcesFit {
  return new NodeResourcesFit(args as NodeResourcesFitArgs | undefined);
}
