import type { ControllerFactory } from '../controller';
import { cronJobControllerFactory } from './cronjob';
import { daemonSetControllerFactory } from './daemonset';
import { deploymentControllerFactory } from './deployment';
import { endpointsControllerFactory } from './endpoints';
import { endpointSliceControllerFactory } from './endpointslice';
import { newGarbageCollectorController } from './garbage-collector/garbage-collector-controller';
import { jobControllerFactory, ttlAfterFinishedControllerFactory } from './job';
import { localPathProvisionerFactory } from './local-path-provisioner';
import { newNamespaceController } from './namespace/namespace-controller';
import { nodeIpamControllerFactory } from './node-ipam';
import { nodeLifecycleControllerFactory } from './node-lifecycle';
import { persistentVolumeBinderFactory } from './persistentvolume';
import { podGcControllerFactory } from './pod-gc';
import { replicaSetControllerFactory, replicationControllerFactory } from './replicaset';
import { serviceAccountsControllerFactory } from './serviceaccount';
import { serviceLbControllerFactory } from './service-lb';
import { statefulSetControllerFactory } from './statefulset';
import { pvcProtectionControllerFactory, pvProtectionControllerFactory } from './volume-protection';

/**
 * Every controller the controller-manager can run, by its --controllers name. Each lives in its
 * own folder under controllers/ and is added here with one line.
 */
export const CONTROLLERS: Readonly<Record<string, ControllerFactory>> = {
  replicaset: replicaSetControllerFactory,
  replicationcontroller: replicationControllerFactory,
  'garbage-collector': newGarbageCollectorController,
  namespace: newNamespaceController,
  deployment: deploymentControllerFactory,
  daemonset: daemonSetControllerFactory,
  'node-ipam': nodeIpamControllerFactory,
  'node-lifecycle': nodeLifecycleControllerFactory,
  endpoints: endpointsControllerFactory,
  endpointslice: endpointSliceControllerFactory,
  statefulset: statefulSetControllerFactory,
  job: jobControllerFactory,
  'ttl-after-finished': ttlAfterFinishedControllerFactory,
  cronjob: cronJobControllerFactory,
  'persistentvolume-binder': persistentVolumeBinderFactory,
  'local-path-provisioner': localPathProvisionerFactory,
  'pvc-protection': pvcProtectionControllerFactory,
  'pv-protection': pvProtectionControllerFactory,
  'pod-gc': podGcControllerFactory,
  serviceaccount: serviceAccountsControllerFactory,
  'service-lb': serviceLbControllerFactory,
};
