import { compareQuantity, parseQuantity, selectorFromLabelSelector, type corev1, type storagev1 } from '@minik8s/api';

/**
 * Which PersistentVolume a claim may bind: the binder's pure logic (Kubernetes'
 * pkg/controller/volume/persistentvolume/index.go findBestMatchForClaim, behaviour only).
 */

export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';

export function storageOf(resources: Record<string, string> | undefined): string | undefined {
  return resources?.storage;
}

/** The claim's storage request fits the volume's capacity. */
export function capacityFits(pv: corev1.PersistentVolume, claim: corev1.PersistentVolumeClaim): boolean {
  const capacity = storageOf(pv.spec?.capacity);
  if (!capacity) return false;
  const request = storageOf(claim.spec?.resources?.requests) ?? '0';
  try {
    return compareQuantity(parseQuantity(capacity), parseQuantity(request)) >= 0;
  } catch {
    return false;
  }
}

/** Every access mode the claim asks for is one the volume offers. */
export function accessModesContain(offered: readonly string[] | undefined, requested: readonly string[] | undefined): boolean {
  const have = new Set(offered ?? []);
  return (requested ?? []).every((m) => have.has(m));
}

export function storageClassOfClaim(claim: corev1.PersistentVolumeClaim): string {
  return claim.spec?.storageClassName ?? '';
}

/** Why the volume cannot serve the claim, or undefined if it can (capacity aside from availability). */
export function mismatch(pv: corev1.PersistentVolume, claim: corev1.PersistentVolumeClaim): string | undefined {
  if ((pv.spec?.storageClassName ?? '') !== storageClassOfClaim(claim)) return 'storageClassName does not match';
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return 'volumeMode does not match';
  if (!accessModesContain(pv.spec?.accessModes, claim.spec?.accessModes)) return 'access modes do not match';
  if (!capacityFits(pv, claim)) return 'capacity is too small';
  if (claim.spec?.selector) {
    try {
      if (!selectorFromLabelSelector(claim.spec.selector).matches(pv.metadata?.labels)) return 'selector does not match';
    } catch {
      return 'invalid selector';
    }
  }
  return undefined;
}

/** The volume's claimRef names this claim (by uid when it has one). */
export function isPreBoundTo(pv: corev1.PersistentVolume, claim: corev1.PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || (ref.namespace ?? '') !== (claim.metadata?.namespace ?? '')) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

/** Orders volumes by capacity, smallest first. */
function smaller(a: corev1.PersistentVolume, b: corev1.PersistentVolume): boolean {
  try {
    return compareQuantity(parseQuantity(storageOf(a.spec?.capacity) ?? '0'), parseQuantity(storageOf(b.spec?.capacity) ?? '0')) < 0;
  } catch {
    return false;
  }
}

/**
 * The volume for the claim: one already reserved for it (claimRef naming it) if it matches,
 * else the smallest matching volume nobody claims. Volumes being deleted are skipped.
 */
export function findBestMatch(claim: corev1.PersistentVolumeClaim, volumes: readonly corev1.PersistentVolume[]): corev1.PersistentVolume | undefined {
  let best: corev1.PersistentVolume | undefined;
  for (const pv of volumes) {
    if (pv.metadata?.deletionTimestamp) continue;
    if (mismatch(pv, claim)) continue;
    if (isPreBoundTo(pv, claim)) return pv;
    if (pv.spec?.claimRef) continue;
    if (!best || smaller(pv, best)) best = pv;
  }
  return best;
}

/** The class delays binding until a pod using the claim is scheduled. */
export function waitsForFirstConsumer(claim: corev1.PersistentVolumeClaim, classes: (name: string) => storagev1.StorageClass | undefined): boolean {
  const name = storageClassOfClaim(claim);
  if (!name) return false;
  return classes(name)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** The claimRef a volume bound to the claim carries. */
export function claimRefFor(claim: corev1.PersistentVolumeClaim): corev1.ObjectReference {
  return {
    kind: 'PersistentVolumeClaim',
    apiVersion: 'v1',
    namespace: claim.metadata?.namespace,
    name: claim.metadata?.name,
    uid: claim.metadata?.uid,
    resourceVersion: claim.metadata?.resourceVersion,
  };
}
