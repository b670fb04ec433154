// The DaemonSet controller: one daemon pod on every node that should run one.
export { daemonSetControllerFactory, newDaemonSetController, DaemonSetController } from './daemonset-controller';
export type { DaemonSetClient, DaemonSetControllerDeps, EventSink, RevisionControl } from './daemonset-controller';
export { nodeShouldRunDaemonPod, daemonPodTolerations } from './node-eligibility';
export type { NodeFit } from './node-eligibility';
