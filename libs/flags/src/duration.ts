import { FlagError } from './flags';

/**
 * Durations in Go's `time.ParseDuration` syntax, the form every Kubernetes component's duration
 * flags take (`40s`, `1h0m0s`, `500ms`) and that our annotations use, and Go's
 * `time.Duration.String` to print them.
 *
 * One deliberate difference from Go: a negative duration (`-5s`) is refused, as no flag or
 * annotation here takes one. Input is not trimmed: Go reads `" 5s"` as invalid too.
 */

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek small letter mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.Duration is an int64 count of nanoseconds; anything from 2^63 ns up overflows it. */
const OVERFLOW_NS = 2 ** 63;

/** Parses `1h2m3.5s`, `500ms`, `0`; returns milliseconds, or throws with Go's message. */
export function parseDuration(text: string): number {
  const invalid = (): Error => new Error(`time: invalid duration "${text}"`);
  let s = text.startsWith('+') ? text.slice(1) : text;
  if (s === '0') return 0;
  if (s === '' || s.startsWith('-')) throw invalid();
  let ns = 0;
  while (s !== '') {
    // [0-9]*(\.[0-9]*)? with at least one digit, then the unit: everything up to the next number.
    const [number, whole, fraction = ''] = /^([0-9]*)(?:\.([0-9]*))?/.exec(s) ?? ['', '', ''];
    if (whole === '' && fraction === '') throw invalid();
    s = s.slice(number.length);
    const unit = /^[^0-9.]*/.exec(s)?.[0] ?? '';
    if (unit === '') throw new Error(`time: missing unit in duration "${text}"`);
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit "${unit}" in duration "${text}"`);
    s = s.slice(unit.length);
    ns += Number(whole || '0') * scale;
    if (fraction !== '') ns += Math.trunc(Number(fraction) * (scale / 10 ** fraction.length));
    if (ns >= OVERFLOW_NS) throw invalid();
  }
  return ns / 1e6;
}

/** A duration flag's value in milliseconds; a bad value fails as pflag reports it. */
export function parseDurationFlag(value: string, flag: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new FlagError(`invalid argument "${value}" for "--${flag.replace(/^--/, '')}" flag: ${reason}`);
  }
}

/** `ms` as Go's int64 count of nanoseconds, saturating at its bounds (NaN counts as zero). */
function nanoseconds(ms: number): bigint {
  const ns = ms * 1e6;
  if (Number.isNaN(ns)) return 0n;
  if (ns >= OVERFLOW_NS) return 2n ** 63n - 1n;
  if (ns <= -OVERFLOW_NS) return -(2n ** 63n);
  return BigInt(Math.round(ns));
}

/** The digits of `value` below 10^digits as Go prints a fraction (`.5`, none for zero), and the rest. */
function fraction(value: bigint, digits: number): [text: string, rest: bigint] {
  const unit = 10n ** BigInt(digits);
  const text = (value % unit).toString().padStart(digits, '0').replace(/0+$/, '');
  return [text ? `.${text}` : '', value / unit];
}

/**
 * A duration as Go's `time.Duration.String` prints it, to the nanosecond: `0s`, `250µs`,
 * `500ms`, `1.5s`, `2m40s`, `1h0m0s`, `-3s`.
 */
export function formatDuration(ms: number): string {
  const signed = nanoseconds(ms);
  const sign = signed < 0n ? '-' : '';
  const ns = signed < 0n ? -signed : signed;
  if (ns === 0n) return '0s';
  if (ns < 1_000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) {
    const [frac, micros] = fraction(ns, 3);
    return `${sign}${micros}${frac}µs`;
  }
  if (ns < 1_000_000_000n) {
    const [frac, millis] = fraction(ns, 6);
    return `${sign}${millis}${frac}ms`;
  }
  const [frac, totalSeconds] = fraction(ns, 9);
  const seconds = `${totalSeconds % 60n}${frac}s`;
  const totalMinutes = totalSeconds / 60n;
  if (totalMinutes === 0n) return `${sign}${seconds}`;
  const hours = totalMinutes / 60n;
  return hours === 0n ? `${sign}${totalMinutes}m${seconds}` : `${sign}${hours}h${totalMinutes % 60n}m${seconds}`;
}
