import type { Taint, Toleration } from '../generated/core/v1';

/**
 * Kubernetes' Toleration.ToleratesTaint: an empty effect or key in the toleration matches any;
 * Exists ignores the value, Equal (or no operator) compares it.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
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

export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((toleration) => toleratesTaint(toleration, taint));
}

/** Kubernetes' FindMatchingUntoleratedTaint: the first taint `inScope` selects that no toleration tolerates. */
export function findUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[] | undefined,
  inScope: (taint: Taint) => boolean,
): Taint | undefined {
  return taints.find((taint) => inScope(taint) && !tolerationsTolerateTaint(tolerations, taint));
}
