import * as autoscalingv1 from '../generated/autoscaling/v1';
import * as batchv1 from '../generated/batch/v1';
import * as coordinationv1 from '../generated/coordination/v1';
import * as discoveryv1 from '../generated/discovery/v1';
import * as schedulingv1 from '../generated/scheduling/v1';
import * as storagev1 from '../generated/storage/v1';
import { defineKind, type KindInfo } from '../scheme/kind-info';
import { cronJobColumns, endpointSliceColumns, jobColumns, leaseColumns, priorityClassColumns, storageClassColumns } from '../printers';

export const batchV1Kinds: KindInfo[] = [
  defineKind<batchv1.Job>({
    group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', singular: 'job', shortNames: [], categories: ['all'], namespaced: true,
    protoName: 'minik8s.batch.v1.Job', codec: batchv1.Job, subresources: ['status'],
    columns: jobColumns,
  }),
  defineKind<batchv1.CronJob>({
    group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs', singular: 'cronjob', shortNames: ['cj'], categories: ['all'], namespaced: true,
    protoName: 'minik8s.batch.v1.CronJob', codec: batchv1.CronJob, subresources: ['status'],
    columns: cronJobColumns,
  }),
];

export const otherKinds: KindInfo[] = [
  defineKind<coordinationv1.Lease>({
    group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', resource: 'leases', singular: 'lease', shortNames: [], namespaced: true,
    protoName: 'minik8s.coordination.v1.Lease', codec: coordinationv1.Lease, subresources: [],
    columns: leaseColumns,
  }),
  defineKind<discoveryv1.EndpointSlice>({
    group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', resource: 'endpointslices', singular: 'endpointslice', shortNames: [], namespaced: true,
    protoName: 'minik8s.discovery.v1.EndpointSlice', codec: discoveryv1.EndpointSlice, subresources: [],
    columns: endpointSliceColumns,
  }),
  defineKind<storagev1.StorageClass>({
    group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', resource: 'storageclasses', singular: 'storageclass', shortNames: ['sc'], namespaced: false,
    protoName: 'minik8s.storage.v1.StorageClass', codec: storagev1.StorageClass, subresources: [],
    columns: storageClassColumns,
  }),
  defineKind<schedulingv1.PriorityClass>({
    group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', resource: 'priorityclasses', singular: 'priorityclass', shortNames: ['pc'], namespaced: false,
    protoName: 'minik8s.scheduling.v1.PriorityClass', codec: schedulingv1.PriorityClass, subresources: [],
    columns: priorityClassColumns,
  }),
  defineKind<autoscalingv1.Scale>({
    group: 'autoscaling', version: 'v1', kind: 'Scale', resource: 'scales', singular: 'scale', shortNames: [], namespaced: true,
    protoName: 'minik8s.autoscaling.v1.Scale', codec: autoscalingv1.Scale, subresources: [],
  }),
];
