import type { corev1 } from '@minik8s/api';
import type { CycleState } from '../../framework/cycle-state';
import { ActionType, type ClusterEventWithHint, type EnqueueExtensions, type FilterPlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { unresolvable, type PluginStatus } from '../../framework/status';
import { tolerationsTolerateTaint } from '../../framework/taints';
import { Names } from '../names';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

/** The taint a cordoned node is treated as having; pods that tolerate it may still land there. */
const UNSCHEDULABLE_TAINT: corev1.Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** Filters out nodes with spec.unschedulable (cordoned), unless the pod tolerates that. */
export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = Names.NodeUnschedulable;
  private readonly rejected = unresolvable(ERR_REASON_UNSCHEDULABLE);

  filter(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    if (!nodeInfo.node?.spec?.unschedulable) return null;
    if (tolerationsTolerateTaint(pod.pod.spec?.tolerations, UNSCHEDULABLE_TAINT)) return null;
    return this.rejected;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [{ event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint } }];
  }
}

export function newNodeUnschedulable(): NodeUnschedulable {
  return new NodeUnschedulable();
}
