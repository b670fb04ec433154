import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import {
  ANN_RECYCLED_CLAIM_UID,
  isRecyclerPod,
  recyclablePath,
  recycleOutcome,
  RECYCLER_VOLUME_LABEL,
  recyclerPod,
  recyclerPodName,
  recyclesCurrentRelease,
  recycleTimeoutSeconds,
  SCRUB_SCRIPT,
  unboundVolume,
} from './recycler-pod';
import { ANN_BOUND_BY_CONTROLLER } from './matching';

function released(name: string, spec: corev1.PersistentVolumeSpec = {}, annotations?: Record<string, string>): corev1.PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations },
    spec: {
      capacity: { storage: '1Gi' },
      persistentVolumeReclaimPolicy: 'Recycle',
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'data', uid: 'claim-uid-1', resourceVersion: '7' },
      ...spec,
    },
    status: { phase: 'Released' },
  };
}

describe('recyclerPod', () => {
  it('is Kubernetes’ recycler: the volume at /scrub, the scrub script, restartPolicy Never, the busybox image', () => {
    const pod = recyclerPod(released('pv-a', { hostPath: { path: '/srv/a' } }));
    expect(pod.metadata).toMatchObject({
      name: 'recycler-for-pv-a',
      namespace: 'kube-system',
      labels: { [RECYCLER_VOLUME_LABEL]: 'pv-a' },
      annotations: { [ANN_RECYCLED_CLAIM_UID]: 'claim-uid-1' },
    });
    expect(pod.spec?.restartPolicy).toBe('Never');
    expect(pod.spec?.affinity).toBeUndefined();
    expect(pod.spec?.nodeName).toBeUndefined();
    const [c] = pod.spec?.containers ?? [];
    expect(c?.image).toBe('minik8s/busybox:1.36');
    expect(c?.command).toEqual(['/bin/sh']);
    expect(c?.args).toEqual(['-c', SCRUB_SCRIPT]);
    expect(SCRUB_SCRIPT).toBe('test -e /scrub && find /scrub -mindepth 1 -delete && test -z "$(ls -A /scrub)" || exit 1');
    expect(c?.volumeMounts).toEqual([{ name: 'data', mountPath: '/scrub' }]);
    expect(pod.spec?.volumes).toEqual([{ name: 'data', hostPath: { path: '/srv/a' } }]);
    expect(pod.spec?.activeDeadlineSeconds).toBe(60);
  });

  it('follows the volume’s node affinity, and mounts a local volume’s path', () => {
    const terms = [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] }];
    const pv = released('pv-l', { local: { path: '/mnt/disk1' }, nodeAffinity: { required: { nodeSelectorTerms: terms } } });
    const pod = recyclerPod(pv);
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual(terms);
    // A copy: the pod never shares the volume's objects.
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).not.toBe(terms);
    expect(pod.spec?.volumes?.[0]?.hostPath?.path).toBe('/mnt/disk1');
  });

  it('keeps the name within a pod name’s limit', () => {
    expect(recyclerPodName('x'.repeat(300))).toHaveLength(253);
  });
});

describe('recyclablePath', () => {
  it('only hostPath and local volumes can be recycled', () => {
    expect(recyclablePath(released('h', { hostPath: { path: '/h' } }))).toBe('/h');
    expect(recyclablePath(released('l', { local: { path: '/l' } }))).toBe('/l');
    expect(recyclablePath(released('n', { csi: { driver: 'x', volumeHandle: 'y' } }))).toBeUndefined();
    expect(recyclablePath(released('e'))).toBeUndefined();
  });
});

describe('recycleTimeoutSeconds', () => {
  it('is 30s per whole Gi, never under 60s', () => {
    expect(recycleTimeoutSeconds(released('a', { capacity: { storage: '500Mi' } }))).toBe(60);
    expect(recycleTimeoutSeconds(released('a', { capacity: { storage: '2Gi' } }))).toBe(60);
    expect(recycleTimeoutSeconds(released('a', { capacity: { storage: '10Gi' } }))).toBe(300);
    expect(recycleTimeoutSeconds(released('a', { capacity: { storage: '2500Mi' } }))).toBe(60);
    expect(recycleTimeoutSeconds(released('a', { capacity: { storage: '5000Mi' } }))).toBe(120);
    expect(recycleTimeoutSeconds(released('a', { capacity: { storage: 'bogus' } }))).toBe(60);
  });
});

describe('recyclesCurrentRelease / isRecyclerPod', () => {
  const pv = released('pv-a', { hostPath: { path: '/srv/a' } });
  it('accepts the pod made for this release only', () => {
    const pod = recyclerPod(pv);
    expect(isRecyclerPod(pod)).toBe('pv-a');
    expect(recyclesCurrentRelease(pod, pv)).toBe(true);
    const later = released('pv-a', { hostPath: { path: '/srv/a' }, claimRef: { namespace: 'ns', name: 'data', uid: 'claim-uid-2' } });
    expect(recyclesCurrentRelease(pod, later)).toBe(false);
  });
  it('refuses a pod of that name it did not make', () => {
    const forged: corev1.Pod = { metadata: { name: 'recycler-for-pv-a', namespace: 'kube-system' } };
    expect(isRecyclerPod(forged)).toBeUndefined();
    expect(recyclesCurrentRelease(forged, pv)).toBe(false);
    const elsewhere = { ...recyclerPod(pv), metadata: { ...recyclerPod(pv).metadata, namespace: 'default' } };
    expect(isRecyclerPod(elsewhere)).toBeUndefined();
  });
});

describe('recycleOutcome', () => {
  const pod = (status: corev1.PodStatus): corev1.Pod => ({ metadata: { name: 'recycler-for-pv-a' }, status });
  it('waits until the pod finishes', () => {
    expect(recycleOutcome(pod({ phase: 'Pending' }))).toEqual({ done: false });
    expect(recycleOutcome(pod({ phase: 'Running' }))).toEqual({ done: false });
    expect(recycleOutcome(pod({}))).toEqual({ done: false });
  });
  it('succeeds with the pod, and fails with its message in Kubernetes’ words', () => {
    expect(recycleOutcome(pod({ phase: 'Succeeded' }))).toEqual({ done: true, ok: true });
    expect(recycleOutcome(pod({ phase: 'Failed', message: 'Pod was active on the node longer than the specified deadline' }))).toEqual({
      done: true,
      ok: false,
      message: 'Recycle failed: failed to recycle volume: Pod was active on the node longer than the specified deadline',
    });
    expect(recycleOutcome(pod({ phase: 'Failed' }))).toEqual({
      done: true,
      ok: false,
      message: 'Recycle failed: failed to recycle volume: pod failed, pod.Status.Message unknown',
    });
  });
});

describe('unboundVolume', () => {
  it('clears the claimRef of a volume the controller bound, and its annotation', () => {
    const pv = released('pv-a', {}, { [ANN_BOUND_BY_CONTROLLER]: 'yes', other: 'kept' });
    const out = unboundVolume(pv);
    expect(out.spec?.claimRef).toBeUndefined();
    expect(out.metadata?.annotations).toEqual({ other: 'kept' });
    expect(pv.spec?.claimRef?.uid).toBe('claim-uid-1');
  });
  it('keeps a pre-bound volume reserved for the claim by name', () => {
    const out = unboundVolume(released('pv-a'));
    expect(out.spec?.claimRef).toEqual({ kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'data', uid: undefined, resourceVersion: undefined });
  });
});
