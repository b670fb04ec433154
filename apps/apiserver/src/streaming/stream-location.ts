// Where a pod's stream goes, decided as Kubernetes' pod registry does (LogLocation,
// streamLocation): the container (given, or the pod's only one), the node, and that node's
// kubelet endpoint, with Kubernetes' messages for what is missing.

import { newBadRequest, type corev1 } from '@minik8s/api';

/** The container a stream is for: the given one if the pod has it, or the pod's only container. */
export function streamContainer(pod: corev1.Pod, container: string | undefined): string {
  const name = pod.metadata?.name ?? '';
  const names = (list: corev1.Container[] | undefined): string[] => (list ?? []).map((c) => c.name ?? '');
  const containers = names(pod.spec?.containers);
  const inits = names(pod.spec?.initContainers);
  if (container) {
    if (!containers.includes(container) && !inits.includes(container)) throw newBadRequest(`container ${container} is not valid for pod ${name}`);
    return container;
  }
  if (containers.length === 1) return containers[0];
  if (containers.length === 0) throw newBadRequest(`a container name must be specified for pod ${name}`);
  let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
  if (inits.length > 0) message += ` or one of the init containers: [${inits.join(' ')}]`;
  throw newBadRequest(message);
}

/** host:port of a node's kubelet: its InternalIP (else any address) and its reported port. */
export function kubeletEndpoint(node: corev1.Node): string {
  const addresses = node.status?.addresses ?? [];
  const address = (addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type === 'ExternalIP') ?? addresses[0])?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!address || !port) throw newBadRequest(`node ${node.metadata?.name} has no kubelet address`);
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
