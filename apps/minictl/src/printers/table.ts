// The human-readable table of `minictl get`: the kind's registry columns, optionally with the wide
// ones, a NAMESPACE column first for -A, `kind/name` names when several kinds are shown, label
// columns (-L) and a LABELS column (--show-labels).

import type { ApiObject, KindInfo, TableColumn } from '@minik8s/api';
import { kindRef } from '../resources';

export interface TableOptions {
  wide: boolean;
  withNamespace: boolean;
  withKind: boolean;
  showLabels: boolean;
  labelColumns: string[];
  now: Date;
}

const NAME_ONLY: readonly TableColumn<ApiObject>[] = [{ name: 'NAME', value: (obj) => obj.metadata?.name ?? '' }];

function columnsOf(info: KindInfo, wide: boolean): readonly TableColumn<ApiObject>[] {
  return (info.columns ?? NAME_ONLY).filter((c) => wide || !c.wide);
}

function labelHeader(key: string): string {
  const parts = key.split('/');
  return parts[parts.length - 1].toUpperCase();
}

export function tableHeader(info: KindInfo, options: TableOptions): string[] {
  const header = columnsOf(info, options.wide).map((c) => c.name);
  if (options.withNamespace && info.namespaced) header.unshift('NAMESPACE');
  header.push(...options.labelColumns.map(labelHeader));
  if (options.showLabels) header.push('LABELS');
  return header;
}

function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels?.[k]}`).join(',');
}

export function tableRow(info: KindInfo, obj: ApiObject, options: TableOptions): string[] {
  const row = columnsOf(info, options.wide).map((c) => {
    const value = c.value(obj, options.now);
    return c.name === 'NAME' && options.withKind ? `${kindRef(info)}/${value}` : value;
  });
  if (options.withNamespace && info.namespaced) row.unshift(obj.metadata?.namespace ?? '');
  const labels = obj.metadata?.labels ?? {};
  row.push(...options.labelColumns.map((key) => labels[key] ?? ''));
  if (options.showLabels) row.push(formatLabels(labels));
  return row;
}

/** Rows as tab-separated lines, for the tab writer. Tabs and newlines inside cells become spaces. */
export function tableText(rows: readonly string[][]): string {
  return rows.map((cells) => `${cells.map((c) => c.replace(/[\t\n\r]/g, ' ')).join('\t')}\n`).join('');
}
