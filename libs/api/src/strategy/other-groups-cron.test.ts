import { describe, expect, it } from 'vitest';
import { CronSyntaxError, type FieldCronSchedule, cronScheduleError, isKnownTimeZone, parseCronSchedule } from './other-groups-cron';

describe('parseCronSchedule errors', () => {
  it.each([
    ['', 'empty spec string'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* * * foo *', 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
    ['1,-5 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every 5x', 'failed to parse duration @every 5x: time: unknown unit "x" in duration "5x"'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['@every', 'unrecognized descriptor: @every'],
    ['TZ=Mars/Base 0 * * * *', 'provided bad location Mars/Base: unknown time zone Mars/Base'],
  ])('%j: %s', (spec, message) => {
    expect(cronScheduleError(spec)).toBe(message);
    expect(() => parseCronSchedule(spec)).toThrow(CronSyntaxError);
  });
});

describe('parseCronSchedule fields', () => {
  it('reads ranges, lists, steps and names', () => {
    const s = parseCronSchedule('0,30 9-17/2 */10 JAN-mar MON,wed,FRI') as FieldCronSchedule;
    expect(s.kind).toBe('fields');
    expect([...s.minutes]).toEqual([0, 30]);
    expect([...s.hours]).toEqual([9, 11, 13, 15, 17]);
    expect([...s.daysOfMonth]).toEqual([1, 11, 21, 31]);
    expect([...s.months]).toEqual([1, 2, 3]);
    expect([...s.daysOfWeek]).toEqual([1, 3, 5]);
    expect(s.daysOfMonthStar).toBe(false);
    expect(s.daysOfWeekStar).toBe(false);
  });

  it('reads "N/step" as N to the maximum, and keeps the star of ? and */1', () => {
    const s = parseCronSchedule('50/3 * ? * */1') as FieldCronSchedule;
    expect([...s.minutes]).toEqual([50, 53, 56, 59]);
    expect(s.daysOfMonthStar).toBe(true);
    expect(s.daysOfWeekStar).toBe(true);
    expect((parseCronSchedule('* * * * */2') as FieldCronSchedule).daysOfWeekStar).toBe(false);
  });

  it.each(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@every 1h30m', '  */5  *  * * *  '])(
    'accepts %j',
    (spec) => {
      expect(cronScheduleError(spec)).toBeUndefined();
    },
  );

  it('parses a TZ= or CRON_TZ= prefix', () => {
    expect(parseCronSchedule('TZ=Europe/Paris 0 3 * * *').timeZone).toBe('Europe/Paris');
    expect(parseCronSchedule('CRON_TZ=UTC @daily').timeZone).toBe('UTC');
    expect(parseCronSchedule('0 3 * * *').timeZone).toBeUndefined();
  });
});

describe('next activation', () => {
  const next = (spec: string, after: string, zone?: string): string | undefined =>
    parseCronSchedule(spec).next(new Date(after), zone)?.toISOString();

  it.each([
    ['*/15 * * * *', '2026-01-01T00:07:30Z', undefined, '2026-01-01T00:15:00.000Z'],
    ['*/15 * * * *', '2026-01-01T00:15:00Z', undefined, '2026-01-01T00:30:00.000Z'],
    ['0 9 * * *', '2026-01-01T09:00:00.001Z', undefined, '2026-01-02T09:00:00.000Z'],
    ['@hourly', '2026-01-01T23:59:00Z', undefined, '2026-01-02T00:00:00.000Z'],
    ['@yearly', '2026-03-01T00:00:00Z', undefined, '2027-01-01T00:00:00.000Z'],
    ['@monthly', '2026-01-31T12:00:00Z', undefined, '2026-02-01T00:00:00.000Z'],
    ['@weekly', '2026-01-01T00:00:00Z', undefined, '2026-01-04T00:00:00.000Z'],
    ['0 0 29 2 *', '2026-03-01T00:00:00Z', undefined, '2028-02-29T00:00:00.000Z'],
    // A day must match both fields when one is a star, either one otherwise.
    ['0 0 * * 1', '2026-01-01T12:00:00Z', undefined, '2026-01-05T00:00:00.000Z'],
    ['0 0 1-31 * 1', '2026-01-01T12:00:00Z', undefined, '2026-01-02T00:00:00.000Z'],
    ['0 0 13 * 5', '2026-01-01T12:00:00Z', undefined, '2026-01-02T00:00:00.000Z'],
    // Wall-clock time in a zone.
    ['30 2 * * *', '2026-01-01T00:00:00Z', 'Europe/Paris', '2026-01-01T01:30:00.000Z'],
    ['30 2 * * *', '2026-07-01T00:00:00Z', 'Europe/Paris', '2026-07-01T00:30:00.000Z'],
    ['CRON_TZ=Asia/Tokyo 0 9 * * *', '2025-12-31T23:00:00Z', 'Europe/Paris', '2026-01-01T00:00:00.000Z'],
    // 02:30 does not exist on 2026-03-08 in New York; the run that day is skipped.
    ['30 2 * * *', '2026-03-07T12:00:00Z', 'America/New_York', '2026-03-09T06:30:00.000Z'],
    // The first wall-clock hour after the spring-forward day is not lost.
    ['30 0 * * 1', '2026-03-07T12:00:00Z', 'America/New_York', '2026-03-09T04:30:00.000Z'],
    // 01:30 happens twice on 2026-11-01 in New York, and so does the run.
    ['30 1 * * *', '2026-11-01T04:00:00Z', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['30 1 * * *', '2026-11-01T05:30:00Z', 'America/New_York', '2026-11-01T06:30:00.000Z'],
    ['30 1 * * *', '2026-11-01T06:30:00Z', 'America/New_York', '2026-11-02T06:30:00.000Z'],
    ['@every 90s', '2026-01-01T00:00:00.500Z', undefined, '2026-01-01T00:01:30.000Z'],
    ['@every 100ms', '2026-01-01T00:00:00Z', undefined, '2026-01-01T00:00:01.000Z'],
  ])('%s after %s (%s) is %s', (spec, after, zone, expected) => {
    expect(next(spec, after, zone)).toBe(expected);
  });

  it('has no next activation for a day that never comes, nor after an invalid date', () => {
    expect(next('0 0 30 2 *', '2026-01-01T00:00:00Z')).toBeUndefined();
    expect(parseCronSchedule('* * * * *').next(new Date(Number.NaN))).toBeUndefined();
    expect(parseCronSchedule('@every 1m').next(new Date(Number.NaN))).toBeUndefined();
  });
});

describe('isKnownTimeZone', () => {
  it.each([
    ['UTC', true],
    ['Europe/Paris', true],
    ['America/Argentina/Buenos_Aires', true],
    ['europe/paris', false],
    ['Mars/Base', false],
    ['+01:00', false],
    ['', false],
  ])('%j is %s', (zone, known) => {
    expect(isKnownTimeZone(zone)).toBe(known);
  });
});
