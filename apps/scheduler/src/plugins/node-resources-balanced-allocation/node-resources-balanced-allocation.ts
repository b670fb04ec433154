import type { CycleState } from '../../framework/cycle-state';
import { MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { isZeroRequest } from '../../framework/resource';
import { skip, type PluginStatus } from '../../framework/status';
import { Names } from '../names';
import { allocatableOf, compileResources, DEFAULT_RESOURCES, requestedWith, scored, type ResourceSpec, type ScoredResource } from '../node-resources-fit/node-resources-fit';

// Bound once: module exports are getters under tsx and vitest, and these are read per node.
const MAX_SCORE = MAX_NODE_SCORE;

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

/**
 * (1 - std) * 100 over the fractions of each resource the node would have in use: a node whose
 * cpu and memory fill up evenly scores higher than one left with cpu but no memory.
 */
export function balancedResourceScore(requested: readonly number[], allocatable: readonly number[]): number {
  let n = 0;
  let sum = 0;
  let first = 0;
  let second = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i] / allocatable[i], 1);
    if (n === 0) first = f;
    else if (n === 1) second = f;
    n++;
    sum += f;
  }
  let std = 0;
  if (n === 2) {
    // The usual cpu and memory: the standard deviation of two values.
    std = Math.abs((first - second) / 2);
  } else if (n > 2) {
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const f = Math.min(requested[i] / allocatable[i], 1);
      sq += (f - mean) * (f - mean);
    }
    std = Math.sqrt(sq / n);
  }
  return Math.trunc((1 - std) * MAX_SCORE);
}

/** Favors nodes where the pod leaves cpu and memory use balanced. Pods that request nothing are not scored. */
export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = Names.NodeResourcesBalancedAllocation;
  private readonly resources: readonly ScoredResource[];
  private readonly requested: number[];
  private readonly allocatable: number[];

  constructor(args: BalancedAllocationArgs = {}) {
    this.resources = compileResources(args.resources ?? DEFAULT_RESOURCES);
    // Scratch space: scoring is synchronous, so one pair of arrays serves every node.
    this.requested = new Array<number>(this.resources.length);
    this.allocatable = new Array<number>(this.resources.length);
  }

  preScore(_state: CycleState, pod: PodInfo): PluginStatus {
    // Best-effort pods would all pile onto one node; leave them to the other scores.
    return isZeroRequest(pod.requests) ? skip() : null;
  }

  score(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const requested = this.requested;
    const allocatable = this.allocatable;
    for (let i = 0; i < this.resources.length; i++) {
      const r = this.resources[i];
      const counts = scored(pod, r);
      allocatable[i] = counts ? allocatableOf(nodeInfo, r) : 0;
      requested[i] = counts ? requestedWith(nodeInfo, pod, r, true) : 0;
    }
    return balancedResourceScore(requested, allocatable);
  }
}

export function newNodeResourcesBalancedAllocation(args?: Record<string, unknown>): NodeResourcesBalancedAllocation {
  return new NodeResourcesBalancedAllocation(args as BalancedAllocationArgs | undefined);
}
