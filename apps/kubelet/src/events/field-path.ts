// How the kubelet's events name a container: involvedObject.fieldPath as Kubernetes' kubelet
// writes it (kubecontainer.GenerateContainerRef), so `describe pod` and event filters can tell
// which container an event is about.

import type { corev1 } from '@minik8s/api';

/** Kubernetes' prefix for a container the pod's spec does not list (GenerateContainerRef's fallback). */
const IMPLICIT_CONTAINER_PREFIX = 'implicitly required container ';

/**
 * `spec.containers{NAME}`, `spec.initContainers{NAME}` or `spec.ephemeralContainers{NAME}`, looked
 * up in that order as the kubelet does; an unnamed container is named by its index.
 */
export function containerFieldPath(pod: corev1.Pod, name: string): string {
  const lists: [string, { name?: string }[] | undefined][] = [
    ['containers', pod.spec?.containers],
    ['initContainers', pod.spec?.initContainers],
    ['ephemeralContainers', pod.spec?.ephemeralContainers],
  ];
  for (const [field, list] of lists) {
    const index = (list ?? []).findIndex((c) => (c.name ?? '') === name);
    if (index < 0) continue;
    return name ? `spec.${field}{${name}}` : `spec.${field}[${index}]`;
  }
  return IMPLICIT_CONTAINER_PREFIX + name;
}
