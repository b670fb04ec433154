// The StatefulSet controller: pods with stable ordinal identities and storage.
export { statefulSetControllerFactory, newStatefulSetController, StatefulSetController } from './statefulset-controller';
export type { StatefulSetApi, StatefulSetControllerDeps, EventSink } from './statefulset-controller';
export { planStatefulSet, countPods, computeStatus } from './plan';
export type { Action, Plan, PlanInput } from './plan';
