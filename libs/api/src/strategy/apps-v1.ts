import type { Scheme } from '../scheme/scheme';
import { controllerRevisionStrategy } from './apps-v1-controllerrevision';
import { daemonSetStrategy } from './apps-v1-daemonset';
import { deploymentStrategy, replicaSetStrategy } from './apps-v1-deployment';
import { statefulSetStrategy } from './apps-v1-statefulset';

/** Attaches the apps/v1 kinds' defaults and validation to the scheme. */
export function registerAppsV1Strategies(scheme: Scheme): void {
  scheme.setStrategy('apps', 'Deployment', deploymentStrategy);
  scheme.setStrategy('apps', 'ReplicaSet', replicaSetStrategy);
  scheme.setStrategy('apps', 'DaemonSet', daemonSetStrategy);
  scheme.setStrategy('apps', 'StatefulSet', statefulSetStrategy);
  scheme.setStrategy('apps', 'ControllerRevision', controllerRevisionStrategy);
}
