// Prints API objects in the chosen output format.

import type { ApiObject, KindInfo, Scheme } from '@minik8s/api';
import { objectRef } from '../resources';
import { valueText } from './jsonpath';
import type { OutputFormat } from './output';
import { listOf, toJsonText, toYamlText } from './serialize';
import { tableHeader, tableRow, tableText, type TableOptions } from './table';
import { TabWriter } from './tabwriter';

export interface Item {
  info: KindInfo;
  obj: ApiObject;
}

export interface PrintOptions extends Omit<TableOptions, 'wide'> {
  noHeaders: boolean;
  /** Print one object as itself rather than as a `kind: List` (a single named get). */
  single: boolean;
}

export class ObjectPrinter {
  /** Keeps column widths across calls, so watch rows line up with the header printed first. */
  private readonly tabs = new TabWriter({ padding: 3, rememberWidths: true });
  private headerPrinted = new Set<KindInfo>();

  constructor(
    private readonly scheme: Scheme,
    readonly format: OutputFormat,
    private readonly options: PrintOptions,
  ) {}

  json(item: Item): Record<string, unknown> {
    return this.scheme.toJson(item.info, item.obj) as Record<string, unknown>;
  }

  /** Everything in one go: tables per kind (blank line between kinds), or one document. */
  print(items: readonly Item[]): string {
    const format = this.format;
    switch (format.kind) {
      case 'table': {
        const groups: { info: KindInfo; items: Item[] }[] = [];
        for (const item of items) {
          const group = groups.find((g) => g.info === item.info);
          if (group) group.items.push(item);
          else groups.push({ info: item.info, items: [item] });
        }
        // Each kind's table is laid out on its own, as kubectl resets its widths between kinds.
        return groups
          .map((g) => {
            this.tabs.reset();
            return this.tabs.format(tableText(this.tableRows(g.info, g.items)));
          })
          .join('\n');
      }
      case 'custom-columns': {
        const rows = this.options.noHeaders ? [] : [format.columns.map((c) => c.header)];
        for (const item of items) rows.push(this.customColumnsRow(item));
        return new TabWriter({ padding: 3 }).format(tableText(rows));
      }
      case 'name':
        return items.map((i) => `${objectRef(i.info, i.obj)}\n`).join('');
      case 'yaml':
      case 'json': {
        const docs = items.map((i) => this.json(i));
        const value = this.options.single && docs.length === 1 ? docs[0] : listOf(docs);
        return format.kind === 'yaml' ? toYamlText(value) : toJsonText(value);
      }
      case 'jsonpath': {
        const docs = items.map((i) => this.json(i));
        return format.path.execute(this.options.single && docs.length === 1 ? docs[0] : listOf(docs));
      }
    }
  }

  /** One object as it arrives in a watch: a table row (with the header first time), or a document. */
  printWatched(item: Item): string {
    const format = this.format;
    switch (format.kind) {
      case 'table': {
        const rows = this.headerPrinted.has(item.info) ? [] : this.headerRows(item.info);
        this.headerPrinted.add(item.info);
        rows.push(tableRow(item.info, item.obj, this.tableOptions()));
        return this.tabs.format(tableText(rows));
      }
      case 'yaml':
        return `---\n${toYamlText(this.json(item))}`;
      case 'json':
        return toJsonText(this.json(item));
      case 'jsonpath':
        return format.path.execute(this.json(item));
      default:
        return this.print([item]);
    }
  }

  private tableOptions(): TableOptions {
    return { ...this.options, wide: this.format.kind === 'table' && this.format.wide };
  }

  private headerRows(info: KindInfo): string[][] {
    return this.options.noHeaders ? [] : [tableHeader(info, this.tableOptions())];
  }

  private tableRows(info: KindInfo, items: readonly Item[]): string[][] {
    this.headerPrinted.add(info);
    return [...this.headerRows(info), ...items.map((i) => tableRow(info, i.obj, this.tableOptions()))];
  }

  private customColumnsRow(item: Item): string[] {
    if (this.format.kind !== 'custom-columns') return [];
    const json = this.json(item);
    return this.format.columns.map((c) => {
      const values = c.path.values(json).filter((v) => v !== undefined && v !== null);
      return values.length === 0 ? '<none>' : values.map(valueText).join(',');
    });
  }
}
