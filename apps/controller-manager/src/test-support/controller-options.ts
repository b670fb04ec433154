import type { ControllerOptions } from '../controller';

/** The settings of `minik8s controller-manager` without flags. */
export const DEFAULT_CONTROLLER_OPTIONS: ControllerOptions = {
  clusterCidr: '10.244.0.0/16',
  nodeCidrMaskSize: 24,
  nodeMonitorGracePeriodMs: 40_000,
  podEvictionTimeoutMs: 300_000,
  concurrentSyncs: 5,
};
