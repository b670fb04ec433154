import type { appsv1, autoscalingv1, batchv1, coordinationv1, corev1, discoveryv1, schedulingv1, storagev1 } from '@minik8s/api';

/** Names one kind and carries its TypeScript type, so `client.resource(Pods)` is typed. */
export interface KindRef<T> {
  readonly apiVersion: string;
  readonly kind: string;
  /** Never set; only carries T. */
  readonly __type?: T;
}

function kind<T>(apiVersion: string, kind: string): KindRef<T> {
  return { apiVersion, kind };
}

export const Namespaces = kind<corev1.Namespace>('v1', 'Namespace');
export const Pods = kind<corev1.Pod>('v1', 'Pod');
export const Bindings = kind<corev1.Binding>('v1', 'Binding');
export const PodTemplates = kind<corev1.PodTemplate>('v1', 'PodTemplate');
export const Nodes = kind<corev1.Node>('v1', 'Node');
export const Services = kind<corev1.Service>('v1', 'Service');
export const EndpointsKind = kind<corev1.Endpoints>('v1', 'Endpoints');
export const ConfigMaps = kind<corev1.ConfigMap>('v1', 'ConfigMap');
export const Secrets = kind<corev1.Secret>('v1', 'Secret');
export const ServiceAccounts = kind<corev1.ServiceAccount>('v1', 'ServiceAccount');
export const Events = kind<corev1.Event>('v1', 'Event');
export const PersistentVolumes = kind<corev1.PersistentVolume>('v1', 'PersistentVolume');
export const PersistentVolumeClaims = kind<corev1.PersistentVolumeClaim>('v1', 'PersistentVolumeClaim');
export const ReplicationControllers = kind<corev1.ReplicationController>('v1', 'ReplicationController');
export const ResourceQuotas = kind<corev1.ResourceQuota>('v1', 'ResourceQuota');
export const LimitRanges = kind<corev1.LimitRange>('v1', 'LimitRange');
export const Deployments = kind<appsv1.Deployment>('apps/v1', 'Deployment');
export const ReplicaSets = kind<appsv1.ReplicaSet>('apps/v1', 'ReplicaSet');
export const DaemonSets = kind<appsv1.DaemonSet>('apps/v1', 'DaemonSet');
export const StatefulSets = kind<appsv1.StatefulSet>('apps/v1', 'StatefulSet');
export const ControllerRevisions = kind<appsv1.ControllerRevision>('apps/v1', 'ControllerRevision');
export const Jobs = kind<batchv1.Job>('batch/v1', 'Job');
export const CronJobs = kind<batchv1.CronJob>('batch/v1', 'CronJob');
export const Leases = kind<coordinationv1.Lease>('coordination.k8s.io/v1', 'Lease');
export const EndpointSlices = kind<discoveryv1.EndpointSlice>('discovery.k8s.io/v1', 'EndpointSlice');
export const StorageClasses = kind<storagev1.StorageClass>('storage.k8s.io/v1', 'StorageClass');
export const PriorityClasses = kind<schedulingv1.PriorityClass>('scheduling.k8s.io/v1', 'PriorityClass');
export const Scales = kind<autoscalingv1.Scale>('autoscaling/v1', 'Scale');
