// What `rollout status` says about a Deployment, DaemonSet or StatefulSet at one moment, and
// whether its rollout is done, from the object's spec, generation and status alone.

import type { ApiObject, appsv1, KindInfo } from '@minik8s/api';
import { CliError } from '../../errors';
import { REVISION_ANNOTATION } from '../../workloads';

export interface RolloutStatus {
  /** One line, ending in a newline. */
  message: string;
  done: boolean;
}

/** Computes the status; throws a CliError when the rollout failed or cannot be followed. */
export type StatusViewer = (obj: ApiObject, revision: number) => RolloutStatus;

/** Whether the controller has seen the latest spec. */
function observed(obj: ApiObject, observedGeneration: number | undefined): boolean {
  return (obj.metadata?.generation ?? 0) <= (observedGeneration ?? 0);
}

export const deploymentStatus: StatusViewer = (obj, revision) => {
  const d = obj as appsv1.Deployment;
  const name = d.metadata?.name ?? '';
  if (revision > 0) {
    const text = d.metadata?.annotations?.[REVISION_ANNOTATION];
    const current = text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
    if (current === undefined) throw new CliError(`cannot get the revision of deployment "${name}": revision annotation is missing or not a number`);
    if (current !== revision) throw new CliError(`desired revision (${revision}) is different from the running revision (${current})`);
  }
  const status = d.status ?? {};
  if (!observed(d, status.observedGeneration)) {
    return { message: 'Waiting for deployment spec update to be observed...\n', done: false };
  }
  const progressing = (status.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') throw new CliError(`deployment "${name}" exceeded its progress deadline`);
  const wanted = d.spec?.replicas;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const waiting = (what: string): RolloutStatus => ({ message: `Waiting for deployment "${name}" rollout to finish: ${what}...\n`, done: false });
  if (wanted !== undefined && updated < wanted) return waiting(`${updated} out of ${wanted} new replicas have been updated`);
  if (total > updated) return waiting(`${total - updated} old replicas are pending termination`);
  if (available < updated) return waiting(`${available} of ${updated} updated replicas are available`);
  return { message: `deployment "${name}" successfully rolled out\n`, done: true };
};

export const daemonSetStatus: StatusViewer = (obj) => {
  const ds = obj as appsv1.DaemonSet;
  const name = ds.metadata?.name ?? '';
  if (ds.spec?.updateStrategy?.type !== 'RollingUpdate') throw new CliError('rollout status is only available for RollingUpdate strategy type');
  const status = ds.status ?? {};
  if (!observed(ds, status.observedGeneration)) {
    return { message: 'Waiting for daemon set spec update to be observed...\n', done: false };
  }
  const desired = status.desiredNumberScheduled ?? 0;
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  if (updated < desired) {
    return { message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...\n`, done: false };
  }
  if (available < desired) {
    return { message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...\n`, done: false };
  }
  return { message: `daemon set "${name}" successfully rolled out\n`, done: true };
};

export const statefulSetStatus: StatusViewer = (obj) => {
  const sts = obj as appsv1.StatefulSet;
  const strategy = sts.spec?.updateStrategy;
  if (strategy?.type !== 'RollingUpdate') throw new CliError('rollout status is only available for RollingUpdate strategy type');
  const status = sts.status ?? {};
  if (!status.observedGeneration || (sts.metadata?.generation ?? 0) > status.observedGeneration) {
    return { message: 'Waiting for statefulset spec update to be observed...\n', done: false };
  }
  const replicas = sts.spec?.replicas;
  const ready = status.readyReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  if (replicas !== undefined && ready < replicas) return { message: `Waiting for ${replicas - ready} pods to be ready...\n`, done: false };
  if (strategy.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return { message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...\n`, done: false };
    }
    return { message: `partitioned roll out complete: ${updated} new pods have been updated...\n`, done: true };
  }
  if (status.updateRevision !== status.currentRevision) {
    return { message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${status.updateRevision ?? ''}...\n`, done: false };
  }
  return { message: `statefulset rolling update complete ${status.currentReplicas ?? 0} pods at revision ${status.currentRevision ?? ''}...\n`, done: true };
};

/** The viewer of a kind, or undefined for kinds without rollouts. */
export function statusViewerFor(info: KindInfo): StatusViewer | undefined {
  if (info.group !== 'apps') return undefined;
  switch (info.kind) {
    case 'Deployment':
      return deploymentStatus;
    case 'DaemonSet':
      return daemonSetStatus;
    case 'StatefulSet':
      return statefulSetStatus;
    default:
      return undefined;
  }
}
