// `-o yaml` and `-o json`: keys sorted as kubectl prints them (its objects are maps), JSON indented by
// four spaces, YAML with sequences at their parent's indentation and no line folding.

import { stringify } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A deep copy with every object's keys sorted. */
export function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value as Json;
}

export function toJsonText(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 4)}\n`;
}

export function toYamlText(value: unknown): string {
  // YAML 1.1 quoting keeps strings such as "y", "on" and timestamps strings for YAML 1.1 readers.
  return stringify(sortKeys(value), { version: '1.1', indentSeq: false, lineWidth: 0, minContentWidth: 0 });
}

/** The `kind: List` wrapper kubectl prints around several objects. */
export function listOf(items: unknown[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}
