import type { corev1 } from '@minik8s/api';

/**
 * When a claim or a volume is still in use (Kubernetes' pvc-protection and pv-protection
 * controllers): the pure checks.
 */

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** The claims a pod uses: its persistentVolumeClaim volumes and its generic ephemeral ones (`<pod>-<volume>`). */
export function claimsOfPod(pod: corev1.Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata?.name ?? ''}-${v.name ?? ''}`);
  }
  return out;
}

/**
 * Whether a pod keeps the claim in use: it names the claim and has not finished. A pod that
 * has not been scheduled counts too, as in Kubernetes: it may start any moment.
 */
export function podUsesClaim(pod: corev1.Pod, claimName: string): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return claimsOfPod(pod).includes(claimName);
}

/** A volume is in use while a claim holds it (phase Bound). */
export function volumeInUse(pv: corev1.PersistentVolume): boolean {
  return pv.status?.phase === 'Bound';
}
