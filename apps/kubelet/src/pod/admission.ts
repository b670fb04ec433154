import type { corev1 } from '@minik8s/api';
import { quantityValue } from './env';

export interface NodeAllocatable {
  pods: number;
  /** millicores */
  cpuMilli: number;
  memoryBytes: number;
}

/** A pod's effective requests: the sum over app containers, or the largest init container's if larger. */
export function podRequests(pod: corev1.Pod): { cpuMilli: number; memoryBytes: number } {
  const of = (c: corev1.Container, r: 'cpu' | 'memory'): number => {
    const q = c.resources?.requests?.[r] ?? c.resources?.limits?.[r];
    return q ? quantityValue(q) : 0;
  };
  const sum = (r: 'cpu' | 'memory'): number => (pod.spec?.containers ?? []).reduce((n, c) => n + of(c, r), 0);
  const maxInit = (r: 'cpu' | 'memory'): number => Math.max(0, ...(pod.spec?.initContainers ?? []).map((c) => of(c, r)));
  return {
    cpuMilli: Math.round(Math.max(sum('cpu'), maxInit('cpu')) * 1000),
    memoryBytes: Math.round(Math.max(sum('memory'), maxInit('memory'))),
  };
}

/**
 * The kubelet's admission of a new pod against the pods it already runs: the pod count, CPU and
 * memory requests must fit the node's allocatable. A refusal carries Kubernetes' reason.
 */
export function admitPod(pod: corev1.Pod, active: readonly corev1.Pod[], node: NodeAllocatable): { reason: string; message: string } | undefined {
  if (active.length + 1 > node.pods) {
    return { reason: 'OutOfpods', message: `Node didn't have enough resource: pods, requested: 1, used: ${active.length}, capacity: ${node.pods}` };
  }
  const want = podRequests(pod);
  const used = active.map(podRequests).reduce((a, b) => ({ cpuMilli: a.cpuMilli + b.cpuMilli, memoryBytes: a.memoryBytes + b.memoryBytes }), { cpuMilli: 0, memoryBytes: 0 });
  if (want.cpuMilli > 0 && used.cpuMilli + want.cpuMilli > node.cpuMilli) {
    return { reason: 'OutOfcpu', message: `Node didn't have enough resource: cpu, requested: ${want.cpuMilli}, used: ${used.cpuMilli}, capacity: ${node.cpuMilli}` };
  }
  if (want.memoryBytes > 0 && used.memoryBytes + want.memoryBytes > node.memoryBytes) {
    return {
      reason: 'OutOfmemory',
      message: `Node didn't have enough resource: memory, requested: ${want.memoryBytes}, used: ${used.memoryBytes}, capacity: ${node.memoryBytes}`,
    };
  }
  return undefined;
}
