import type { CycleState } from '../../framework/cycle-state';
import {
  ActionType,
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type FilterPlugin,
  type PreFilterPlugin,
  type PreFilterResult,
} from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { skip, unschedulable, type PluginStatus } from '../../framework/status';
import { Names } from '../names';

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

/** Filters out nodes where one of the pod's host ports (protocol, ip, port) is already taken. */
export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = Names.NodePorts;
  private readonly rejected = unschedulable(ERR_REASON_PORTS);

  preFilter(_state: CycleState, pod: PodInfo): PluginStatus | PreFilterResult {
    return pod.hostPorts.length === 0 ? skip() : null;
  }

  filter(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    for (const p of pod.hostPorts) if (nodeInfo.usedPorts.conflicts(p)) return this.rejected;
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      // A deleted pod frees its ports; a new node has all of them.
      { event: { resource: 'Pod', actionType: ActionType.Delete } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.Update } },
    ];
  }
}

export function newNodePorts(): NodePorts {
  return new NodePorts();
}
