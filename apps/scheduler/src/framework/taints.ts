import type { corev1 } from '@minik8s/api';

/** v1.Toleration.ToleratesTaint: effect and key must match (empty means any), then Equal or Exists. */
export function toleratesTaint(toleration: corev1.Toleration, taint: corev1.Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly corev1.Toleration[] | undefined, taint: corev1.Taint): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint `inScope` selects that no toleration tolerates, if any. */
export function findUntoleratedTaint(
  taints: readonly corev1.Taint[],
  tolerations: readonly corev1.Toleration[] | undefined,
  inScope: (t: corev1.Taint) => boolean,
): corev1.Taint | undefined {
  for (const taint of taints) {
    if (!inScope(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** NoSchedule and NoExecute taints keep pods off a node; PreferNoSchedule only lowers its score. */
export function isNoScheduleOrNoExecute(t: corev1.Taint): boolean {
  return t.effect === 'NoSchedule' || t.effect === 'NoExecute';
}
