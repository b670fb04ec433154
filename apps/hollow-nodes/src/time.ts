/**
 * Durations (Go's `time.ParseDuration` syntax, as Kubernetes' flags and our annotations use) and
 * the two timestamp forms the API carries: metav1.Time (RFC 3339, whole seconds) and
 * metav1.MicroTime (RFC 3339 with microseconds, used by Leases).
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses `1h2m3.5s`, `500ms`, `0`; returns milliseconds, or throws with Go's message. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  if (s === '' || s.startsWith('-') || s.startsWith('+')) throw new Error(`time: invalid duration "${text}"`);
  let total = 0;
  let at = 0;
  while (at < s.length) {
    PART.lastIndex = at;
    const m = PART.exec(s);
    if (!m || m[1] === '' || m[1] === '.') {
      const rest = s.slice(at);
      const missingUnit = /^[0-9.]+$/.test(rest);
      throw new Error(missingUnit ? `time: missing unit in duration "${text}"` : `time: invalid duration "${text}"`);
    }
    total += Number(m[1]) * UNIT_MS[m[2]];
    at = PART.lastIndex;
  }
  return total;
}

/** The shortest Go-style spelling of a duration: `0s`, `500ms`, `10s`, `2m40s`, `1h0m0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  let rest = ms / 1000;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  rest -= minutes * 60;
  const seconds = `${Number(rest.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

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
