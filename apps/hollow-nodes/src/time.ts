/**
 * The two timestamp forms the API carries: metav1.Time (RFC 3339, whole seconds) and
 * metav1.MicroTime (RFC 3339 with microseconds, used by Leases). Durations are @minik8s/flags'.
 */

/** metav1.Time: `2026-01-02T03:04:05Z` (the sub-second part is dropped, as Kubernetes does). */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime: `2026-01-02T03:04:05.123000Z`. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Milliseconds since the epoch of an RFC 3339 time, or undefined when absent or unreadable. */
export function parseTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
