import { nothingSelector, selectorFromLabelSelector, selectorFromSet, type appsv1, type corev1, type Selector } from '@minik8s/api';
import { ReplicaSets, ReplicationControllers, type KindRef } from '@minik8s/client';

/** The status both kinds share, field for field (ReplicaSetStatus and ReplicationControllerStatus). */
export type ReplicaStatus = appsv1.ReplicaSetStatus;
export type ReplicaCondition = appsv1.ReplicaSetCondition;

/** Either kind this controller manages. */
export type ReplicatedObject = appsv1.ReplicaSet | corev1.ReplicationController;

/**
 * What the controller needs to know about one kind of replicated object. ReplicaSet and
 * ReplicationController differ only here: the selector (a LabelSelector or an equality map) and
 * their group/version; one controller serves both through an adapter each, as Kubernetes' RC
 * controller reuses the ReplicaSet controller by converting.
 */
export interface ReplicatedKind<T extends ReplicatedObject> {
  readonly ref: KindRef<T>;
  readonly apiVersion: string;
  readonly kind: string;
  /** The pod selector; throws LabelSelectorError when the object's selector is invalid. */
  selector(owner: T): Selector;
  /** spec.replicas, 1 when unset (the apiserver's default). */
  replicas(owner: T): number;
  minReadySeconds(owner: T): number;
  template(owner: T): corev1.PodTemplateSpec;
  status(owner: T): ReplicaStatus;
  /** A copy of `owner` carrying `status`; `owner` is not touched. */
  withStatus(owner: T, status: ReplicaStatus): T;
}

function withStatus<T extends ReplicatedObject>(owner: T, status: ReplicaStatus): T {
  return { ...owner, metadata: structuredClone(owner.metadata), status: structuredClone(status) };
}

export const replicaSetKind: ReplicatedKind<appsv1.ReplicaSet> = {
  ref: ReplicaSets,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  selector: (rs) => selectorFromLabelSelector(rs.spec?.selector),
  replicas: (rs) => rs.spec?.replicas ?? 1,
  minReadySeconds: (rs) => rs.spec?.minReadySeconds ?? 0,
  template: (rs) => rs.spec?.template ?? {},
  status: (rs) => rs.status ?? {},
  withStatus,
};

export const replicationControllerKind: ReplicatedKind<corev1.ReplicationController> = {
  ref: ReplicationControllers,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  // An equality selector. The apiserver defaults an empty one from the template's labels and
  // rejects it otherwise; protobuf cannot tell an absent map from an empty one, and an absent
  // selector selects nothing in Kubernetes' conversion, so an empty one selects nothing here.
  selector: (rc) => (Object.keys(rc.spec?.selector ?? {}).length === 0 ? nothingSelector() : selectorFromSet(rc.spec?.selector)),
  replicas: (rc) => rc.spec?.replicas ?? 1,
  minReadySeconds: (rc) => rc.spec?.minReadySeconds ?? 0,
  template: (rc) => rc.spec?.template ?? {},
  status: (rc) => rc.status ?? {},
  withStatus,
};
