import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { defaultScheme } from '../registry/default-scheme';
import type { ApiObject } from '../scheme/kind-info';
import { formatFieldError } from '../validation/field-path';

const MANIFESTS = join(__dirname, '..', '..', 'testdata', 'manifests');
const GROUPS = ['apps-v1', 'batch-v1', 'coordination-v1', 'discovery-v1', 'storage-v1', 'scheduling-v1'];

interface Doc {
  file: string;
  index: number;
  json: unknown;
}

function documents(): Doc[] {
  const docs: Doc[] = [];
  for (const group of GROUPS) {
    for (const name of readdirSync(join(MANIFESTS, group)).filter((f) => f.endsWith('.yaml')).sort()) {
      const file = `${group}/${name}`;
      parseAllDocuments(readFileSync(join(MANIFESTS, file), 'utf8')).forEach((d, index) => docs.push({ file, index, json: d.toJSON() }));
    }
  }
  return docs;
}

const docs = documents();

describe('testdata manifests of the non-core groups', () => {
  it('are all found', () => {
    expect(new Set(docs.map((d) => d.file.split('/')[0]))).toEqual(new Set(GROUPS));
  });

  it.each(docs.map((d) => [`${d.file}#${d.index}`, d] as const))('%s validates after defaults', (_label, doc) => {
    const scheme = defaultScheme();
    const { info, obj } = scheme.fromJson(doc.json);
    const strategy = info.strategy;
    expect(strategy, `${info.kind} has a strategy`).toBeDefined();
    strategy?.applyDefaults?.(obj);
    // Jobs get their generated selector on create; the manifests that leave it out rely on that.
    if (info.kind === 'Job' && !(obj as { spec?: { selector?: unknown } }).spec?.selector) {
      const meta = (obj.metadata ??= {});
      meta.uid ??= '00000000-0000-4000-8000-000000000001';
      strategy?.prepareForCreate?.(obj);
      strategy?.applyDefaults?.(obj);
    }
    expect((strategy?.validate?.(obj) ?? []).map(formatFieldError)).toEqual([]);
  });

  it.each(docs.map((d) => [`${d.file}#${d.index}`, d] as const))('%s passes the create path and an unchanged update', (_label, doc) => {
    const scheme = defaultScheme();
    const { info, obj } = scheme.fromJson(doc.json);
    const strategy = info.strategy;
    // The apiserver's order: uid first, then prepareForCreate, applyDefaults and validate.
    const meta = (obj.metadata ??= {});
    meta.uid ??= '00000000-0000-4000-8000-000000000002';
    strategy?.prepareForCreate?.(obj);
    strategy?.applyDefaults?.(obj);
    expect((strategy?.validate?.(obj) ?? []).map(formatFieldError)).toEqual([]);

    // What etcd gives back decodes with empty maps and lists where JSON had none.
    const stored = scheme.decode(info, scheme.encode(info, obj));
    const next: ApiObject = scheme.decode(info, scheme.encode(info, stored));
    strategy?.applyDefaults?.(next);
    strategy?.prepareForUpdate?.(next, stored);
    const errs = strategy?.validateUpdate?.(next, stored) ?? strategy?.validate?.(next) ?? [];
    expect(errs.map(formatFieldError)).toEqual([]);
  });
});
