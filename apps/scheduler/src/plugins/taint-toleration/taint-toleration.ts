import type { corev1 } from '@minik8s/api';
import type { CycleState, StateData } from '../../framework/cycle-state';
import {
  ActionType,
  defaultNormalizeScore,
  MAX_NODE_SCORE,
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type FilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { unresolvable, type PluginStatus } from '../../framework/status';
import { findUntoleratedTaint, isNoScheduleOrNoExecute, tolerationsTolerateTaint } from '../../framework/taints';
import { Names } from '../names';

const PRE_SCORE_KEY = `PreScore${Names.TaintToleration}`;

class PreScoreState implements StateData {
  constructor(readonly tolerationsPreferNoSchedule: corev1.Toleration[]) {}
  clone(): StateData {
    return this;
  }
}

/**
 * Filter: a pod may not land on a node with a NoSchedule or NoExecute taint it does not tolerate.
 * Score: the fewer untolerated PreferNoSchedule taints a node has, the better.
 */
export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = Names.TaintToleration;

  filter(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): PluginStatus {
    const taints = nodeInfo.taints;
    if (taints.length === 0) return null;
    const taint = findUntoleratedTaint(taints, pod.pod.spec?.tolerations, isNoScheduleOrNoExecute);
    if (!taint) return null;
    return unresolvable(`node(s) had untolerated taint {${taint.key ?? ''}: ${taint.value ?? ''}}`);
  }

  preScore(state: CycleState, pod: PodInfo): PluginStatus {
    const tolerations = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(PRE_SCORE_KEY, new PreScoreState(tolerations));
    return null;
  }

  score(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo): number {
    const taints = nodeInfo.taints;
    if (taints.length === 0) return 0;
    const tolerations = state.read<PreScoreState>(PRE_SCORE_KEY)?.tolerationsPreferNoSchedule ?? [];
    let count = 0;
    for (const taint of taints) {
      if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) count++;
    }
    return count;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): PluginStatus {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return null;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint } },
      // The pod's own new tolerations.
      { event: { resource: 'Pod', actionType: ActionType.UpdateOther } },
    ];
  }
}

export function newTaintToleration(): TaintToleration {
  return new TaintToleration();
}
