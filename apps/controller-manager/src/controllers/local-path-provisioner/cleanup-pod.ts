import type { corev1, storagev1 } from '@minik8s/api';
import { helperPod } from './helper-pod';
import { helperImageOf } from './volume-plan';

/**
 * The helper pod that removes a deleted volume's directory on its node: the controller-manager
 * runs on no node in particular, so the removal happens where the data is, through the node's
 * kubelet, as Rancher's local-path-provisioner does it.
 */

export const CLEANUP_NAMESPACE = 'kube-system';
/** On the helper pod: the volume whose directory it removes. */
export const CLEANUP_VOLUME_LABEL = 'local-path.minik8s.io/cleanup-volume';

export function cleanupPodName(volumeName: string): string {
  // Pod names are DNS subdomains: `pvc-<uid>` fits with room to spare.
  return `local-path-cleanup-${volumeName}`.slice(0, 253);
}

/** The volume a pod cleans up, if it is such a helper. */
export function isCleanupPod(pod: corev1.Pod): string | undefined {
  if (pod.metadata?.namespace !== CLEANUP_NAMESPACE) return undefined;
  return pod.metadata?.labels?.[CLEANUP_VOLUME_LABEL];
}

function splitPath(path: string): { parent: string; base: string } {
  const i = path.lastIndexOf('/');
  return { parent: i <= 0 ? '/' : path.slice(0, i), base: path.slice(i + 1) };
}

/**
 * The pod: pinned to `nodeName`, it mounts the parent of the volume's directory and removes the
 * directory, so a path that no longer exists is no error.
 */
export function cleanupPod(pv: corev1.PersistentVolume, nodeName: string, path: string, klass: storagev1.StorageClass | undefined): corev1.Pod {
  const volumeName = pv.metadata?.name ?? '';
  const { parent, base } = splitPath(path);
  return helperPod({
    name: cleanupPodName(volumeName),
    namespace: CLEANUP_NAMESPACE,
    labels: { [CLEANUP_VOLUME_LABEL]: volumeName },
    nodeName,
    containerName: 'cleanup',
    image: helperImageOf(klass),
    command: ['rm', '-rf', `/data/${base}`],
    hostPath: { path: parent, type: 'DirectoryOrCreate' },
    mountPath: '/data',
  });
}
