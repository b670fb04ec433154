/** Plain-text tables with aligned columns, for terminal output. */

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
}

/** Renders rows under headers; numbers should already be formatted as strings. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number): string =>
    (columns[i].align ?? 'right') === 'left' ? text.padEnd(widths[i]) : text.padStart(widths[i]);
  const line = (cells: readonly string[]): string => '  ' + cells.map((c, i) => cell(c, i)).join('  ').trimEnd();
  const rule = '  ' + widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(columns.map((c) => c.header)), rule, ...rows.map((r) => line(r))].join('\n');
}

/** A count or rate with thousands separators: 12,345. */
export function fmtInt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds with a precision that suits their size: 0.42, 3.1, 250. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return ms.toFixed(2);
  if (ms < 10) return ms.toFixed(1);
  return Math.round(ms).toLocaleString('en-US');
}

/** A ratio as a percentage: 0.537 → "54%". */
export function fmtPct(ratio: number): string {
  if (!Number.isFinite(ratio)) return '-';
  return `${Math.round(ratio * 100)}%`;
}

export function fmtBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function heading(title: string): string {
  return `\n${title}\n${'='.repeat(title.length)}`;
}
