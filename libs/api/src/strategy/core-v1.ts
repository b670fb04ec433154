import type { Scheme } from '../scheme/scheme';
import { namespaceStrategy, nodeStrategy } from './core-v1-cluster';
import { configMapStrategy, secretStrategy, serviceAccountStrategy } from './core-v1-config';
import { eventStrategy } from './core-v1-event';
import { podStrategy, podTemplateStrategy } from './core-v1-pod';
import { limitRangeStrategy, resourceQuotaStrategy } from './core-v1-policy';
import { replicationControllerStrategy } from './core-v1-replicationcontroller';
import { endpointsStrategy, serviceStrategy } from './core-v1-service';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './core-v1-storage';

/**
 * Attaches Kubernetes' defaults and validation to every core/v1 kind. Binding
 * has none: the binding subresource checks its target itself.
 */
export function registerCoreV1Strategies(scheme: Scheme): void {
  scheme
    .setStrategy('', 'Namespace', namespaceStrategy)
    .setStrategy('', 'Node', nodeStrategy)
    .setStrategy('', 'Pod', podStrategy)
    .setStrategy('', 'PodTemplate', podTemplateStrategy)
    .setStrategy('', 'ReplicationController', replicationControllerStrategy)
    .setStrategy('', 'Service', serviceStrategy)
    .setStrategy('', 'Endpoints', endpointsStrategy)
    .setStrategy('', 'ConfigMap', configMapStrategy)
    .setStrategy('', 'Secret', secretStrategy)
    .setStrategy('', 'ServiceAccount', serviceAccountStrategy)
    .setStrategy('', 'Event', eventStrategy)
    .setStrategy('', 'PersistentVolume', persistentVolumeStrategy)
    .setStrategy('', 'PersistentVolumeClaim', persistentVolumeClaimStrategy)
    .setStrategy('', 'ResourceQuota', resourceQuotaStrategy)
    .setStrategy('', 'LimitRange', limitRangeStrategy);
}
