import type { CycleState } from '../../framework/cycle-state';
import { MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { isZeroRequest } from '../../framework/resource';
import { skip, type PluginStatus } from '../../framework/status';
import { Names } from '../names';
import { allocatableAndRequested, DEFAULT_RESOURCES, type ResourceSpec } from '../node-resources-fit/node-resources-fit';

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

/**
 * (1 - std) * 100 over the fractions of each resource the node would have in use: a node whose
 * cpu and memory fill up evenly scores higher than one left with cpu but no memory.
 */
export function balancedResourceScore(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  let sum = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i] / allocatable[i], 1);
    fractions.push(f);
    sum += f;
  }
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0] - fractions[1]) / 2);
  } else if (fractions.length > 2) {
    const mean = sum / fractions.length;
    let sq = 0;
    for (const f of fractions) sq += (f - mean) * (f - mean);
    std = Math.sqrt(sq / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** Favors nodes where the pod leaves cpu and memory use balanced. Pods that request nothing are not scored. */
export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = Names.NodeResourcesBalancedAllocation;
  private readonly resources: readonly ResourceSpec[];

  constructor(args: BalancedAllocationArgs = {}) {
    this.resources = args.resources ?? DEFAULT_RESOURCES;
  }

  preScore(_state: CycleState, pod: PodInfo): PluginStatus {
    // Best-effort pods would all pile onto one node; leave them to the other scores.
    return isZeroRequest(pod.requests) ? skip() : null;
  }

  score(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const requested: number[] = [];
    const allocatable: number[] = [];
    for (const { name } of this.resources) {
      const [a, r] = allocatableAndRequested(nodeInfo, pod, name, true);
      allocatable.push(a);
      requested.push(r);
    }
    return balancedResourceScore(requested, allocatable);
  }
}

export function newNodeResourcesBalancedAllocation(args?: Record<string, unknown>): NodeResourcesBalancedAllocation {
  return new NodeResourcesBalancedAllocation(args as BalancedAllocationArgs | undefined);
}
