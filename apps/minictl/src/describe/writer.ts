// The text builder of `minictl describe`: lines at indentation levels, cells separated by tabs, the
// whole laid out by one tab writer with two spaces of padding, as kubectl's describers are.

import type { Scheme } from '@minik8s/api';
import { TabWriter } from '../printers/tabwriter';

export class DescribeWriter {
  private text = '';

  /** One line at `level` (two spaces each); cells are tab separated. */
  line(level: number, ...cells: (string | number | boolean)[]): void {
    this.text += `${'  '.repeat(level)}${cells.map(String).join('\t')}\n`;
  }

  /** Text with its own tabs and newlines, at `level`. */
  raw(text: string): void {
    this.text += text;
  }

  toString(): string {
    return new TabWriter({ padding: 2 }).format(this.text);
  }

  /** The text with its tabs as written, as kubectl's prefix writer leaves them (`rollout history`). */
  unaligned(): string {
    return this.text;
  }
}

/** `Labels:  a=b` and then one `k=v` per line, aligned, or `<none>`. */
export function writeMap(w: DescribeWriter, level: number, title: string, map: Readonly<Record<string, string>> | undefined, skip: string[] = []): void {
  const keys = Object.keys(map ?? {}).filter((k) => !skip.includes(k)).sort();
  if (keys.length === 0) {
    w.line(level, `${title}:`, '<none>');
    return;
  }
  keys.forEach((k, i) => w.line(level, i === 0 ? `${title}:` : '', `${k}=${map?.[k]}`));
}

/** Annotations as kubectl describes them: `key: value`, without the last-applied configuration. */
export function writeAnnotations(w: DescribeWriter, level: number, title: string, map: Readonly<Record<string, string>> | undefined): void {
  const keys = Object.keys(map ?? {}).filter((k) => k !== 'kubectl.kubernetes.io/last-applied-configuration').sort();
  if (keys.length === 0) {
    w.line(level, `${title}:`, '<none>');
    return;
  }
  keys.forEach((k, i) => w.line(level, i === 0 ? `${title}:` : '', `${k}: ${map?.[k]}`));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** RFC 1123 with a numeric zone (`Mon, 02 Jan 2006 15:04:05 -0700`) in local time, as kubectl prints times. */
export function formatTime(timestamp: string | undefined): string {
  if (!timestamp) return '<unknown>';
  const d = new Date(timestamp);
  if (Number.isNaN(d.getTime())) return timestamp;
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const zone = `${sign}${pad(Math.trunc(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  return `${DAYS[d.getDay()]}, ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`;
}

/**
 * A timestamp's age in kubectl's human format. The registry's AGE column is the one place durations
 * are formatted, so this asks it rather than formatting a second way.
 */
export function ageOf(scheme: Scheme, timestamp: string | undefined, now: Date): string {
  const column = scheme.forKind('v1', 'ConfigMap')?.columns?.find((c) => c.name === 'AGE');
  return column ? column.value({ metadata: { creationTimestamp: timestamp } }, now) : '<unknown>';
}
