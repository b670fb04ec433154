import type { ApiObject, appsv1 } from '@minik8s/api';
import { Deployments, MERGE_PATCH, ReplicaSets, type ApiClient, type EventType } from '@minik8s/client';

type ReplicaSet = appsv1.ReplicaSet;
type Deployment = appsv1.Deployment;

/**
 * Every write the Deployment controller makes, and its one uncached read: the seam tests replace
 * with a fake (as Kubernetes' controller takes a clientset and an RSControlInterface). Writes
 * carry the resourceVersion of the object they were computed from, so a stale cache makes them
 * fail with Conflict instead of overwriting.
 */
export interface DeploymentClient {
  createReplicaSet(namespace: string, rs: ReplicaSet): Promise<ReplicaSet>;
  /** An ordinary update (spec, labels, annotations) of a ReplicaSet. */
  updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet>;
  /** A JSON merge patch, for adopting and releasing. */
  patchReplicaSet(namespace: string, name: string, patch: unknown): Promise<ReplicaSet>;
  deleteReplicaSet(namespace: string, name: string): Promise<void>;
  /** A quorum read, before adopting, to be sure the Deployment still exists and is not being deleted. */
  getDeployment(namespace: string, name: string): Promise<Deployment>;
  /** An ordinary update of a Deployment (a rollback's template and annotations). */
  updateDeployment(d: Deployment): Promise<Deployment>;
  /** A JSON merge patch of a Deployment (its revision annotation). */
  patchDeployment(namespace: string, name: string, patch: unknown): Promise<Deployment>;
  updateDeploymentStatus(d: Deployment): Promise<Deployment>;
}

/** Where the controller's events go: an EventRecorder (which fits as is), or a fake. */
export interface EventSink {
  event(obj: ApiObject, type: EventType, reason: string, message: string): Promise<void>;
}

/** The DeploymentClient on the API. */
export class ApiDeploymentClient implements DeploymentClient {
  constructor(private readonly client: ApiClient) {}

  private replicaSets(namespace: string | undefined) {
    return this.client.resource(ReplicaSets).namespace(namespace);
  }

  private deployments(namespace: string | undefined) {
    return this.client.resource(Deployments).namespace(namespace);
  }

  createReplicaSet(namespace: string, rs: ReplicaSet): Promise<ReplicaSet> {
    return this.replicaSets(namespace).create(rs);
  }

  updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    return this.replicaSets(rs.metadata?.namespace).update(rs);
  }

  patchReplicaSet(namespace: string, name: string, patch: unknown): Promise<ReplicaSet> {
    return this.replicaSets(namespace).patch(name, MERGE_PATCH, patch);
  }

  async deleteReplicaSet(namespace: string, name: string): Promise<void> {
    await this.replicaSets(namespace).delete(name);
  }

  getDeployment(namespace: string, name: string): Promise<Deployment> {
    return this.deployments(namespace).get(name);
  }

  updateDeployment(d: Deployment): Promise<Deployment> {
    return this.deployments(d.metadata?.namespace).update(d);
  }

  patchDeployment(namespace: string, name: string, patch: unknown): Promise<Deployment> {
    return this.deployments(namespace).patch(name, MERGE_PATCH, patch);
  }

  updateDeploymentStatus(d: Deployment): Promise<Deployment> {
    return this.deployments(d.metadata?.namespace).updateStatus(d);
  }
}
