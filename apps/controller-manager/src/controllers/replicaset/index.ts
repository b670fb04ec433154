// The ReplicaSet and ReplicationController controllers: one implementation, an adapter per kind.
export { replicaSetControllerFactory, replicationControllerFactory, ReplicaController, newReplicaController } from './replicaset-controller';
export type { OwnerClient, ReplicaControllerDeps } from './replicaset-controller';
export { replicaSetKind, replicationControllerKind } from './replicated-kind';
export type { ReplicatedKind, ReplicatedObject, ReplicaStatus } from './replicated-kind';
