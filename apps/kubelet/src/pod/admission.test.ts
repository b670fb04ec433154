import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { admitPod, podRequests } from './admission';

const pod = (cpu?: string, memory?: string): corev1.Pod => ({
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'c', resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } }] },
});
const node = { pods: 2, cpuMilli: 2000, memoryBytes: 1024 ** 3 };

describe('admitPod', () => {
  it('admits what fits', () => expect(admitPod(pod('500m', '100Mi'), [pod('1', '100Mi')], node)).toBeUndefined());
  it('refuses past max pods with OutOfpods', () =>
    expect(admitPod(pod(), [pod(), pod()], node)).toEqual({ reason: 'OutOfpods', message: "Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2" }));
  it('refuses CPU and memory requests that do not fit', () => {
    expect(admitPod(pod('1500m'), [pod('1')], node)?.reason).toBe('OutOfcpu');
    expect(admitPod(pod(undefined, '2Gi'), [], node)?.reason).toBe('OutOfmemory');
  });
  it('counts the largest init container when it exceeds the app containers', () => {
    const p: corev1.Pod = { spec: { initContainers: [{ name: 'i', resources: { requests: { cpu: '2' } } }], containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] } };
    expect(podRequests(p).cpuMilli).toBe(2000);
  });
});
