import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScheme } from '@minik8s/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeManifest, parseDocuments, readManifests } from './manifests';

const scheme = defaultScheme();

describe('parseDocuments', () => {
  it('splits multi-document YAML and skips empty documents', () => {
    const docs = parseDocuments('a: 1\n---\n---\nb: 2\n', 'f.yaml');
    expect(docs).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('expands kind: List', () => {
    const docs = parseDocuments(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ kind: 'Pod' }, { kind: 'Service' }] }), 'f.json');
    expect(docs).toEqual([{ kind: 'Pod' }, { kind: 'Service' }]);
  });

  it('names the file on a syntax error', () => {
    expect(() => parseDocuments('a: [1, 2\n', 'bad.yaml')).toThrow(/^error parsing bad\.yaml: /);
  });
});

describe('decodeManifest', () => {
  it('decodes a typed object', () => {
    const m = decodeManifest(scheme, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } }, 'c.yaml');
    expect(m.info.kind).toBe('ConfigMap');
    expect(m.json).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
  });

  it('names the file and the unknown field', () => {
    const doc = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', imagee: 'x' }] } };
    expect(() => decodeManifest(scheme, doc, 'pod.yaml')).toThrow(
      'error validating "pod.yaml": error validating data: unknown field "spec.containers[0].imagee"',
    );
  });

  it('reports kinds the scheme does not know', () => {
    expect(() => decodeManifest(scheme, { apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } }, 'w.yaml')).toThrow(
      'resource mapping not found for name: "w" namespace: "" from "w.yaml": no matches for kind "Widget" in version "v1"',
    );
  });
});

describe('readManifests', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'minictl-manifests-'));
    writeFileSync(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\nbogus: 1\n');
    writeFileSync(join(dir, 'b.json'), '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}');
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'c.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a directory (recursively with -R), keeping good documents and reporting bad ones', async () => {
    const readStdin = async (): Promise<string> => '';
    const flat = await readManifests(scheme, [dir], { recursive: false, readStdin });
    expect(flat.manifests.map((m) => m.obj.metadata?.name)).toEqual(['a', 'b']);
    expect(flat.errors.map((e) => e.message)).toEqual([`error validating "${join(dir, 'a.yaml')}": error validating data: unknown field "bogus"`]);
    const deep = await readManifests(scheme, [dir], { recursive: true, readStdin });
    expect(deep.manifests.map((m) => m.obj.metadata?.name)).toEqual(['a', 'b', 'c']);
  });

  it('reads stdin for - and reports missing paths', async () => {
    const result = await readManifests(scheme, ['-', join(dir, 'missing.yaml')], {
      recursive: false,
      readStdin: async () => 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n',
    });
    expect(result.manifests.map((m) => [m.source, m.info.kind])).toEqual([['STDIN', 'Namespace']]);
    expect(result.errors[0].message).toBe(`the path "${join(dir, 'missing.yaml')}" does not exist`);
  });
});
