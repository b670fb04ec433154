import type { ApiObject, corev1, OwnerReference, Selector } from '@minik8s/api';
import { claimObjects } from './claim';
import type { PodControl } from './pod-control';

export interface ClaimPodsOptions {
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

/** Kubernetes' PodControllerRefManager.ClaimPods: `claimObjects` for pods, patched through PodControl. */
export function claimPods(pods: readonly corev1.Pod[], options: ClaimPodsOptions): Promise<corev1.Pod[]> {
  const { podControl, ...rest } = options;
  return claimObjects(pods, {
    ...rest,
    kind: 'Pod',
    patch: (pod, patch) => podControl.patchPod(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', patch),
  });
}
