import type { corev1 } from '@minik8s/api';

interface ServiceState {
  /** Per pod name, the trigger time seen at the last sync. */
  pods: Map<string, number>;
  serviceTime: number;
}

function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** When a pod last changed in a way endpoints show: its Ready condition's last transition. */
function podTriggerTime(pod: corev1.Pod): number | undefined {
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return parseTime(ready?.lastTransitionTime);
}

/**
 * Computes the `endpoints.kubernetes.io/last-change-trigger-time` of a Service's endpoints, as
 * Kubernetes' TriggerTimeTracker does: the earliest of the changes seen since the previous sync
 * (a pod's Ready transition, or the Service's creation), or undefined when none is new. It is
 * called on every sync, even one that writes nothing, so that it keeps the state it compares with.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  compute(service: corev1.Service, pods: readonly corev1.Pod[]): number | undefined {
    const key = `${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}`;
    const previous = this.states.get(key);
    const next: ServiceState = { pods: new Map(), serviceTime: 0 };
    let earliest: number | undefined;
    const consider = (t: number): void => {
      earliest = earliest === undefined ? t : Math.min(earliest, t);
    };
    for (const pod of pods) {
      const t = podTriggerTime(pod);
      if (t === undefined) continue;
      const name = pod.metadata?.name ?? '';
      next.pods.set(name, t);
      if (t > (previous?.pods.get(name) ?? Number.NEGATIVE_INFINITY)) consider(t);
    }
    const created = parseTime(service.metadata?.creationTimestamp);
    if (created !== undefined) {
      next.serviceTime = created;
      if (created > (previous?.serviceTime ?? Number.NEGATIVE_INFINITY)) consider(created);
    }
    this.states.set(key, next);
    return earliest;
  }

  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}
