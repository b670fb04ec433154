// The pod garbage collector: orphaned, unscheduled-terminating and excess terminated pods.
export {
  podGcControllerFactory,
  podGcControllerFactoryWith,
  newPodGcController,
  PodGcController,
  POD_GC_CONTROLLER_NAME,
  DEFAULT_GC_PERIOD_MS,
  DEFAULT_QUARANTINE_MS,
} from './pod-gc-controller';
export type { GcPassResult, PodGcControllerDeps, PodGcNodeClient, PodGcPodClient, PodGcSettings } from './pod-gc-controller';
export {
  DEFAULT_TERMINATED_POD_THRESHOLD,
  ORPHANED_POD_CONDITION,
  OUT_OF_SERVICE_TAINT,
  NodeQuarantine,
  compareForTerminatedGc,
  failedStatus,
  isPodEvicted,
  isPodTerminated,
  isPodTerminating,
  missingNodeNames,
  outOfServiceTerminatingPods,
  terminatedPodsToDelete,
  unscheduledTerminatingPods,
} from './pod-gc-plan';
