import type { corev1 } from '@minik8s/api';
import { ActionType, type ClusterEventWithHint, type EnqueueExtensions, type PreEnqueuePlugin } from '../../framework/interfaces';
import { unresolvable, type PluginStatus } from '../../framework/status';
import { Names } from '../names';

/** Keeps pods with spec.schedulingGates out of the active queue until every gate is removed. */
export class SchedulingGates implements PreEnqueuePlugin, EnqueueExtensions {
  readonly name = Names.SchedulingGates;

  preEnqueue(pod: corev1.Pod): PluginStatus {
    const gates = pod.spec?.schedulingGates ?? [];
    if (gates.length === 0) return null;
    return unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name ?? '').join(' ')}]`);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    // The gated pod's own update is what clears the gates; the queue re-checks on every update.
    return [{ event: { resource: 'Pod', actionType: ActionType.UpdateOther } }];
  }
}

export function newSchedulingGates(): SchedulingGates {
  return new SchedulingGates();
}
