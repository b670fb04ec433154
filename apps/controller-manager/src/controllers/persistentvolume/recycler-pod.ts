import { parseQuantity, toValue, type corev1 } from '@minik8s/api';
import { DEFAULT_HELPER_IMAGE, helperPod } from '../local-path-provisioner';
import { ANN_BOUND_BY_CONTROLLER } from './matching';

/**
 * Recycling (reclaim policy Recycle) as Kubernetes' hostPath recycler does it: a pod mounts the
 * volume at /scrub and empties it, and on success the volume's claimRef is cleared so it is
 * Available again. The pure parts live here; the binder drives them.
 */

export const RECYCLER_NAMESPACE = 'kube-system';
/** On the recycler pod: the volume it scrubs. */
export const RECYCLER_VOLUME_LABEL = 'pv-recycler.minik8s.io/volume';
/**
 * On the recycler pod: the uid of the released claim it scrubs for, so a pod left over from an
 * earlier release of the same volume is never mistaken for this one's.
 */
export const ANN_RECYCLED_CLAIM_UID = 'pv-recycler.minik8s.io/claim-uid';
/** Kubernetes' recycler pod command (volume.NewPersistentVolumeRecyclerPodTemplate). */
export const SCRUB_SCRIPT = 'test -e /scrub && find /scrub -mindepth 1 -delete && test -z "$(ls -A /scrub)" || exit 1';
/** Kubernetes' --pv-recycler-minimum-timeout-hostpath and --pv-recycler-increment-timeout-hostpath. */
export const MINIMUM_TIMEOUT_SECONDS = 60;
export const INCREMENT_TIMEOUT_SECONDS_PER_GI = 30;

/** Kubernetes names the recycler pod after the volume, so a second controller gets AlreadyExists. */
export function recyclerPodName(volumeName: string): string {
  return `recycler-for-${volumeName}`.slice(0, 253);
}

/** The volume a pod recycles, if it is a recycler pod. */
export function isRecyclerPod(pod: corev1.Pod): string | undefined {
  if (pod.metadata?.namespace !== RECYCLER_NAMESPACE) return undefined;
  return pod.metadata?.labels?.[RECYCLER_VOLUME_LABEL];
}

/** The host directory of a volume that can be recycled: only hostPath and local volumes can. */
export function recyclablePath(pv: corev1.PersistentVolume): string | undefined {
  return pv.spec?.hostPath?.path || pv.spec?.local?.path || undefined;
}

/** Kubernetes' CalculateTimeoutForVolume: 30s per whole Gi of capacity, at least 60s. */
export function recycleTimeoutSeconds(pv: corev1.PersistentVolume): number {
  let gi = 0n;
  try {
    gi = toValue(parseQuantity(pv.spec?.capacity?.storage ?? '0')) / 1024n ** 3n;
  } catch {
    gi = 0n;
  }
  const timeout = Number(gi) * INCREMENT_TIMEOUT_SECONDS_PER_GI;
  return Math.max(timeout, MINIMUM_TIMEOUT_SECONDS);
}

/**
 * The recycler pod for a released volume (which must be recyclable): Kubernetes' template with the
 * volume's directory at /scrub, and, when the volume is pinned to nodes, the same node affinity so
 * the scheduler puts it where the data is.
 */
export function recyclerPod(pv: corev1.PersistentVolume, image = DEFAULT_HELPER_IMAGE): corev1.Pod {
  const volumeName = pv.metadata?.name ?? '';
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  return helperPod({
    name: recyclerPodName(volumeName),
    namespace: RECYCLER_NAMESPACE,
    labels: { [RECYCLER_VOLUME_LABEL]: volumeName },
    annotations: { [ANN_RECYCLED_CLAIM_UID]: pv.spec?.claimRef?.uid ?? '' },
    nodeSelectorTerms: terms?.length ? structuredClone(terms) : undefined,
    containerName: 'pv-recycler',
    image,
    command: ['/bin/sh'],
    args: ['-c', SCRUB_SCRIPT],
    hostPath: { path: recyclablePath(pv) ?? '' },
    mountPath: '/scrub',
    activeDeadlineSeconds: recycleTimeoutSeconds(pv),
  });
}

/** Whether the pod is the recycler for the volume's current release, not one left from before. */
export function recyclesCurrentRelease(pod: corev1.Pod, pv: corev1.PersistentVolume): boolean {
  const uid = pv.spec?.claimRef?.uid;
  return !!uid && pod.metadata?.annotations?.[ANN_RECYCLED_CLAIM_UID] === uid && isRecyclerPod(pod) === pv.metadata?.name;
}

export type RecycleOutcome = { done: false } | { done: true; ok: true } | { done: true; ok: false; message: string };

/** What the recycler pod says; the failure message is Kubernetes' wording. */
export function recycleOutcome(pod: corev1.Pod): RecycleOutcome {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return { done: true, ok: true };
  if (phase === 'Failed') {
    const why = pod.status?.message || 'pod failed, pod.Status.Message unknown';
    return { done: true, ok: false, message: `Recycle failed: failed to recycle volume: ${why}` };
  }
  return { done: false };
}

/**
 * Kubernetes' unbindVolume: a volume the controller bound loses its claimRef (and the
 * bound-by-controller annotation); one an administrator pre-bound keeps the claim's name but not
 * its uid, so it stays reserved for that claim.
 */
export function unboundVolume(pv: corev1.PersistentVolume): corev1.PersistentVolume {
  const annotations = { ...(pv.metadata?.annotations ?? {}) };
  if (annotations[ANN_BOUND_BY_CONTROLLER]) {
    delete annotations[ANN_BOUND_BY_CONTROLLER];
    return { ...pv, metadata: { ...pv.metadata, annotations }, spec: { ...pv.spec, claimRef: undefined } };
  }
  const ref = pv.spec?.claimRef;
  return { ...pv, spec: { ...pv.spec, claimRef: ref ? { ...ref, uid: undefined, resourceVersion: undefined } : undefined } };
}
