import { isNotFound, selectorFromLabelSelector, type batchv1, type corev1, type OwnerReference, type Selector } from '@minik8s/api';
import { Expectations, JSON_PATCH, Jobs, keyOf, Pods, splitKey, WorkQueue, type Clock, type EventHandlers, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { controllerRef, getControllerOf } from '../../shared/controller-ref';
import { RealPodControl, type PodControl } from '../../shared/pod-control';
import { runQueue } from '../../shared/queue-worker';
import { claimPods } from '../../shared/claim-pods';
import { toError } from '../../shared/multi-error';
import { slowStartBatch } from '../../shared/slow-start';
import {
  activePodsToDelete,
  completionIndex,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  findCondition,
  formatIndexIntervals,
  formatTime,
  hasTrackingFinalizer,
  hasTrueCondition,
  indexedPodsToDelete,
  indexesToCreate,
  isJobFinished,
  isPodActive,
  isPodFailed,
  isPodReady,
  isPodTerminal,
  JOB_TRACKING_FINALIZER,
  failJobMessage,
  matchPodFailurePolicy,
  nextBackoffRecord,
  parseIndexIntervals,
  parseTime,
  podFinishTime,
  remainingBackoff,
  setCondition,
  templateForIndex,
  wantActiveNonIndexed,
  type BackoffRecord,
} from './job-util';
import {
  failsIndex,
  hasBackoffLimitPerIndex,
  indexBackoffRemaining,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  lastFailedPodByIndex,
  matchSuccessPolicy,
  replacementCounts,
} from './index-policy';

/** At most this many pods are created or deleted per sync (Kubernetes' MaxPodCreateDeletePerSync). */
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

/** The API calls on Jobs and on pods' finalizers, behind a seam for tests. */
export interface JobClient {
  updateStatus(job: batchv1.Job): Promise<batchv1.Job>;
  /** Removes the tracking finalizer from a pod; NotFound counts as done. */
  removeFinalizer(pod: corev1.Pod): Promise<void>;
}

export interface JobEvents {
  event(obj: batchv1.Job, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export interface JobControllerDeps {
  jobs: Lister<batchv1.Job>;
  pods: Lister<corev1.Pod>;
  podControl: PodControl;
  jobClient: JobClient;
  events: JobEvents;
  logger: Logger;
  clock: Clock;
  concurrentSyncs?: number;
  /** First back-off after a failure (10s in Kubernetes); doubles per failure. */
  backoffBaseMs?: number;
  /** The cap of that back-off (6 min). */
  backoffMaxMs?: number;
  waitForCacheSync?: () => Promise<boolean>;
}

interface Tracking {
  /** uids recorded in status.uncountedTerminatedPods, by outcome. */
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  completed: Set<number>;
  /** Indexes failed for good (backoffLimitPerIndex), as recorded in status.failedIndexes. */
  failedIndexes: Set<number>;
  /** Pods whose tracking finalizer must come off. */
  toRelease: corev1.Pod[];
  /** The first FailJob match among newly failed pods. */
  failJobMessage?: string;
  changed: boolean;
}

/** The pods of a Job whose finalizer removal this process has done but the cache may not show yet. */
type ReleasedUids = Map<string, Set<string>>;

/**
 * Kubernetes' Job controller: keeps parallelism pods running until completions succeed, counts
 * finished pods exactly through the `batch.kubernetes.io/job-tracking` finalizer and
 * status.uncountedTerminatedPods, backs off after failures, and applies backoffLimit,
 * podFailurePolicy, activeDeadlineSeconds and suspend.
 */
export class JobController implements Controller {
  readonly name = 'job';
  readonly queue = new WorkQueue<string>();
  readonly expectations: Expectations;
  private readonly released: ReleasedUids = new Map();
  private readonly backoff = new Map<string, BackoffRecord>();
  private readonly logger: Logger;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(private readonly deps: JobControllerDeps) {
    this.logger = deps.logger;
    this.expectations = new Expectations(deps.clock);
    this.backoffBaseMs = deps.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.backoffMaxMs = deps.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.logger);
  }

  // ---- handlers: they only record expectations and queue keys ----

  jobHandlers(): EventHandlers<batchv1.Job> {
    return {
      onAdd: (job) => this.queue.add(keyOf(job)),
      onUpdate: (old, cur) => {
        if (old.metadata?.uid !== cur.metadata?.uid) this.jobDeleted(old);
        this.queue.add(keyOf(cur));
      },
      onDelete: (job) => this.jobDeleted(job),
    };
  }

  podHandlers(): EventHandlers<corev1.Pod> {
    return {
      onAdd: (pod) => {
        const key = this.ownerKey(pod);
        if (!key) return;
        if (pod.metadata?.deletionTimestamp) this.expectations.deletionObserved(key, pod.metadata.uid ?? '');
        else this.expectations.creationObserved(key);
        this.queue.add(key);
      },
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        const key = this.ownerKey(cur);
        const oldKey = this.ownerKey(old);
        if (oldKey && oldKey !== key) this.queue.add(oldKey);
        if (!key) return;
        if (cur.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) this.expectations.deletionObserved(key, cur.metadata.uid ?? '');
        if (!hasTrackingFinalizer(cur)) this.released.get(key)?.delete(cur.metadata?.uid ?? '');
        this.queue.add(key);
      },
      onDelete: (pod) => {
        const key = this.ownerKey(pod);
        if (!key) return;
        this.expectations.deletionObserved(key, pod.metadata?.uid ?? '');
        this.released.get(key)?.delete(pod.metadata?.uid ?? '');
        this.queue.add(key);
      },
    };
  }

  private jobDeleted(job: batchv1.Job): void {
    const key = keyOf(job);
    this.expectations.delete(key);
    this.backoff.delete(key);
    this.released.delete(key);
    this.queue.add(key);
  }

  /** The key of the Job controlling `pod` (by name: a vanished Job's pods still need their finalizer removed). */
  private ownerKey(pod: corev1.Pod): string | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'Job' || !ref.name) return undefined;
    return `${pod.metadata?.namespace}/${ref.name}`;
  }

  // ---- sync ----

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ns = namespace ?? '';
    const cached = this.deps.jobs.get(namespace, name);
    if (!cached) {
      this.expectations.delete(key);
      this.backoff.delete(key);
      await this.releaseOrphans(ns, name, undefined);
      return;
    }
    const job: batchv1.Job = { ...cached, apiVersion: 'batch/v1', kind: 'Job' };
    const uid = job.metadata?.uid ?? '';
    // Pods of an earlier Job of the same name: their finalizers must not hold them forever.
    await this.releaseOrphans(ns, name, uid);

    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(job.spec?.selector);
    } catch (err) {
      this.logger.warn({ key, err: (err as Error).message }, 'invalid job selector');
      return;
    }
    const ref = controllerRef(job, 'batch/v1', 'Job');
    const pods = await claimPods(this.deps.pods.list(ns), {
      owner: job,
      ref,
      selector,
      podControl: this.deps.podControl,
      canAdopt: async () => {
        if (job.metadata?.deletionTimestamp) throw new Error(`${key} is being deleted`);
      },
    });

    // A finished Job keeps its pods (for their logs) but lets go of them.
    if (isJobFinished(job)) {
      await this.releaseAll(key, pods.filter((p) => hasTrackingFinalizer(p)));
      return;
    }

    const now = this.deps.clock.now();
    const spec = job.spec ?? {};
    const indexed = spec.completionMode === 'Indexed';
    const perIndex = hasBackoffLimitPerIndex(job);
    const ending = hasTrueCondition(job.status, 'FailureTarget') || hasTrueCondition(job.status, 'SuccessCriteriaMet') || !!job.metadata?.deletionTimestamp;
    const released = this.releasedFor(key);

    // 1. Record newly finished pods in uncountedTerminatedPods before their finalizers go.
    const tracking = this.classify(job, pods, released, ending);
    let current = job;
    if (tracking.changed) {
      current = await this.deps.jobClient.updateStatus({
        ...current,
        status: {
          ...current.status,
          uncountedTerminatedPods: { succeeded: [...tracking.uncountedSucceeded], failed: [...tracking.uncountedFailed] },
          completedIndexes: indexed ? formatIndexIntervals(tracking.completed) : current.status?.completedIndexes,
          failedIndexes: perIndex ? formatIndexIntervals(tracking.failedIndexes) : current.status?.failedIndexes,
        },
      });
    }

    // 2. Let go of them, then 3. move what is let go of into the counters.
    const releaseError = await this.release(key, tracking.toRelease);
    const holding = new Set(pods.filter((p) => hasTrackingFinalizer(p) && !released.has(p.metadata?.uid ?? '')).map((p) => p.metadata?.uid ?? ''));
    const byUid = new Map(pods.map((p) => [p.metadata?.uid ?? '', p]));
    let succeeded = current.status?.succeeded ?? 0;
    let failed = current.status?.failed ?? 0;
    let newSucceeded = 0;
    const newFailedTimes: number[] = [];
    for (const podUid of [...tracking.uncountedSucceeded]) {
      if (holding.has(podUid)) continue;
      tracking.uncountedSucceeded.delete(podUid);
      succeeded++;
      newSucceeded++;
    }
    for (const podUid of [...tracking.uncountedFailed]) {
      if (holding.has(podUid)) continue;
      tracking.uncountedFailed.delete(podUid);
      failed++;
      const pod = byUid.get(podUid);
      newFailedTimes.push((pod && podFinishTime(pod)) ?? now);
    }
    const record = nextBackoffRecord(this.backoff.get(key) ?? { failuresAfterLastSuccess: 0 }, newSucceeded, newFailedTimes);
    this.backoff.set(key, record);

    const status: batchv1.JobStatus = {
      ...current.status,
      succeeded,
      failed,
      uncountedTerminatedPods: { succeeded: [...tracking.uncountedSucceeded], failed: [...tracking.uncountedFailed] },
    };
    if (indexed) status.completedIndexes = formatIndexIntervals(tracking.completed);
    if (perIndex) status.failedIndexes = formatIndexIntervals(tracking.failedIndexes);

    let active = pods.filter((p) => isPodActive(p) && !released.has(p.metadata?.uid ?? ''));
    const suspended = spec.suspend === true;
    let manageError: Error | undefined = releaseError;

    // 4. Decide: an ending Job finishes once every pod is let go of; otherwise check the criteria.
    if (ending) {
      const err = await this.deleteActive(key, job, active, false);
      if (err) manageError ??= err;
      else active = [];
      const allReleased = pods.every((p) => !hasTrackingFinalizer(p) || released.has(p.metadata?.uid ?? '') || tracking.toRelease.includes(p));
      const uncounted = tracking.uncountedSucceeded.size + tracking.uncountedFailed.size;
      if (!manageError && allReleased && uncounted === 0 && !job.metadata?.deletionTimestamp) {
        this.finish(job, status, now);
      }
    } else {
      const failure = this.failureReason(job, status, tracking, now);
      const success = failure ? undefined : this.successReason(job, status, tracking.completed, active.length);
      if (failure || success) {
        status.conditions = failure
          ? setCondition(status.conditions, 'FailureTarget', 'True', failure.reason, failure.message, now)
          : setCondition(status.conditions, 'SuccessCriteriaMet', 'True', success?.reason ?? '', success?.message ?? '', now);
        const err = await this.deleteActive(key, job, active, false);
        if (err) manageError ??= err;
        else active = [];
        // The next sync lets go of every pod and writes the final condition.
        this.queue.add(key);
      } else if (suspended) {
        const err = await this.deleteActive(key, job, active, true);
        if (err) manageError ??= err;
        else active = [];
        if (!hasTrueCondition(status, 'Suspended')) {
          status.conditions = setCondition(status.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
          await this.deps.events.event(job, 'Normal', 'Suspended', 'Job suspended');
        }
      } else {
        if (hasTrueCondition(status, 'Suspended')) {
          status.conditions = setCondition(status.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
          // The deadline counts from the resume.
          status.startTime = formatTime(now);
          await this.deps.events.event(job, 'Normal', 'Resumed', 'Job resumed');
        }
        status.startTime ??= formatTime(now);
        if (this.expectations.satisfied(key) && !job.metadata?.deletionTimestamp) {
          try {
            await this.manage(key, job, pods, active, status, tracking, record, now);
          } catch (err) {
            manageError ??= toError(err);
          }
        }
        const deadline = spec.activeDeadlineSeconds;
        const start = parseTime(status.startTime);
        if (deadline !== undefined && start !== undefined) this.queue.addAfter(key, Math.max(1, start + deadline * 1000 - now));
      }
    }

    status.active = active.filter((p) => isPodActive(p)).length;
    status.ready = active.filter((p) => isPodActive(p) && isPodReady(p)).length;
    status.terminating = pods.filter((p) => !!p.metadata?.deletionTimestamp && !isPodTerminal(p)).length;
    if (!sameStatus(status, current.status)) {
      const written = await this.deps.jobClient.updateStatus({ ...current, status });
      if (isJobFinished(written)) await this.announceFinish(written);
    }
    if (manageError) throw manageError;
  }

  /** Sorts the Job's pods: which get recorded as finished now, and which must be let go of. */
  private classify(job: batchv1.Job, pods: readonly corev1.Pod[], released: ReadonlySet<string>, ending: boolean): Tracking {
    const spec = job.spec ?? {};
    const indexed = spec.completionMode === 'Indexed';
    const completions = spec.completions ?? 0;
    const t: Tracking = {
      uncountedSucceeded: new Set(job.status?.uncountedTerminatedPods?.succeeded ?? []),
      uncountedFailed: new Set(job.status?.uncountedTerminatedPods?.failed ?? []),
      completed: new Set(indexed ? parseIndexIntervals(job.status?.completedIndexes, completions) : []),
      failedIndexes: new Set(hasBackoffLimitPerIndex(job) ? parseIndexIntervals(job.status?.failedIndexes, completions) : []),
      toRelease: [],
      changed: false,
    };
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      if (!hasTrackingFinalizer(pod) || released.has(uid)) continue;
      if (t.uncountedSucceeded.has(uid) || t.uncountedFailed.has(uid)) {
        t.toRelease.push(pod);
        continue;
      }
      const ix = completionIndex(pod);
      const validIndex = !indexed || (ix !== undefined && ix < completions);
      if (pod.status?.phase === 'Succeeded') {
        t.toRelease.push(pod);
        if (!validIndex) continue;
        if (indexed) {
          if (t.completed.has(ix ?? -1)) continue;
          t.completed.add(ix ?? -1);
        }
        t.uncountedSucceeded.add(uid);
        t.changed = true;
      } else if (isPodFailed(pod, job) || (ending && isPodTerminal(pod)) || (ending && !!pod.metadata?.deletionTimestamp)) {
        t.toRelease.push(pod);
        if (!validIndex) continue;
        const match = spec.podFailurePolicy && pod.status?.phase === 'Failed' ? matchPodFailurePolicy(spec.podFailurePolicy, pod) : { countFailed: true };
        const perIndexLimit = spec.backoffLimitPerIndex;
        if (indexed && perIndexLimit !== undefined && ix !== undefined && !t.completed.has(ix) && failsIndex(pod, perIndexLimit, match)) {
          t.failedIndexes.add(ix);
          t.changed = true;
        }
        if (!match.countFailed) continue;
        t.uncountedFailed.add(uid);
        t.changed = true;
      }
    }
    t.failJobMessage = failJobMessage(spec.podFailurePolicy, pods);
    return t;
  }

  private failureReason(job: batchv1.Job, status: batchv1.JobStatus, tracking: Tracking, now: number): { reason: string; message: string } | undefined {
    const spec = job.spec ?? {};
    if (tracking.failJobMessage) return { reason: 'PodFailurePolicy', message: tracking.failJobMessage };
    const failed = (status.failed ?? 0) + tracking.uncountedFailed.size;
    if (failed > (spec.backoffLimit ?? 6)) return { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    const start = parseTime(status.startTime);
    if (spec.suspend !== true && spec.activeDeadlineSeconds !== undefined && start !== undefined && now - start >= spec.activeDeadlineSeconds * 1000) {
      return { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    if (hasBackoffLimitPerIndex(job)) {
      const failedIndexes = tracking.failedIndexes.size;
      if (spec.maxFailedIndexes !== undefined && failedIndexes > spec.maxFailedIndexes) {
        return { reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' };
      }
      // Every index has finished, and not all of them well.
      if (failedIndexes > 0 && failedIndexes + tracking.completed.size >= (spec.completions ?? 0)) {
        return { reason: 'FailedIndexes', message: 'Job has failed indexes' };
      }
    }
    return undefined;
  }

  /** Why the Job has succeeded, if it has: its successPolicy matched, or enough pods succeeded. */
  private successReason(job: batchv1.Job, status: batchv1.JobStatus, completed: ReadonlySet<number>, active: number): { reason: string; message: string } | undefined {
    const spec = job.spec ?? {};
    const reached = { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    if (spec.completionMode === 'Indexed') {
      const matched = matchSuccessPolicy(spec.successPolicy, spec.completions ?? 0, completed);
      if (matched) return { reason: 'SuccessPolicy', message: matched };
      return completed.size >= (spec.completions ?? 0) ? reached : undefined;
    }
    const succeeded = (status.succeeded ?? 0) + (status.uncountedTerminatedPods?.succeeded?.length ?? 0);
    if (spec.completions === undefined) return succeeded > 0 && active === 0 ? reached : undefined;
    return succeeded >= spec.completions ? reached : undefined;
  }

  /** Turns the interim condition into the final one: Failed with its reason, or Complete. */
  private finish(job: batchv1.Job, status: batchv1.JobStatus, now: number): void {
    const target = findCondition(job.status, 'FailureTarget');
    if (target?.status === 'True') {
      status.conditions = setCondition(status.conditions, 'Failed', 'True', target.reason ?? '', target.message ?? '', now);
    } else {
      // Complete says why, as the interim condition did (CompletionsReached or SuccessPolicy).
      const met = findCondition(job.status, 'SuccessCriteriaMet');
      const reason = met?.reason || 'CompletionsReached';
      const message = met?.message || 'Reached expected number of succeeded pods';
      status.conditions = setCondition(status.conditions, 'Complete', 'True', reason, message, now);
      status.completionTime = formatTime(now);
    }
  }

  private async announceFinish(job: batchv1.Job): Promise<void> {
    const failedCondition = findCondition(job.status, 'Failed');
    if (failedCondition?.status === 'True') await this.deps.events.event(job, 'Warning', failedCondition.reason ?? 'Failed', failedCondition.message ?? '');
    else await this.deps.events.event(job, 'Normal', 'Completed', 'Job completed');
  }

  /** Creates or deletes pods to reach the wanted number of active ones. */
  private async manage(
    key: string,
    job: batchv1.Job,
    pods: readonly corev1.Pod[],
    active: corev1.Pod[],
    status: batchv1.JobStatus,
    tracking: Tracking,
    record: BackoffRecord,
    now: number,
  ): Promise<void> {
    const spec = job.spec ?? {};
    const parallelism = Math.max(0, spec.parallelism ?? 1);
    const perIndex = hasBackoffLimitPerIndex(job);
    // A failed index is done as much as a completed one: no pod runs for it again.
    const completed = new Set([...tracking.completed, ...tracking.failedIndexes]);
    let doomed: corev1.Pod[];
    let toCreate: (number | undefined)[];
    if (spec.completionMode === 'Indexed') {
      const completions = spec.completions ?? 0;
      doomed = indexedPodsToDelete(active, completions, completed);
      let keep = active.filter((p) => !doomed.includes(p));
      if (keep.length > parallelism) {
        const extra = activePodsToDelete(keep, keep.length - parallelism);
        doomed.push(...extra);
        keep = keep.filter((p) => !extra.includes(p));
      }
      const held = new Set(keep.map((p) => completionIndex(p) ?? -1));
      toCreate = indexesToCreate(completions, completed, held, parallelism - keep.length);
    } else {
      const succeeded = (status.succeeded ?? 0) + (status.uncountedTerminatedPods?.succeeded?.length ?? 0);
      const want = wantActiveNonIndexed(spec, succeeded, active.length);
      doomed = activePodsToDelete(active, active.length - want);
      toCreate = Array.from({ length: Math.max(0, want - active.length) }, () => undefined);
    }
    if (doomed.length > 0) {
      const err = await this.deleteActive(key, job, doomed.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC), true);
      for (const p of doomed) active.splice(active.indexOf(p), 1);
      if (err) throw err;
    }
    toCreate = toCreate.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    // With backoffLimitPerIndex each index backs off on its own failures; otherwise the Job does.
    const lastFailed = perIndex ? lastFailedPodByIndex(pods, job) : new Map<number, corev1.Pod>();
    if (perIndex) {
      let soonest = Infinity;
      toCreate = toCreate.filter((ix) => {
        const last = ix === undefined ? undefined : lastFailed.get(ix);
        const wait = last ? indexBackoffRemaining(last, now, this.backoffBaseMs, this.backoffMaxMs) : 0;
        if (wait > 0) soonest = Math.min(soonest, wait);
        return wait === 0;
      });
      if (soonest !== Infinity) this.queue.addAfter(key, soonest);
    }
    if (toCreate.length === 0) return;
    const wait = perIndex ? 0 : remainingBackoff(record, now, this.backoffBaseMs, this.backoffMaxMs);
    if (wait > 0) {
      this.logger.debug({ key, waitMs: wait }, 'backing off before creating pods');
      this.queue.addAfter(key, wait);
      return;
    }
    const ns = job.metadata?.namespace ?? '';
    const jobName = job.metadata?.name ?? '';
    const ref: OwnerReference = controllerRef(job, 'batch/v1', 'Job');
    const base = structuredClone(spec.template ?? {});
    const meta = (base.metadata ??= {});
    meta.finalizers = [...new Set([...(meta.finalizers ?? []), JOB_TRACKING_FINALIZER])];
    this.expectations.expectCreations(key, toCreate.length);
    const queue = [...toCreate];
    const { successes, error } = await slowStartBatch(toCreate.length, 1, async () => {
      const ix = queue.shift();
      let template = ix === undefined ? base : templateForIndex(base, jobName, ix);
      if (perIndex && ix !== undefined) template = this.withIndexFailureCounts(job, template, lastFailed.get(ix));
      const generateName = ix === undefined ? `${jobName}-` : `${jobName}-${ix}-`;
      const pod = await this.deps.podControl.createPod(ns, template, job, ref, generateName);
      active.push(pod);
    });
    for (let skipped = toCreate.length - successes; skipped > 0; skipped--) this.expectations.creationFailed(key);
    if (error) throw error;
  }

  /** The template of a retry of an index, annotated with the failures of that index so far. */
  private withIndexFailureCounts(job: batchv1.Job, template: corev1.PodTemplateSpec, lastFailed: corev1.Pod | undefined): corev1.PodTemplateSpec {
    const counts = lastFailed ? replacementCounts(lastFailed, matchPodFailurePolicy(job.spec?.podFailurePolicy, lastFailed)) : { failures: 0, ignored: 0 };
    const meta = template.metadata ?? {};
    return {
      ...template,
      metadata: {
        ...meta,
        annotations: {
          ...meta.annotations,
          [JOB_INDEX_FAILURE_COUNT_ANNOTATION]: String(counts.failures),
          [JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]: String(counts.ignored),
        },
      },
    };
  }

  /**
   * Deletes active pods. With `uncounted`, the finalizer comes off first so that the pod never
   * counts as a failure (suspend, scale-down); otherwise the terminating pod is counted later.
   */
  private async deleteActive(key: string, job: batchv1.Job, pods: readonly corev1.Pod[], uncounted: boolean): Promise<Error | undefined> {
    if (pods.length === 0) return undefined;
    const ns = job.metadata?.namespace ?? '';
    this.expectations.expectDeletions(
      key,
      pods.map((p) => p.metadata?.uid ?? ''),
    );
    const errors: Error[] = [];
    await Promise.all(
      pods.map(async (pod) => {
        try {
          if (uncounted && hasTrackingFinalizer(pod)) {
            await this.deps.jobClient.removeFinalizer(pod);
            this.releasedFor(key).add(pod.metadata?.uid ?? '');
          }
          await this.deps.podControl.deletePod(ns, pod.metadata?.name ?? '', job);
        } catch (err) {
          this.expectations.deletionObserved(key, pod.metadata?.uid ?? '');
          if (!isNotFound(err)) errors.push(toError(err));
        }
      }),
    );
    return errors[0];
  }

  private releasedFor(key: string): Set<string> {
    let set = this.released.get(key);
    if (!set) {
      set = new Set();
      this.released.set(key, set);
    }
    return set;
  }

  /** Removes the tracking finalizer from `pods`; returns the first failure. */
  private async release(key: string, pods: readonly corev1.Pod[]): Promise<Error | undefined> {
    const released = this.releasedFor(key);
    const errors: Error[] = [];
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.deps.jobClient.removeFinalizer(pod);
          released.add(pod.metadata?.uid ?? '');
        } catch (err) {
          errors.push(toError(err));
        }
      }),
    );
    return errors[0];
  }

  private async releaseAll(key: string, pods: readonly corev1.Pod[]): Promise<void> {
    const err = await this.release(key, pods);
    if (err) throw err;
  }

  /** Pods that name a Job `name` as controller but not the live one (`uid`): their finalizers go. */
  private async releaseOrphans(ns: string, name: string, uid: string | undefined): Promise<void> {
    const orphans = this.deps.pods.list(ns).filter((p) => {
      const ref = getControllerOf(p);
      return ref?.kind === 'Job' && ref.name === name && ref.uid !== uid && hasTrackingFinalizer(p);
    });
    const errors: Error[] = [];
    await Promise.all(
      orphans.map(async (pod) => {
        try {
          await this.deps.jobClient.removeFinalizer(pod);
        } catch (err) {
          errors.push(toError(err));
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }
}

/** JSON of `value` with empty values (undefined, '', 0, [], {}) dropped and keys sorted. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[k]);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value === '' || value === 0 || value === null ? undefined : value;
}

/** Whether two statuses say the same (the API drops empty fields, so they compare as absent). */
export function sameStatus(a: batchv1.JobStatus | undefined, b: batchv1.JobStatus | undefined): boolean {
  return JSON.stringify(canonical(a) ?? {}) === JSON.stringify(canonical(b) ?? {});
}

/** A JSON patch that removes exactly the tracking finalizer (tested in place, so nothing else is lost). */
export function removeFinalizerPatch(pod: corev1.Pod): unknown[] {
  const i = (pod.metadata?.finalizers ?? []).indexOf(JOB_TRACKING_FINALIZER);
  return [
    { op: 'test', path: '/metadata/uid', value: pod.metadata?.uid },
    { op: 'test', path: `/metadata/finalizers/${i}`, value: JOB_TRACKING_FINALIZER },
    { op: 'remove', path: `/metadata/finalizers/${i}` },
  ];
}

export interface JobControllerOptions {
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/** Builds the Job controller on the shared informers. */
export function newJobController(context: ControllerContext, options: JobControllerOptions = {}): JobController {
  const jobs = context.informers.informerFor(Jobs);
  const pods = context.informers.informerFor(Pods);
  const recorder = context.recorder('job-controller');
  const podClient = context.client.resource(Pods);
  const jobClient = context.client.resource(Jobs);
  const controller = new JobController({
    jobs,
    pods,
    podControl: new RealPodControl(context.client, recorder),
    jobClient: {
      updateStatus: (job) => jobClient.namespace(job.metadata?.namespace).updateStatus(job),
      removeFinalizer: async (pod) => {
        try {
          await podClient.namespace(pod.metadata?.namespace).patch(pod.metadata?.name ?? '', JSON_PATCH, removeFinalizerPatch(pod));
        } catch (err) {
          if (isNotFound(err)) return;
          // The cached pod was stale: read it and try once more.
          const fresh = await podClient.namespace(pod.metadata?.namespace).get(pod.metadata?.name ?? '');
          if (fresh.metadata?.uid !== pod.metadata?.uid || !(fresh.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) return;
          await podClient.namespace(pod.metadata?.namespace).patch(pod.metadata?.name ?? '', JSON_PATCH, removeFinalizerPatch(fresh));
        }
      },
    },
    events: recorder,
    logger: context.logger.child({ controller: 'job' }),
    clock: context.clock,
    concurrentSyncs: context.options.concurrentSyncs,
    backoffBaseMs: options.backoffBaseMs,
    backoffMaxMs: options.backoffMaxMs,
    waitForCacheSync: async () => (await Promise.all([jobs.waitForCacheSync(), pods.waitForCacheSync()])).every(Boolean),
  });
  jobs.addEventHandler(controller.jobHandlers());
  pods.addEventHandler(controller.podHandlers());
  return controller;
}

/** `job`: runs each Job's pods to completion. */
export const jobControllerFactory: ControllerFactory = (context) => newJobController(context);
