// How `kubectl events` shows events: oldest first by when each last happened, LAST SEEN as the age of
// the first sighting (or `5m (x3 over 10m)` for a repeated one), OBJECT as the involved object's
// `Kind/name`. Pure, so the layout is tested without a server.

import { timestampAge, type corev1 } from '@minik8s/api';
import { CliError } from '../errors';
import { tableText } from '../printers/table';
import { TabWriter } from '../printers/tabwriter';

/** The event types `--types` accepts (case-insensitively, as kubectl compares them). */
export const EVENT_TYPES: readonly string[] = ['Normal', 'Warning'];

/**
 * The values of `--types` (repeatable and comma separated, as a pflag string slice), checked and
 * without duplicates. Empty: every type.
 */
export function parseEventTypes(values: readonly string[]): string[] {
  const types = [...new Set(values.flatMap((v) => v.split(',')).filter((t) => t !== ''))].sort();
  for (const t of types) {
    if (!EVENT_TYPES.some((known) => known.toLowerCase() === t.toLowerCase())) throw new CliError('valid --types are Normal or Warning');
  }
  return types;
}

/** Whether an event of type `type` is to be shown under `--types`. */
export function typeSelected(types: readonly string[], type: string | undefined): boolean {
  return types.length === 0 || types.some((t) => t.toLowerCase() === (type ?? '').toLowerCase());
}

function millis(timestamp: string | undefined): number {
  const t = Date.parse(timestamp ?? '');
  // Go's zero time sorts before every real one; an absent or unreadable time stands for it.
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/**
 * When an event last happened, for ordering: its series' last sighting, its lastTimestamp, its
 * eventTime (kubectl's eventTime()); then, where kubectl would use the zero time, its first
 * sighting or creation, so events written without timestamps still land near their neighbours.
 */
export function eventSortTime(e: corev1.Event): number {
  if (e.series) return millis(e.series.lastObservedTime);
  return millis(e.lastTimestamp || e.eventTime || e.firstTimestamp || e.metadata?.creationTimestamp);
}

/** Oldest first; events at the same time keep the server's order. */
export function sortEvents(events: readonly corev1.Event[]): corev1.Event[] {
  return [...events].sort((a, b) => {
    const ta = eventSortTime(a);
    const tb = eventSortTime(b);
    return ta === tb ? 0 : ta < tb ? -1 : 1;
  });
}

/** The LAST SEEN cell, as kubectl's getInterval. */
export function eventInterval(e: corev1.Event, now: Date): string {
  const first = timestampAge(e.eventTime || e.firstTimestamp, now);
  if (e.series) return `${timestampAge(e.series.lastObservedTime, now)} (x${e.series.count ?? 0} over ${first})`;
  const count = e.count ?? 0;
  if (count > 1) return `${timestampAge(e.lastTimestamp, now)} (x${count} over ${first})`;
  return first;
}

/** The OBJECT cell: kubectl prints the involved object's kind as recorded (`Pod/web-1`), not lower-cased. */
export function eventObject(e: corev1.Event): string {
  return `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`;
}

export interface EventTableOptions {
  noHeaders: boolean;
  allNamespaces: boolean;
}

/**
 * The events table. One instance serves a whole run: the header is printed once, and column widths
 * are remembered so rows printed later by a watch stay aligned with the ones before.
 */
export class EventTable {
  // kubectl's GetNewTabWriter: minimum cell width 6, padding 3, widths remembered across flushes.
  private readonly tabs = new TabWriter({ padding: 3, minWidth: 6, rememberWidths: true });
  private headerPrinted = false;

  constructor(private readonly options: EventTableOptions) {}

  header(): string[] {
    return [...(this.options.allNamespaces ? ['NAMESPACE'] : []), 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
  }

  row(e: corev1.Event, now: Date): string[] {
    return [
      ...(this.options.allNamespaces ? [e.metadata?.namespace ?? ''] : []),
      eventInterval(e, now),
      e.type ?? '',
      e.reason ?? '',
      eventObject(e),
      (e.message ?? '').trim(),
    ];
  }

  /** Rows for `events`, preceded by the header the first time (unless --no-headers). */
  format(events: readonly corev1.Event[], now: Date): string {
    const rows: string[][] = [];
    if (!this.options.noHeaders && !this.headerPrinted) {
      rows.push(this.header());
      this.headerPrinted = true;
    }
    rows.push(...events.map((e) => this.row(e, now)));
    return this.tabs.format(tableText(rows));
  }
}

/** The document `-o json|yaml` prints: kubectl wraps the events in an `EventList`, not a `List`. */
export function eventList(items: readonly unknown[]): Record<string, unknown> {
  return { apiVersion: 'v1', items: [...items], kind: 'EventList', metadata: {} };
}
