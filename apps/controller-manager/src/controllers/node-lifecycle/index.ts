// The node lifecycle controller: node health, node taints, and taint-based eviction of pods.
export { nodeLifecycleControllerFactory, newNodeLifecycleControllers, NodeLifecycleControllers, NODE_LIFECYCLE_CONTROLLER_NAME } from './node-lifecycle';
export type { NodeLifecycleOverrides } from './node-lifecycle';
export { NodeLifecycleController, ensurePodNodeNameIndex, POD_NODE_NAME_INDEX, monitorPeriodFor, startupGracePeriodFor } from './node-lifecycle-controller';
export type { NodeLifecycleControllerDeps, NodeLifecycleNodeClient, PodStatusClient } from './node-lifecycle-controller';
export { TaintEvictionController, DISRUPTION_TARGET_CONDITION } from './taint-eviction-controller';
export type { EvictionPodClient, TaintEvictionControllerDeps } from './taint-eviction-controller';
export { NODE_LEASE_NAMESPACE } from './node-health';
export * from './taints';
