// Typed API objects, one namespace per group/version, as Kubernetes' Go packages are named.
export * as corev1 from './generated/core/v1';
export * as appsv1 from './generated/apps/v1';
export * as batchv1 from './generated/batch/v1';
export * as coordinationv1 from './generated/coordination/v1';
export * as discoveryv1 from './generated/discovery/v1';
export * as storagev1 from './generated/storage/v1';
export * as schedulingv1 from './generated/scheduling/v1';
export * as autoscalingv1 from './generated/autoscaling/v1';
export * as streamingv1 from './generated/streaming/v1';
export * from './generated/meta/v1';
export * from './generated/apiserver/v1';

export * from './errors';
export * from './codec/json-codec';
export * from './codec/descriptor-pool';
export * from './codec/resource-version-splice';
export * from './scheme/kind-info';
export * from './scheme/scheme';
export * from './registry/default-scheme';
export * from './validation/field-path';
export * from './validation/primitives';
export * from './validation/object-meta';
export * from './quantity';
export * from './labels/selector';
export * from './fields/selector';
export * from './printers';
export { parseCronSchedule, CronSyntaxError, cronScheduleError, isKnownTimeZone, type CronSchedule } from './strategy/other-groups-cron';
export * from './helpers/taints';
