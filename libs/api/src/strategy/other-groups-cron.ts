/**
 * Cron schedules as CronJobs write them: the standard five fields (minute,
 * hour, day of month, month, day of week) with `*`, `?`, ranges, lists, steps
 * and month/day names, the `@yearly`/`@annually`/`@monthly`/`@weekly`/
 * `@daily`/`@midnight`/`@hourly` macros, `@every <duration>`, and an optional
 * `TZ=<zone>` or `CRON_TZ=<zone>` prefix.
 *
 * The grammar, the matching rules and the error texts are those of the cron
 * library Kubernetes validates and runs CronJobs with (robfig/cron v3's
 * standard parser), so a schedule is accepted here exactly when Kubernetes
 * accepts it, and the messages read the same. Two of its rules worth knowing:
 * day of week runs 0-6 (Sunday is 0, 7 is refused), and when either day field
 * is `*` or `?` a day must match both day fields, otherwise either one.
 *
 * `next()` walks wall-clock time in the schedule's IANA time zone (by way of
 * Intl), so daylight-saving gaps skip the missing times and repeated hours can
 * fire twice, as they do in Kubernetes.
 */
import { goQuote } from '../validation/field-path';

/** A schedule that does not parse; the message is the cron library's. */
export class CronSyntaxError extends Error {
  override readonly name = 'CronSyntaxError';
}

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DAYS_OF_MONTH: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DAYS_OF_WEEK: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** What every parsed schedule can do. */
interface ScheduleBase {
  /** The schedule text as given. */
  readonly spec: string;
  /** The zone a `TZ=`/`CRON_TZ=` prefix named, if any. */
  readonly timeZone: string | undefined;
  /**
   * The first activation strictly after `after`, or undefined when there is
   * none within five years (e.g. `0 0 30 2 *`). The schedule's own time zone
   * wins over `defaultTimeZone`, which is where a CronJob's spec.timeZone goes.
   */
  next(after: Date, defaultTimeZone?: string): Date | undefined;
}

/** A five-field schedule (macros parse into this form too). */
export interface FieldCronSchedule extends ScheduleBase {
  readonly kind: 'fields';
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 is Sunday. */
  readonly daysOfWeek: ReadonlySet<number>;
  /** The day-of-month field was `*` or `?` (or a step-1 range of them). */
  readonly daysOfMonthStar: boolean;
  readonly daysOfWeekStar: boolean;
}

/** `@every <duration>`: a fixed delay, whole seconds, at least one. */
export interface IntervalCronSchedule extends ScheduleBase {
  readonly kind: 'every';
  readonly intervalSeconds: number;
}

export type CronSchedule = FieldCronSchedule | IntervalCronSchedule;

// ---------------------------------------------------------------------------
// Time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Whether `name` is an IANA time zone the runtime knows. Intl matches names
 * case-insensitively, the zone database does not, so a canonical name in the
 * wrong case is refused.
 */
export function isKnownTimeZone(name: string): boolean {
  // Newer runtimes read "+01:00" as a fixed offset; the zone database has no such names.
  if (name === '' || name.startsWith('+') || name.startsWith('-')) return false;
  let resolved: string;
  try {
    resolved = formatterFor(name).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  return !(resolved !== name && resolved.toLowerCase() === name.toLowerCase());
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function wallTime(ms: number, zone: string): WallTime {
  if (zone === 'UTC') {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      weekday: d.getUTCDay(),
    };
  }
  const w: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, weekday: 0 };
  for (const part of formatterFor(zone).formatToParts(ms)) {
    switch (part.type) {
      case 'year':
        w.year = Number(part.value);
        break;
      case 'month':
        w.month = Number(part.value);
        break;
      case 'day':
        w.day = Number(part.value);
        break;
      case 'hour':
        w.hour = Number(part.value) % 24;
        break;
      case 'minute':
        w.minute = Number(part.value);
        break;
      case 'weekday':
        w.weekday = WEEKDAYS[part.value] ?? 0;
        break;
      default:
        break;
    }
  }
  return w;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * The instant a wall-clock time (fields may overflow, as with Date.UTC) has in
 * `zone`. A time that daylight saving skips resolves to the later candidate,
 * which is the first instant after the gap or close to it.
 */
function instantOf(year: number, month: number, day: number, hour: number, minute: number, zone: string): number {
  const target = Date.UTC(year, month - 1, day, hour, minute);
  if (zone === 'UTC') return target;
  let guess = target;
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) {
    const w = wallTime(guess, zone);
    const offset = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - guess;
    const candidate = target - offset;
    if (candidate === guess) return guess;
    seen.push(candidate);
    guess = candidate;
  }
  return Math.max(...seen);
}

// ---------------------------------------------------------------------------
// Parsing

/** Go's strconv.Atoi followed by the library's negative check. */
function parseUint(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr)) {
    throw new CronSyntaxError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${goQuote(expr)}: invalid syntax`);
  }
  const n = BigInt(expr);
  if (n > 9223372036854775807n || n < -9223372036854775808n) {
    throw new CronSyntaxError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${goQuote(expr)}: value out of range`);
  }
  if (n < 0n) throw new CronSyntaxError(`negative number (${n}) not allowed: ${expr}`);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

function parseIntOrName(expr: string, bounds: Bounds): number {
  const names = bounds.names ?? {};
  const key = expr.toLowerCase();
  return Object.hasOwn(names, key) ? (names[key] ?? 0) : parseUint(expr);
}

interface ParsedField {
  values: Set<number>;
  star: boolean;
}

function parseRange(expr: string, bounds: Bounds, into: ParsedField): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = bounds.min;
    end = bounds.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], bounds);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], bounds);
    else throw new CronSyntaxError(`too many hyphens: ${expr}`);
  }
  let step: number;
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = parseUint(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (single) end = bounds.max;
    if (step > 1) star = false;
  } else throw new CronSyntaxError(`too many slashes: ${expr}`);

  if (start < bounds.min) throw new CronSyntaxError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new CronSyntaxError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new CronSyntaxError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronSyntaxError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  if (star) into.star = true;
}

function parseField(field: string, bounds: Bounds): ParsedField {
  const parsed: ParsedField = { values: new Set(), star: false };
  for (const expr of field.split(',')) {
    if (expr !== '') parseRange(expr, bounds, parsed);
  }
  return parsed;
}

function everyValue(bounds: Bounds): ParsedField {
  return parseField('*', bounds);
}

function only(value: number): ParsedField {
  return { values: new Set([value]), star: false };
}

// ---------------------------------------------------------------------------
// Go durations, for @every

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds. */
function parseGoDuration(text: string): number {
  const invalid = (): CronSyntaxError => new CronSyntaxError(`time: invalid duration ${goQuote(text)}`);
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const num = /^([0-9]*)(\.([0-9]*))?/.exec(s);
    const whole = num?.[1] ?? '';
    const frac = num?.[3] ?? '';
    if (whole === '' && frac === '') throw invalid();
    s = s.slice(num?.[0].length ?? 0);
    const unit = /^[^0-9.]*/.exec(s)?.[0] ?? '';
    if (unit === '') throw new CronSyntaxError(`time: missing unit in duration ${goQuote(text)}`);
    const scale = DURATION_UNITS[unit];
    if (scale === undefined) throw new CronSyntaxError(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}`);
    s = s.slice(unit.length);
    total += Number(whole || '0') * scale + (frac ? Number(`0.${frac}`) * scale : 0);
    if (total > 9.223372036854776e18) throw invalid();
  }
  return negative ? -total : total;
}

// ---------------------------------------------------------------------------
// Schedules

function firstAtOrAfter(set: ReadonlySet<number>, from: number, max: number): number | undefined {
  for (let v = from; v <= max; v++) if (set.has(v)) return v;
  return undefined;
}

function makeFieldSchedule(
  spec: string,
  timeZone: string | undefined,
  f: { minute: ParsedField; hour: ParsedField; dom: ParsedField; month: ParsedField; dow: ParsedField },
): FieldCronSchedule {
  const schedule: FieldCronSchedule = {
    kind: 'fields',
    spec,
    timeZone,
    minutes: f.minute.values,
    hours: f.hour.values,
    daysOfMonth: f.dom.values,
    months: f.month.values,
    daysOfWeek: f.dow.values,
    daysOfMonthStar: f.dom.star,
    daysOfWeekStar: f.dow.star,
    next(after: Date, defaultTimeZone = 'UTC'): Date | undefined {
      const zone = timeZone ?? defaultTimeZone;
      const dayMatches = (w: WallTime): boolean => {
        const domMatch = schedule.daysOfMonth.has(w.day);
        const dowMatch = schedule.daysOfWeek.has(w.weekday);
        return schedule.daysOfMonthStar || schedule.daysOfWeekStar ? domMatch && dowMatch : domMatch || dowMatch;
      };
      if (!Number.isFinite(after.getTime())) return undefined;
      let t = Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
      const yearLimit = wallTime(t, zone).year + 5;
      for (;;) {
        const w = wallTime(t, zone);
        if (w.year > yearLimit) return undefined;
        if (!schedule.months.has(w.month)) {
          t = Math.max(t + MINUTE_MS, instantOf(w.year, w.month + 1, 1, 0, 0, zone));
          continue;
        }
        if (!dayMatches(w)) {
          t = Math.max(t + MINUTE_MS, instantOf(w.year, w.month, w.day + 1, 0, 0, zone));
          continue;
        }
        if (!schedule.hours.has(w.hour)) {
          t += HOUR_MS - w.minute * MINUTE_MS;
          continue;
        }
        const minute = firstAtOrAfter(schedule.minutes, w.minute, 59);
        if (minute === undefined) {
          t += HOUR_MS - w.minute * MINUTE_MS;
          continue;
        }
        if (minute !== w.minute) {
          t += (minute - w.minute) * MINUTE_MS;
          continue;
        }
        return new Date(t);
      }
    },
  };
  return schedule;
}

function makeIntervalSchedule(spec: string, timeZone: string | undefined, nanos: number): IntervalCronSchedule {
  // Whole seconds, at least one: what the library does with any duration.
  const intervalSeconds = Math.max(1, Math.floor(nanos / 1e9));
  return {
    kind: 'every',
    spec,
    timeZone,
    intervalSeconds,
    next(after: Date): Date | undefined {
      if (!Number.isFinite(after.getTime())) return undefined;
      return new Date(Math.floor(after.getTime() / 1000) * 1000 + intervalSeconds * 1000);
    },
  };
}

function parseDescriptor(spec: string, descriptor: string, timeZone: string | undefined): CronSchedule {
  const all = {
    minute: everyValue(MINUTES),
    hour: everyValue(HOURS),
    dom: everyValue(DAYS_OF_MONTH),
    month: everyValue(MONTHS),
    dow: everyValue(DAYS_OF_WEEK),
  };
  switch (descriptor) {
    case '@yearly':
    case '@annually':
      return makeFieldSchedule(spec, timeZone, { ...all, minute: only(0), hour: only(0), dom: only(1), month: only(1) });
    case '@monthly':
      return makeFieldSchedule(spec, timeZone, { ...all, minute: only(0), hour: only(0), dom: only(1) });
    case '@weekly':
      return makeFieldSchedule(spec, timeZone, { ...all, minute: only(0), hour: only(0), dow: only(0) });
    case '@daily':
    case '@midnight':
      return makeFieldSchedule(spec, timeZone, { ...all, minute: only(0), hour: only(0) });
    case '@hourly':
      return makeFieldSchedule(spec, timeZone, { ...all, minute: only(0) });
    default:
      break;
  }
  const every = '@every ';
  if (descriptor.startsWith(every)) {
    let nanos: number;
    try {
      nanos = parseGoDuration(descriptor.slice(every.length));
    } catch (e) {
      throw new CronSyntaxError(`failed to parse duration ${descriptor}: ${(e as Error).message}`);
    }
    return makeIntervalSchedule(spec, timeZone, nanos);
  }
  throw new CronSyntaxError(`unrecognized descriptor: ${descriptor}`);
}

/**
 * Parses a schedule; throws CronSyntaxError with the cron library's message
 * (`expected exactly 5 fields, found 6: [* * * * * *]`, `end of range (60)
 * above maximum (59): 60`, ...). A `TZ=`/`CRON_TZ=` prefix is parsed here;
 * whether it is allowed is the caller's decision (CronJob validation refuses it).
 */
export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronSyntaxError('empty spec string');
  let rest = spec;
  let timeZone: string | undefined;
  if (rest.startsWith('TZ=') || rest.startsWith('CRON_TZ=')) {
    const eq = rest.indexOf('=');
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest.slice(eq + 1) : rest.slice(eq + 1, space);
    // Go's time.LoadLocation reads "" as UTC and "Local" as the host's zone.
    if (name === '' || name === 'UTC') timeZone = 'UTC';
    else if (name === 'Local') timeZone = undefined;
    else if (isKnownTimeZone(name)) timeZone = name;
    else throw new CronSyntaxError(`provided bad location ${name}: unknown time zone ${name}`);
    rest = space < 0 ? '' : rest.slice(space).trim();
  }
  if (rest.startsWith('@')) return parseDescriptor(spec, rest, timeZone);
  const fields = rest.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) {
    throw new CronSyntaxError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  return makeFieldSchedule(spec, timeZone, {
    minute: parseField(fields[0], MINUTES),
    hour: parseField(fields[1], HOURS),
    dom: parseField(fields[2], DAYS_OF_MONTH),
    month: parseField(fields[3], MONTHS),
    dow: parseField(fields[4], DAYS_OF_WEEK),
  });
}

/** The parse error of a schedule, or undefined when it is valid. */
export function cronScheduleError(spec: string): string | undefined {
  try {
    parseCronSchedule(spec);
    return undefined;
  } catch (e) {
    if (e instanceof CronSyntaxError) return e.message;
    throw e;
  }
}
