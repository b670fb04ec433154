import { isAlreadyExists, isKnownTimeZone, isNotFound, parseCronSchedule, type batchv1, type CronSchedule, type corev1 } from '@minik8s/api';
import { CronJobs, Jobs, keyOf, splitKey, WorkQueue, type Clock, type EventHandlers, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { controllerRef, getControllerOf } from '../../shared/controller-ref';
import { runQueue } from '../../shared/queue-worker';
import {
  concurrencyDecision,
  CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION,
  formatScheduledTimestamp,
  formatTime,
  jobFinishedType,
  jobNameFor,
  jobsToPrune,
  MAX_MISSED_BEFORE_WARNING,
  mostRecentScheduleTime,
  nextScheduleTime,
  parseTime,
  sameStatus,
  scheduleZone,
} from './cronjob-util';

/** Requeues land this long after the schedule time, so the clock has surely passed it. */
const NEXT_SCHEDULE_DELTA_MS = 100;

export interface CronJobClient {
  getJob(namespace: string, name: string): Promise<batchv1.Job>;
  createJob(namespace: string, job: batchv1.Job): Promise<batchv1.Job>;
  /** Deletes with propagation Background. */
  deleteJob(namespace: string, name: string): Promise<void>;
  updateStatus(cj: batchv1.CronJob): Promise<batchv1.CronJob>;
}

export interface CronJobEvents {
  event(obj: batchv1.CronJob, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export interface CronJobControllerDeps {
  cronJobs: Lister<batchv1.CronJob>;
  jobs: Lister<batchv1.Job>;
  client: CronJobClient;
  events: CronJobEvents;
  clock: Clock;
  logger: Logger;
  concurrentSyncs?: number;
  waitForCacheSync?: () => Promise<boolean>;
}

function jobRef(job: batchv1.Job): corev1.ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    namespace: job.metadata?.namespace,
    name: job.metadata?.name,
    uid: job.metadata?.uid,
    resourceVersion: job.metadata?.resourceVersion,
  };
}

/**
 * Kubernetes' CronJob controller (v2): on each sync it reconciles status.active with the Jobs it
 * owns, starts the most recent missed run if it is not too late and the concurrency policy
 * allows, prunes finished Jobs past the history limits, and requeues itself (addAfter) for the
 * next schedule time. Time is the injected clock's.
 */
export class CronJobController implements Controller {
  readonly name = 'cronjob';
  readonly queue = new WorkQueue<string>();
  private readonly logger: Logger;

  constructor(private readonly deps: CronJobControllerDeps) {
    this.logger = deps.logger;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync) await this.deps.waitForCacheSync();
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.logger);
  }

  cronJobHandlers(): EventHandlers<batchv1.CronJob> {
    return {
      onAdd: (cj) => this.queue.add(keyOf(cj)),
      onUpdate: (_old, cur) => this.queue.add(keyOf(cur)),
      onDelete: (cj) => this.queue.add(keyOf(cj)),
    };
  }

  jobHandlers(): EventHandlers<batchv1.Job> {
    const enqueueOwner = (job: batchv1.Job): void => {
      const ref = getControllerOf(job);
      if (ref?.kind === 'CronJob' && ref.name) this.queue.add(`${job.metadata?.namespace}/${ref.name}`);
    };
    return {
      onAdd: enqueueOwner,
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        enqueueOwner(old);
        enqueueOwner(cur);
      },
      onDelete: enqueueOwner,
    };
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deps.cronJobs.get(namespace, name);
    if (!cached) return;
    const cj: batchv1.CronJob = { ...cached, apiVersion: 'batch/v1', kind: 'CronJob' };
    const ns = namespace ?? '';
    const uid = cj.metadata?.uid;
    const owned = this.deps.jobs.list(ns).filter((j) => getControllerOf(j)?.uid === uid);
    const status: batchv1.CronJobStatus = structuredClone(cj.status ?? {});

    await this.reconcileActive(cj, status, owned);
    const requeueMs = await this.schedule(cj, status, owned);
    await this.prune(cj, owned);

    if (!sameStatus(status, cj.status)) {
      await this.deps.client.updateStatus({ ...cj, status });
    }
    if (requeueMs !== undefined) this.queue.addAfter(key, requeueMs);
  }

  /** status.active: add unfinished owned Jobs, drop finished or vanished ones; note the last success. */
  private async reconcileActive(cj: batchv1.CronJob, status: batchv1.CronJobStatus, owned: readonly batchv1.Job[]): Promise<void> {
    const active = [...(status.active ?? [])];
    const inActive = (u: string | undefined): boolean => active.some((r) => r.uid === u);
    for (const job of owned) {
      const finished = jobFinishedType(job);
      if (!finished && !inActive(job.metadata?.uid)) {
        await this.deps.events.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata?.name}`);
        active.push(jobRef(job));
      } else if (finished && inActive(job.metadata?.uid)) {
        active.splice(
          active.findIndex((r) => r.uid === job.metadata?.uid),
          1,
        );
        await this.deps.events.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name}, condition: ${finished}`);
      }
      if (finished === 'Complete') {
        const done = parseTime(job.status?.completionTime);
        const last = parseTime(status.lastSuccessfulTime);
        if (done !== undefined && (last === undefined || done > last)) status.lastSuccessfulTime = job.status?.completionTime;
      }
    }
    // A referenced Job the cache does not know: ask the API before dropping it (the cache may lag).
    const ownedUids = new Set(owned.map((j) => j.metadata?.uid));
    for (const ref of [...active]) {
      if (ownedUids.has(ref.uid)) continue;
      try {
        const job = await this.deps.client.getJob(ref.namespace ?? cj.metadata?.namespace ?? '', ref.name ?? '');
        if (job.metadata?.uid === ref.uid) continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await this.deps.events.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      active.splice(active.indexOf(ref), 1);
    }
    status.active = active.length > 0 ? active : undefined;
  }

  /** Starts the due run if there is one; returns the delay until the next look (undefined: none). */
  private async schedule(cj: batchv1.CronJob, status: batchv1.CronJobStatus, owned: readonly batchv1.Job[]): Promise<number | undefined> {
    if (cj.metadata?.deletionTimestamp || cj.spec?.suspend) return undefined;
    const zone = scheduleZone(cj);
    if (cj.spec?.timeZone && !isKnownTimeZone(cj.spec.timeZone)) {
      await this.deps.events.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${cj.spec.timeZone}"`);
      return undefined;
    }
    let schedule: CronSchedule;
    try {
      schedule = parseCronSchedule(cj.spec?.schedule ?? '');
    } catch (err) {
      await this.deps.events.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec?.schedule}" : ${(err as Error).message}`);
      return undefined;
    }
    const now = this.deps.clock.now();
    const untilNext = (): number | undefined => {
      const next = nextScheduleTime(cj, schedule, now);
      return next === undefined ? undefined : next - now + NEXT_SCHEDULE_DELTA_MS;
    };
    const { scheduled, missed } = mostRecentScheduleTime({ ...cj, status }, schedule, now);
    if (missed > MAX_MISSED_BEFORE_WARNING) {
      await this.deps.events.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    if (scheduled === undefined) return untilNext();

    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && scheduled + deadline * 1000 < now) {
      await this.deps.events.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatScheduledTimestamp(scheduled, zone)}`);
      return untilNext();
    }
    const ns = cj.metadata?.namespace ?? '';
    const jobName = jobNameFor(cj.metadata?.name ?? '', scheduled);
    // This run already happened (we created it, or someone did under our name).
    if ((status.active ?? []).some((r) => r.name === jobName) || owned.some((j) => j.metadata?.name === jobName)) return untilNext();

    const activeNames = (status.active ?? []).map((r) => r.name ?? '');
    const decision = concurrencyDecision(cj.spec?.concurrencyPolicy, activeNames);
    if (decision.action === 'skip') {
      await this.deps.events.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return untilNext();
    }
    for (const victim of decision.replace) {
      try {
        await this.deps.client.deleteJob(ns, victim);
      } catch (err) {
        if (!isNotFound(err)) {
          await this.deps.events.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
          throw err;
        }
      }
      await this.deps.events.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${victim}`);
      status.active = (status.active ?? []).filter((r) => r.name !== victim);
      if (status.active.length === 0) status.active = undefined;
    }

    const template = cj.spec?.jobTemplate ?? {};
    const job: batchv1.Job = {
      metadata: {
        name: jobName,
        namespace: ns,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatScheduledTimestamp(scheduled, zone) },
        ownerReferences: [controllerRef(cj, 'batch/v1', 'CronJob')],
      },
      spec: structuredClone(template.spec ?? {}),
    };
    let created: batchv1.Job;
    try {
      created = await this.deps.client.createJob(ns, job);
    } catch (err) {
      if (isAlreadyExists(err)) {
        // Created by an earlier sync whose status write was lost: adopt it into the status.
        this.logger.debug({ cronjob: keyOf(cj), job: jobName }, 'job already exists');
        return untilNext();
      }
      await this.deps.events.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
      throw err;
    }
    await this.deps.events.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name}`);
    status.active = [...(status.active ?? []), jobRef(created)];
    status.lastScheduleTime = formatTime(scheduled);
    return untilNext();
  }

  /** Deletes finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest first. */
  private async prune(cj: batchv1.CronJob, owned: readonly batchv1.Job[]): Promise<void> {
    const doomed = jobsToPrune(owned, cj.spec?.successfulJobsHistoryLimit, cj.spec?.failedJobsHistoryLimit);
    for (const job of doomed) {
      try {
        await this.deps.client.deleteJob(job.metadata?.namespace ?? '', job.metadata?.name ?? '');
        await this.deps.events.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

export function newCronJobController(context: ControllerContext): CronJobController {
  const cronJobs = context.informers.informerFor(CronJobs);
  const jobs = context.informers.informerFor(Jobs);
  const jobClient = context.client.resource(Jobs);
  const cronJobClient = context.client.resource(CronJobs);
  const controller = new CronJobController({
    cronJobs,
    jobs,
    client: {
      getJob: (namespace, name) => jobClient.namespace(namespace).get(name),
      createJob: (namespace, job) => jobClient.namespace(namespace).create(job),
      deleteJob: async (namespace, name) => {
        await jobClient.namespace(namespace).delete(name, { propagationPolicy: 'Background' });
      },
      updateStatus: (cj) => cronJobClient.namespace(cj.metadata?.namespace).updateStatus(cj),
    },
    events: context.recorder('cronjob-controller'),
    clock: context.clock,
    logger: context.logger.child({ controller: 'cronjob' }),
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: async () => (await Promise.all([cronJobs.waitForCacheSync(), jobs.waitForCacheSync()])).every(Boolean),
  });
  cronJobs.addEventHandler(controller.cronJobHandlers());
  jobs.addEventHandler(controller.jobHandlers());
  return controller;
}

/** `cronjob`: creates Jobs on each CronJob's schedule. */
export const cronJobControllerFactory: ControllerFactory = (context) => newCronJobController(context);
