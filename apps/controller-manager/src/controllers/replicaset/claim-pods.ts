import { isNotFound, type ApiObject, type corev1, type OwnerReference, type Selector } from '@minik8s/api';
import { getControllerOf } from '../../shared/controller-ref';
import type { PodControl } from '../../shared/pod-control';

export { MultiError, toError } from '../../shared/multi-error';
import { MultiError, toError } from '../../shared/multi-error';

/**
 * The patch that sets a pod's ownerReferences to `refs`. A JSON merge patch replaces the whole
 * list, so it names the pod's uid and the resourceVersion the list was read at: it applies only
 * to the pod it was computed from, and a concurrent change of the list fails with Conflict.
 */
export function ownerReferencesPatch(pod: corev1.Pod, refs: OwnerReference[]): unknown {
  return {
    metadata: {
      uid: pod.metadata?.uid,
      resourceVersion: pod.metadata?.resourceVersion,
      ownerReferences: refs.length > 0 ? refs : null,
    },
  };
}

export interface ClaimOptions {
  owner: ApiObject;
  /** The controllerRef adopted pods get. */
  ref: OwnerReference;
  selector: Selector;
  podControl: PodControl;
  /**
   * Called once, before the first adoption: a fresh (uncached) read that fails when the owner is
   * gone or being deleted, so a stale cache never lets a deleted owner adopt.
   */
  canAdopt: () => Promise<void>;
}

/**
 * Kubernetes' PodControllerRefManager.ClaimPods: of `pods`, returns those this owner controls
 * after adopting matching orphans and releasing its pods that no longer match. Pods controlled
 * by someone else are left alone. Nothing is adopted or released while the owner is being
 * deleted. Failures other than NotFound are thrown together after every pod was tried.
 */
export async function claimPods(pods: readonly corev1.Pod[], options: ClaimOptions): Promise<corev1.Pod[]> {
  const { owner, ref, selector, podControl } = options;
  const ownerUid = owner.metadata?.uid;
  const ownerDeleting = !!owner.metadata?.deletionTimestamp;
  const claimed: corev1.Pod[] = [];
  const errors: Error[] = [];
  let adoptCheck: Promise<void> | undefined;

  for (const pod of pods) {
    const meta = pod.metadata ?? {};
    const refs = meta.ownerReferences ?? [];
    const controller = getControllerOf(pod);
    const matches = selector.matches(meta.labels);
    if (controller) {
      if (controller.uid !== ownerUid) continue;
      if (matches) {
        claimed.push(pod);
        continue;
      }
      if (ownerDeleting) continue;
      try {
        await podControl.patchPod(meta.namespace ?? '', meta.name ?? '', ownerReferencesPatch(pod, refs.filter((r) => r.uid !== ownerUid)));
      } catch (err) {
        if (!isNotFound(err)) errors.push(toError(err));
      }
      continue;
    }
    // An orphan: adopt it if it matches, is not being deleted, and lives in our namespace.
    if (ownerDeleting || !matches || meta.deletionTimestamp) continue;
    if (meta.namespace !== owner.metadata?.namespace) continue;
    adoptCheck ??= options.canAdopt();
    try {
      await adoptCheck;
    } catch (err) {
      // Whatever the reason, even NotFound of the owner, an owner that cannot adopt fails the sync.
      errors.push(new Error(`can't adopt Pod ${meta.namespace}/${meta.name} (${meta.uid}): ${toError(err).message}`));
      continue;
    }
    try {
      await podControl.patchPod(meta.namespace ?? '', meta.name ?? '', ownerReferencesPatch(pod, [...refs.filter((r) => r.uid !== ownerUid), ref]));
      claimed.push(pod);
    } catch (err) {
      if (!isNotFound(err)) errors.push(toError(err));
    }
  }
  if (errors.length > 0) throw new MultiError(errors);
  return claimed;
}
