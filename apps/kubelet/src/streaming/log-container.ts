// Which container instance `logs` reads, decided from the pod's status as Kubernetes' kubelet
// does (validateContainerLogStatus), with its messages.

import { newBadRequest, type corev1 } from '@minik8s/api';

/** The Docker id of the container `logs` should read, or a BadRequest saying why there is none. */
export function logContainerId(pod: corev1.Pod, containerName: string, previous: boolean): string {
  const podName = pod.metadata?.name ?? '';
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const status = statuses.find((s) => s.name === containerName);
  if (!status) throw newBadRequest(`container "${containerName}" in pod "${podName}" is not available`);
  const last = status.lastState?.terminated;
  const state = status.state;
  let id: string | undefined;
  if (previous) {
    if (!last?.containerID) throw newBadRequest(`previous terminated container "${containerName}" in pod "${podName}" not found`);
    id = last.containerID;
  } else if (state?.running) {
    id = status.containerID;
  } else if (state?.terminated) {
    // When the next instance did not start, the terminated state may carry no id: read the last.
    id = state.terminated.containerID || last?.containerID;
    if (!id) throw newBadRequest(`container "${containerName}" in pod "${podName}" is terminated`);
  } else if (last) {
    if (!last.containerID) throw newBadRequest(`container "${containerName}" in pod "${podName}" is terminated`);
    id = last.containerID;
  } else if (state?.waiting) {
    const reason = state.waiting.reason ?? '';
    if (reason === 'ErrImagePull') throw newBadRequest(`container "${containerName}" in pod "${podName}" is waiting to start: image can't be pulled`);
    if (reason === 'ImagePullBackOff') {
      throw newBadRequest(`container "${containerName}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
    }
    throw newBadRequest(`container "${containerName}" in pod "${podName}" is waiting to start: ${reason}`);
  }
  if (!id) throw newBadRequest(`container "${containerName}" in pod "${podName}" is waiting to start - no logs yet`);
  return id.replace(/^[a-z]+:\/\//, '');
}
