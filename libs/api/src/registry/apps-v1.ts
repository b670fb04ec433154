import * as appsv1 from '../generated/apps/v1';
import type { LabelSelector } from '../generated/meta/v1';
import { selectorFromLabelSelector } from '../labels/selector';
import { defineKind, type KindInfo, type ScaleAccess } from '../scheme/kind-info';
import { controllerRevisionColumns, daemonSetColumns, deploymentColumns, replicaSetColumns, statefulSetColumns } from '../printers';

const apps = { group: 'apps', version: 'v1' } as const;

interface Replicated {
  spec?: { replicas?: number; selector?: LabelSelector };
  status?: { replicas?: number };
}

function replicatedScale<T extends Replicated>(): ScaleAccess<T> {
  return {
    specReplicas: (obj) => obj.spec?.replicas ?? 1,
    setSpecReplicas: (obj, replicas) => {
      obj.spec = { ...obj.spec, replicas };
    },
    statusReplicas: (obj) => obj.status?.replicas ?? 0,
    selector: (obj) => selectorFromLabelSelector(obj.spec?.selector).toString(),
  };
}

export const appsV1Kinds: KindInfo[] = [
  defineKind<appsv1.Deployment>({
    ...apps, kind: 'Deployment', resource: 'deployments', singular: 'deployment', shortNames: ['deploy'], categories: ['all'], namespaced: true,
    protoName: 'minik8s.apps.v1.Deployment', codec: appsv1.Deployment, subresources: ['status', 'scale'],
    columns: deploymentColumns,
    scale: replicatedScale<appsv1.Deployment>(),
  }),
  defineKind<appsv1.ReplicaSet>({
    ...apps, kind: 'ReplicaSet', resource: 'replicasets', singular: 'replicaset', shortNames: ['rs'], categories: ['all'], namespaced: true,
    protoName: 'minik8s.apps.v1.ReplicaSet', codec: appsv1.ReplicaSet, subresources: ['status', 'scale'],
    columns: replicaSetColumns,
    scale: replicatedScale<appsv1.ReplicaSet>(),
  }),
  defineKind<appsv1.DaemonSet>({
    ...apps, kind: 'DaemonSet', resource: 'daemonsets', singular: 'daemonset', shortNames: ['ds'], categories: ['all'], namespaced: true,
    protoName: 'minik8s.apps.v1.DaemonSet', codec: appsv1.DaemonSet, subresources: ['status'],
    columns: daemonSetColumns,
  }),
  defineKind<appsv1.StatefulSet>({
    ...apps, kind: 'StatefulSet', resource: 'statefulsets', singular: 'statefulset', shortNames: ['sts'], categories: ['all'], namespaced: true,
    protoName: 'minik8s.apps.v1.StatefulSet', codec: appsv1.StatefulSet, subresources: ['status', 'scale'],
    columns: statefulSetColumns,
    scale: replicatedScale<appsv1.StatefulSet>(),
  }),
  defineKind<appsv1.ControllerRevision>({
    ...apps, kind: 'ControllerRevision', resource: 'controllerrevisions', singular: 'controllerrevision', shortNames: [], namespaced: true,
    protoName: 'minik8s.apps.v1.ControllerRevision', codec: appsv1.ControllerRevision, subresources: [],
    columns: controllerRevisionColumns,
  }),
];
