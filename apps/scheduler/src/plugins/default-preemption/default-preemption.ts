import type { CycleState } from '../../framework/cycle-state';
import type { Handle, NodeToStatus, PostFilterPlugin, PostFilterResult } from '../../framework/interfaces';
import type { PodInfo } from '../../framework/pod-info';
import { Status } from '../../framework/status';
import { Evaluator, type PreemptionArgs } from '../../preemption/evaluator';
import { Names } from '../names';

/**
 * PostFilter: when a pod fits nowhere, evict lower-priority pods from the node where that
 * helps at least cost, and nominate that node for the pod (status.nominatedNodeName).
 */
export class DefaultPreemption implements PostFilterPlugin {
  readonly name = Names.DefaultPreemption;
  readonly evaluator: Evaluator;

  constructor(handle: Handle, args: PreemptionArgs = {}) {
    this.evaluator = new Evaluator(handle, args);
  }

  async postFilter(state: CycleState, pod: PodInfo, nodeToStatus: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status }> {
    const out = await this.evaluator.preempt(state, pod, nodeToStatus);
    const msg = out.status.message();
    if (!msg) return out;
    return { result: out.result, status: new Status(out.status.code, [`preemption: ${msg}`], out.status.error) };
  }
}

export function newDefaultPreemption(args: Record<string, unknown> | undefined, handle: Handle): DefaultPreemption {
  return new DefaultPreemption(handle, args as PreemptionArgs | undefined);
}
