import type { corev1 } from '@minik8s/api';

/**
 * A one-shot pod that works on a volume's directory where the data is, through that node's
 * kubelet: the controller-manager runs on no node in particular. Shared by the local-path
 * provisioner (removing a deleted volume's directory) and the PersistentVolume binder
 * (scrubbing a Recycle volume).
 */
export interface HelperPodSpec {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Pinned to this node directly, when the caller knows it. */
  nodeName?: string;
  /** Or pinned by the scheduler: the node selector terms the volume's node must match. */
  nodeSelectorTerms?: corev1.NodeSelectorTerm[];
  containerName: string;
  image: string;
  command: string[];
  args?: string[];
  /** The host directory, mounted at `mountPath`. */
  hostPath: corev1.HostPathVolumeSource;
  mountPath: string;
  activeDeadlineSeconds?: number;
}

export function helperPod(spec: HelperPodSpec): corev1.Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels, annotations: spec.annotations },
    spec: {
      nodeName: spec.nodeName,
      affinity: spec.nodeSelectorTerms?.length
        ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: spec.nodeSelectorTerms } } }
        : undefined,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      // The helper must run even on a node its volume's pods have left tainted.
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: spec.containerName,
          image: spec.image,
          imagePullPolicy: 'IfNotPresent',
          command: spec.command,
          args: spec.args,
          volumeMounts: [{ name: 'data', mountPath: spec.mountPath }],
        },
      ],
      volumes: [{ name: 'data', hostPath: spec.hostPath }],
    },
  };
}
