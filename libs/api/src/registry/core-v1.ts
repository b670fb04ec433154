import * as corev1 from '../generated/core/v1';
import { defineKind, type KindInfo } from '../scheme/kind-info';
import { selectorFromSet } from '../labels/selector';
import {
  configMapColumns,
  endpointsColumns,
  eventColumns,
  limitRangeColumns,
  namespaceColumns,
  nodeColumns,
  persistentVolumeClaimColumns,
  persistentVolumeColumns,
  podColumns,
  podTemplateColumns,
  replicationControllerColumns,
  resourceQuotaColumns,
  secretColumns,
  serviceAccountColumns,
  serviceColumns,
} from '../printers';

const core = { group: '', version: 'v1' } as const;

export const coreV1Kinds: KindInfo[] = [
  defineKind<corev1.Namespace>({
    ...core, kind: 'Namespace', resource: 'namespaces', singular: 'namespace', shortNames: ['ns'], namespaced: false,
    protoName: 'minik8s.core.v1.Namespace', codec: corev1.Namespace, subresources: ['status', 'finalize'],
    columns: namespaceColumns,
    fieldLabels: (ns) => ({ 'status.phase': ns.status?.phase ?? '' }),
  }),
  defineKind<corev1.Pod>({
    ...core, kind: 'Pod', resource: 'pods', singular: 'pod', shortNames: ['po'], categories: ['all'], namespaced: true,
    protoName: 'minik8s.core.v1.Pod', codec: corev1.Pod,
    columns: podColumns,
    subresources: ['status', 'binding', 'log', 'exec', 'attach', 'portforward'],
    fieldLabels: (pod) => ({
      'spec.nodeName': pod.spec?.nodeName ?? '',
      'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
      'spec.schedulerName': pod.spec?.schedulerName ?? '',
      'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
      'spec.hostNetwork': String(pod.spec?.hostNetwork ?? false),
      'status.phase': pod.status?.phase ?? '',
      'status.podIP': pod.status?.podIP ?? '',
      'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
    }),
  }),
  defineKind<corev1.Binding>({
    ...core, kind: 'Binding', resource: 'bindings', singular: 'binding', shortNames: [], namespaced: true,
    protoName: 'minik8s.core.v1.Binding', codec: corev1.Binding, subresources: [],
  }),
  defineKind<corev1.PodTemplate>({
    ...core, kind: 'PodTemplate', resource: 'podtemplates', singular: 'podtemplate', shortNames: [], namespaced: true,
    protoName: 'minik8s.core.v1.PodTemplate', codec: corev1.PodTemplate, subresources: [],
    columns: podTemplateColumns,
  }),
  defineKind<corev1.Node>({
    ...core, kind: 'Node', resource: 'nodes', singular: 'node', shortNames: ['no'], namespaced: false,
    protoName: 'minik8s.core.v1.Node', codec: corev1.Node, subresources: ['status'],
    columns: nodeColumns,
    fieldLabels: (node) => ({ 'spec.unschedulable': String(node.spec?.unschedulable ?? false) }),
  }),
  defineKind<corev1.Service>({
    ...core, kind: 'Service', resource: 'services', singular: 'service', shortNames: ['svc'], categories: ['all'], namespaced: true,
    protoName: 'minik8s.core.v1.Service', codec: corev1.Service, subresources: ['status'],
    columns: serviceColumns,
    fieldLabels: (svc) => ({ 'spec.clusterIP': svc.spec?.clusterIP ?? '', 'spec.type': svc.spec?.type ?? '' }),
  }),
  defineKind<corev1.Endpoints>({
    ...core, kind: 'Endpoints', resource: 'endpoints', singular: 'endpoints', shortNames: ['ep'], namespaced: true,
    protoName: 'minik8s.core.v1.Endpoints', codec: corev1.Endpoints, subresources: [],
    columns: endpointsColumns,
  }),
  defineKind<corev1.ConfigMap>({
    ...core, kind: 'ConfigMap', resource: 'configmaps', singular: 'configmap', shortNames: ['cm'], namespaced: true,
    protoName: 'minik8s.core.v1.ConfigMap', codec: corev1.ConfigMap, subresources: [],
    columns: configMapColumns,
  }),
  defineKind<corev1.Secret>({
    ...core, kind: 'Secret', resource: 'secrets', singular: 'secret', shortNames: [], namespaced: true,
    protoName: 'minik8s.core.v1.Secret', codec: corev1.Secret, subresources: [],
    columns: secretColumns,
    fieldLabels: (secret) => ({ type: secret.type ?? '' }),
  }),
  defineKind<corev1.ServiceAccount>({
    ...core, kind: 'ServiceAccount', resource: 'serviceaccounts', singular: 'serviceaccount', shortNames: ['sa'], namespaced: true,
    protoName: 'minik8s.core.v1.ServiceAccount', codec: corev1.ServiceAccount, subresources: [],
    columns: serviceAccountColumns,
  }),
  defineKind<corev1.Event>({
    ...core, kind: 'Event', resource: 'events', singular: 'event', shortNames: ['ev'], namespaced: true,
    protoName: 'minik8s.core.v1.Event', codec: corev1.Event, subresources: [],
    columns: eventColumns,
    fieldLabels: (ev) => ({
      'involvedObject.kind': ev.involvedObject?.kind ?? '',
      'involvedObject.namespace': ev.involvedObject?.namespace ?? '',
      'involvedObject.name': ev.involvedObject?.name ?? '',
      'involvedObject.uid': ev.involvedObject?.uid ?? '',
      'involvedObject.apiVersion': ev.involvedObject?.apiVersion ?? '',
      'involvedObject.resourceVersion': ev.involvedObject?.resourceVersion ?? '',
      'involvedObject.fieldPath': ev.involvedObject?.fieldPath ?? '',
      reason: ev.reason ?? '',
      reportingComponent: ev.reportingComponent ?? '',
      source: ev.source?.component ?? '',
      type: ev.type ?? '',
    }),
  }),
  defineKind<corev1.PersistentVolume>({
    ...core, kind: 'PersistentVolume', resource: 'persistentvolumes', singular: 'persistentvolume', shortNames: ['pv'], namespaced: false,
    protoName: 'minik8s.core.v1.PersistentVolume', codec: corev1.PersistentVolume, subresources: ['status'],
    columns: persistentVolumeColumns,
  }),
  defineKind<corev1.PersistentVolumeClaim>({
    ...core, kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', shortNames: ['pvc'], namespaced: true,
    protoName: 'minik8s.core.v1.PersistentVolumeClaim', codec: corev1.PersistentVolumeClaim, subresources: ['status'],
    columns: persistentVolumeClaimColumns,
  }),
  defineKind<corev1.ReplicationController>({
    ...core, kind: 'ReplicationController', resource: 'replicationcontrollers', singular: 'replicationcontroller', shortNames: ['rc'], categories: ['all'], namespaced: true,
    protoName: 'minik8s.core.v1.ReplicationController', codec: corev1.ReplicationController, subresources: ['status', 'scale'],
    columns: replicationControllerColumns,
    scale: {
      specReplicas: (rc) => rc.spec?.replicas ?? 1,
      setSpecReplicas: (rc, replicas) => { rc.spec = { ...rc.spec, replicas }; },
      statusReplicas: (rc) => rc.status?.replicas ?? 0,
      selector: (rc) => selectorFromSet(rc.spec?.selector ?? {}).toString(),
    },
  }),
  defineKind<corev1.ResourceQuota>({
    ...core, kind: 'ResourceQuota', resource: 'resourcequotas', singular: 'resourcequota', shortNames: ['quota'], namespaced: true,
    protoName: 'minik8s.core.v1.ResourceQuota', codec: corev1.ResourceQuota, subresources: ['status'],
    columns: resourceQuotaColumns,
  }),
  defineKind<corev1.LimitRange>({
    ...core, kind: 'LimitRange', resource: 'limitranges', singular: 'limitrange', shortNames: ['limits'], namespaced: true,
    protoName: 'minik8s.core.v1.LimitRange', codec: corev1.LimitRange, subresources: [],
    columns: limitRangeColumns,
  }),
];
