/** Docker labels the kubelet puts on every container it makes, so a restarted kubelet finds them. */
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const LABEL_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const LABEL_CONTAINER_HASH = 'io.kubernetes.container.hash';
/** `podsandbox` or `container`, as dockershim labelled them. */
export const LABEL_TYPE = 'io.kubernetes.docker.type';
/** `init` or `regular`. */
export const LABEL_CONTAINER_KIND = 'io.minik8s.container.kind';
export const LABEL_GRACE_PERIOD = 'io.kubernetes.pod.terminationGracePeriod';
/** The node whose kubelet made the container: several kubelets may share one engine. */
export const LABEL_NODE = 'io.minik8s.node';
/** Marks the pod bridge network a kubelet made. */
export const LABEL_POD_NETWORK = 'io.minik8s.pod-network';

export const TYPE_SANDBOX = 'podsandbox';
export const TYPE_CONTAINER = 'container';
/** The container name the sandbox carries in LABEL_CONTAINER_NAME. */
export const SANDBOX_CONTAINER_NAME = 'POD';
