import type { batchv1, CronSchedule } from '@minik8s/api';

/**
 * The pure parts of the CronJob controller (Kubernetes' pkg/controller/cronjob): due times,
 * Job names, concurrency decisions and history pruning.
 */

export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** More missed start times than this earn a TooManyMissedTimes warning. */
export const MAX_MISSED_BEFORE_WARNING = 100;
/** An exact walk over missed times stops here and jumps close to now. */
const MAX_WALK = 1000;

export function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The zone the schedule runs in: spec.timeZone, else UTC (the controller-manager's zone). */
export function scheduleZone(cj: batchv1.CronJob): string {
  return cj.spec?.timeZone || 'UTC';
}

export interface DueTime {
  /** The latest schedule time in (earliest, now], if any. */
  scheduled?: number;
  /** How many schedule times fell in (earliest, now] (exact up to the walk limit, estimated after). */
  missed: number;
}

/**
 * The most recent unmet schedule time at `now`: times after the last schedule (or the CronJob's
 * creation) and, with startingDeadlineSeconds, after now minus that deadline.
 */
export function mostRecentScheduleTime(cj: batchv1.CronJob, schedule: CronSchedule, nowMs: number): DueTime {
  let earliest = parseTime(cj.status?.lastScheduleTime) ?? parseTime(cj.metadata?.creationTimestamp) ?? nowMs;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (deadline !== undefined) earliest = Math.max(earliest, nowMs - deadline * 1000);
  if (earliest > nowMs) return { missed: 0 };
  const zone = scheduleZone(cj);
  let scheduled: number | undefined;
  let missed = 0;
  let t = schedule.next(new Date(earliest), zone)?.getTime();
  while (t !== undefined && t <= nowMs) {
    scheduled = t;
    missed++;
    if (missed >= MAX_WALK) {
      // Too many to walk: estimate the rest from the spacing seen so far, then walk the tail.
      const spacing = (t - earliest) / missed;
      const skipFrom = Math.max(t, nowMs - 2 * Math.max(spacing, 60_000));
      missed += Math.floor((skipFrom - t) / Math.max(spacing, 1));
      t = schedule.next(new Date(skipFrom), zone)?.getTime();
      while (t !== undefined && t <= nowMs) {
        scheduled = t;
        missed++;
        t = schedule.next(new Date(t), zone)?.getTime();
      }
      break;
    }
    t = schedule.next(new Date(t), zone)?.getTime();
  }
  return { scheduled, missed };
}

/** The next schedule time strictly after `now`, or undefined when there is none. */
export function nextScheduleTime(cj: batchv1.CronJob, schedule: CronSchedule, nowMs: number): number | undefined {
  return schedule.next(new Date(nowMs), scheduleZone(cj))?.getTime();
}

/** `<cronjob>-<scheduled time in minutes since the epoch>`, as Kubernetes names the Jobs. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

/** The scheduled-timestamp annotation: RFC 3339 in the CronJob's zone (UTC here prints `Z`). */
export function formatScheduledTimestamp(scheduledMs: number, zone: string): string {
  if (zone === 'UTC') return formatTime(scheduledMs);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(scheduledMs)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute), Number(parts.second));
  const offsetMin = Math.round((wall - Math.floor(scheduledMs / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const offset = offsetMin === 0 ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${parts.year}-${parts.month}-${parts.day}T${String(Number(parts.hour) % 24).padStart(2, '0')}:${parts.minute}:${parts.second}${offset}`;
}

export function jobFinishedType(job: batchv1.Job): 'Complete' | 'Failed' | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

export type ConcurrencyDecision = { action: 'create'; replace: string[] } | { action: 'skip'; reason: 'JobAlreadyActive' };

/**
 * What concurrencyPolicy says about starting a run while `activeJobs` (names) run: Allow starts
 * it, Forbid skips it, Replace deletes the active ones first.
 */
export function concurrencyDecision(policy: string | undefined, activeJobs: readonly string[]): ConcurrencyDecision {
  if (activeJobs.length === 0) return { action: 'create', replace: [] };
  if (policy === 'Forbid') return { action: 'skip', reason: 'JobAlreadyActive' };
  if (policy === 'Replace') return { action: 'create', replace: [...activeJobs] };
  return { action: 'create', replace: [] };
}

function startOf(job: batchv1.Job): number {
  return parseTime(job.status?.startTime) ?? parseTime(job.metadata?.creationTimestamp) ?? 0;
}

/**
 * The finished Jobs beyond the history limits, oldest first: successful ones past
 * successfulJobsHistoryLimit, failed ones past failedJobsHistoryLimit (ordered by start time).
 */
export function jobsToPrune(jobs: readonly batchv1.Job[], successfulLimit: number | undefined, failedLimit: number | undefined): batchv1.Job[] {
  const pick = (type: 'Complete' | 'Failed', limit: number | undefined): batchv1.Job[] => {
    if (limit === undefined) return [];
    const finished = jobs.filter((j) => jobFinishedType(j) === type && !j.metadata?.deletionTimestamp).sort((a, b) => startOf(a) - startOf(b));
    return finished.slice(0, Math.max(0, finished.length - limit));
  };
  return [...pick('Complete', successfulLimit), ...pick('Failed', failedLimit)];
}

/** JSON of `value` with empty values (undefined, null, '', [], {}) dropped and keys sorted. */
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
  return value === '' || value === null ? undefined : value;
}

/** Whether two statuses say the same, treating the empty values the API drops as absent. */
export function sameStatus(a: batchv1.CronJobStatus | undefined, b: batchv1.CronJobStatus | undefined): boolean {
  return JSON.stringify(canonical(a) ?? {}) === JSON.stringify(canonical(b) ?? {});
}
