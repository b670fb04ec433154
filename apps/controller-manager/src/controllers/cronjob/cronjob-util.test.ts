import { describe, expect, it } from 'vitest';
import { parseCronSchedule, type batchv1 } from '@minik8s/api';
import { concurrencyDecision, formatScheduledTimestamp, jobNameFor, jobsToPrune, mostRecentScheduleTime, nextScheduleTime, sameStatus } from './cronjob-util';

const at = (s: string): number => Date.parse(s);

function cj(spec: Partial<batchv1.CronJobSpec>, created = '2024-05-01T12:00:00Z', lastScheduleTime?: string): batchv1.CronJob {
  return { metadata: { name: 'c', creationTimestamp: created }, spec: { schedule: '*/5 * * * *', ...spec }, status: { lastScheduleTime } };
}

describe('mostRecentScheduleTime', () => {
  it.each<[string, batchv1.CronJob, string, string | undefined, number]>([
    ['nothing due yet', cj({}), '2024-05-01T12:04:59Z', undefined, 0],
    ['the first tick', cj({}), '2024-05-01T12:05:00Z', '2024-05-01T12:05:00Z', 1],
    ['three missed, the latest wins', cj({}), '2024-05-01T12:17:00Z', '2024-05-01T12:15:00Z', 3],
    ['after the last schedule', cj({}, undefined, '2024-05-01T12:15:00Z'), '2024-05-01T12:19:00Z', undefined, 0],
    ['startingDeadlineSeconds limits the window', cj({ startingDeadlineSeconds: 200 }), '2024-05-01T12:17:00Z', '2024-05-01T12:15:00Z', 1],
    ['a deadline that excludes every time', cj({ startingDeadlineSeconds: 60 }), '2024-05-01T12:17:00Z', undefined, 0],
    ['a time zone', cj({ schedule: '0 9 * * *', timeZone: 'Europe/Paris' }), '2024-05-02T08:00:00Z', '2024-05-02T07:00:00Z', 1],
  ])('%s', (_n, c, now, scheduled, missed) => {
    const r = mostRecentScheduleTime(c, parseCronSchedule(c.spec?.schedule ?? ''), at(now));
    expect(r.scheduled === undefined ? undefined : new Date(r.scheduled).toISOString().replace('.000', '')).toBe(scheduled);
    expect(r.missed).toBe(missed);
  });

  it('counts more than 100 missed times (TooManyMissedTimes) and still finds the latest', () => {
    const c = cj({ schedule: '* * * * *' });
    const r = mostRecentScheduleTime(c, parseCronSchedule('* * * * *'), at('2024-05-03T12:00:30Z'));
    expect(r.missed).toBeGreaterThan(100);
    expect(r.scheduled).toBe(at('2024-05-03T12:00:00Z'));
  });

  it('next schedule time', () => {
    expect(nextScheduleTime(cj({}), parseCronSchedule('*/5 * * * *'), at('2024-05-01T12:05:00Z'))).toBe(at('2024-05-01T12:10:00Z'));
  });
});

describe('names and annotations', () => {
  it('names the Job by minutes since the epoch', () => expect(jobNameFor('hello', at('2024-05-01T12:05:00Z'))).toBe('hello-28576085'));
  it.each<[string, string]>([
    ['UTC', '2024-05-01T12:05:00Z'],
    ['Europe/Paris', '2024-05-01T14:05:00+02:00'],
    ['America/New_York', '2024-05-01T08:05:00-04:00'],
  ])('scheduled timestamp in %s', (zone, text) => expect(formatScheduledTimestamp(at('2024-05-01T12:05:00Z'), zone)).toBe(text));
});

describe('concurrencyDecision', () => {
  it.each<[string | undefined, string[], ReturnType<typeof concurrencyDecision>]>([
    ['Allow', [], { action: 'create', replace: [] }],
    ['Allow', ['a'], { action: 'create', replace: [] }],
    ['Forbid', [], { action: 'create', replace: [] }],
    ['Forbid', ['a'], { action: 'skip', reason: 'JobAlreadyActive' }],
    ['Replace', ['a', 'b'], { action: 'create', replace: ['a', 'b'] }],
  ])('%s with active %j', (policy, active, decision) => expect(concurrencyDecision(policy, active)).toEqual(decision));
});

describe('jobsToPrune', () => {
  const job = (name: string, type: 'Complete' | 'Failed' | undefined, start: string): batchv1.Job => ({
    metadata: { name },
    status: { startTime: start, conditions: type ? [{ type, status: 'True' }] : [] },
  });
  const jobs = [
    job('s3', 'Complete', '2024-05-01T12:03:00Z'),
    job('s1', 'Complete', '2024-05-01T12:01:00Z'),
    job('s2', 'Complete', '2024-05-01T12:02:00Z'),
    job('f1', 'Failed', '2024-05-01T12:01:30Z'),
    job('f2', 'Failed', '2024-05-01T12:02:30Z'),
    job('running', undefined, '2024-05-01T12:00:00Z'),
  ];
  it.each<[number | undefined, number | undefined, string[]]>([
    [3, 1, ['f1']],
    [1, 1, ['s1', 's2', 'f1']],
    [0, 0, ['s1', 's2', 's3', 'f1', 'f2']],
    [undefined, undefined, []],
  ])('limits %s/%s', (ok, failed, names) => expect(jobsToPrune(jobs, ok, failed).map((j) => j.metadata?.name)).toEqual(names));
});

describe('sameStatus', () => {
  it('treats an empty active list as absent', () => expect(sameStatus({ active: [] }, {})).toBe(true));
});
