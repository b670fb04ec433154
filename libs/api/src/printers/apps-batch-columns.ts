// Table columns of the workload kinds (apps/v1, batch/v1), as `kubectl get` shows them.

import type * as appsv1 from '../generated/apps/v1';
import type * as batchv1 from '../generated/batch/v1';
import { formatLabelSelector } from '../labels/selector';
import type { TableColumn } from '../scheme/kind-info';
import { ageColumn, column, nameColumn, templateColumns } from './columns';
import { formatLabels, humanDuration, printBool, timestampAge } from './format';

export const deploymentColumns: TableColumn<appsv1.Deployment>[] = [
  nameColumn(),
  column('READY', (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`),
  column('UP-TO-DATE', (d) => d.status?.updatedReplicas ?? 0),
  column('AVAILABLE', (d) => d.status?.availableReplicas ?? 0),
  ageColumn(),
  ...templateColumns<appsv1.Deployment>((d) => d.spec?.template),
  column('SELECTOR', (d) => formatLabelSelector(d.spec?.selector), { wide: true }),
];

export const replicaSetColumns: TableColumn<appsv1.ReplicaSet>[] = [
  nameColumn(),
  column('DESIRED', (rs) => rs.spec?.replicas ?? 0),
  column('CURRENT', (rs) => rs.status?.replicas ?? 0),
  column('READY', (rs) => rs.status?.readyReplicas ?? 0),
  ageColumn(),
  ...templateColumns<appsv1.ReplicaSet>((rs) => rs.spec?.template),
  column('SELECTOR', (rs) => formatLabelSelector(rs.spec?.selector), { wide: true }),
];

export const daemonSetColumns: TableColumn<appsv1.DaemonSet>[] = [
  nameColumn(),
  column('DESIRED', (ds) => ds.status?.desiredNumberScheduled ?? 0),
  column('CURRENT', (ds) => ds.status?.currentNumberScheduled ?? 0),
  column('READY', (ds) => ds.status?.numberReady ?? 0),
  column('UP-TO-DATE', (ds) => ds.status?.updatedNumberScheduled ?? 0),
  column('AVAILABLE', (ds) => ds.status?.numberAvailable ?? 0),
  column('NODE SELECTOR', (ds) => formatLabels(ds.spec?.template?.spec?.nodeSelector)),
  ageColumn(),
  ...templateColumns<appsv1.DaemonSet>((ds) => ds.spec?.template),
  column('SELECTOR', (ds) => formatLabelSelector(ds.spec?.selector), { wide: true }),
];

export const statefulSetColumns: TableColumn<appsv1.StatefulSet>[] = [
  nameColumn(),
  column('READY', (s) => `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`),
  ageColumn(),
  ...templateColumns<appsv1.StatefulSet>((s) => s.spec?.template),
];

export const controllerRevisionColumns: TableColumn<appsv1.ControllerRevision>[] = [
  nameColumn(),
  column('CONTROLLER', (cr) => {
    const owner = (cr.metadata?.ownerReferences ?? []).find((o) => o.controller);
    if (!owner) return '<none>';
    const group = (owner.apiVersion ?? '').includes('/') ? `.${(owner.apiVersion ?? '').split('/')[0]}` : '';
    return `${(owner.kind ?? '').toLowerCase()}${group}/${owner.name ?? ''}`;
  }),
  column('REVISION', (cr) => cr.revision ?? 0),
  ageColumn(),
];

function hasCondition(conditions: readonly { type?: string; status?: string }[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** The STATUS cell of `kubectl get jobs`. */
export function jobStatus(job: batchv1.Job): string {
  const conditions = job.status?.conditions;
  if (hasCondition(conditions, 'Complete')) return 'Complete';
  if (hasCondition(conditions, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(conditions, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (hasCondition(conditions, 'Suspended')) return 'Suspended';
  return 'Running';
}

/** `succeeded/completions`, `succeeded/1 of parallelism` for work queues, else `succeeded/1`. */
export function jobCompletions(job: batchv1.Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** How long the job ran: start to completion, or start to now while running. */
export function jobDuration(job: batchv1.Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDuration(end - Date.parse(start));
}

export const jobColumns: TableColumn<batchv1.Job>[] = [
  nameColumn(),
  column('STATUS', jobStatus),
  column('COMPLETIONS', jobCompletions),
  { name: 'DURATION', value: jobDuration },
  ageColumn(),
  ...templateColumns<batchv1.Job>((j) => j.spec?.template),
  column('SELECTOR', (j) => formatLabelSelector(j.spec?.selector), { wide: true }),
];

export const cronJobColumns: TableColumn<batchv1.CronJob>[] = [
  nameColumn(),
  column('SCHEDULE', (cj) => cj.spec?.schedule ?? ''),
  column('TIMEZONE', (cj) => cj.spec?.timeZone || '<none>'),
  column('SUSPEND', (cj) => printBool(cj.spec?.suspend)),
  column('ACTIVE', (cj) => (cj.status?.active ?? []).length),
  { name: 'LAST SCHEDULE', value: (cj, now) => (cj.status?.lastScheduleTime ? timestampAge(cj.status.lastScheduleTime, now) : '<none>') },
  ageColumn(),
  ...templateColumns<batchv1.CronJob>((cj) => cj.spec?.jobTemplate?.spec?.template),
  column('SELECTOR', (cj) => formatLabelSelector(cj.spec?.jobTemplate?.spec?.selector), { wide: true }),
];
