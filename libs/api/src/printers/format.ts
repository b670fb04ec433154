// Value formatting shared by the table columns of the registry, following how kubectl prints
// cells: `<none>` for absent lists, `k=v` label lists, human durations for ages.

import type { ObjectMeta } from '../generated/meta/v1/meta';

const SECOND = 1000;

/**
 * A duration the way `kubectl get` prints ages: seconds below two minutes, minutes (with seconds
 * below ten minutes), hours (with minutes below eight hours), days (with hours below eight days),
 * then days and years. Slightly negative values (clock skew) count as zero.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return withRest(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return withRest(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return withRest(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return withRest(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRest(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

/** The age of a timestamp at `now`; `<unknown>` when the timestamp is absent or unparseable. */
export function timestampAge(timestamp: string | undefined, now: Date): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** `a=1,b=2` with keys sorted, or `<none>`, as labels.FormatLabels prints a map. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

/** `True`/`False`, as kubectl prints booleans in tables. */
export function printBool(value: boolean | undefined): string {
  return value ? 'True' : 'False';
}

/** Joins values with commas, or `<none>` when there are none. */
export function joinOrNone(values: readonly string[] | undefined): string {
  return values && values.length > 0 ? values.join(',') : '<none>';
}

/** Up to three entries, then ` + N more...`, as kubectl abbreviates endpoint lists. */
export function listWithMore(values: readonly string[], max = 3, empty = '<unset>'): string {
  if (values.length > max) return `${values.slice(0, max).join(',')} + ${values.length - max} more...`;
  return values.length === 0 ? empty : values.join(',');
}

export function nameOf(obj: { metadata?: ObjectMeta | undefined }): string {
  return obj.metadata?.name ?? '';
}

export function ageOf(obj: { metadata?: ObjectMeta | undefined }, now: Date): string {
  return timestampAge(obj.metadata?.creationTimestamp, now);
}
