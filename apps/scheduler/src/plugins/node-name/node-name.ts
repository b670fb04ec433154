import type { CycleState } from '../../framework/cycle-state';
import { ActionType, type ClusterEventWithHint, type EnqueueExtensions, type FilterPlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { unresolvable, type PluginStatus } from '../../framework/status';
import { Names } from '../names';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/** A pod that names its node (spec.nodeName) fits only there. */
export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = Names.NodeName;
  private readonly rejected = unresolvable(ERR_REASON_NODE_NAME);

  filter(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    const wanted = pod.pod.spec?.nodeName;
    return !wanted || wanted === nodeInfo.name ? null : this.rejected;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [{ event: { resource: 'Node', actionType: ActionType.Add | ActionType.Update } }];
  }
}

export function newNodeName(): NodeName {
  return new NodeName();
}
