import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { defaultScheme } from '../registry/default-scheme';
import { ProtobufFieldsError } from './protobuf-fields';
import { resourceVersionSpliceWorks, spliceResourceVersion } from './resource-version-splice';

const scheme = defaultScheme();
const corpusDir = join(__dirname, '..', '..', 'testdata', 'manifests');

function manifests(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return manifests(path);
    return entry.endsWith('.yaml') ? [path] : [];
  });
}

const corpus = manifests(corpusDir).flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS() as Record<string, unknown>));

describe('spliceResourceVersion', () => {
  it('holds for every registered kind', () => {
    const failing = scheme
      .all()
      .filter((info) => !resourceVersionSpliceWorks((obj) => scheme.encode(info, obj), (bytes) => scheme.decode(info, bytes)))
      .map((info) => info.kind);
    expect(failing).toEqual([]);
  });

  it('gives what a full encode with the resourceVersion decodes to, for every manifest of the corpus', () => {
    expect(corpus.length).toBeGreaterThan(20);
    for (const json of corpus) {
      const { info, obj } = scheme.fromJson(json);
      const bare = scheme.encode(info, { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } });
      const spliced = scheme.decode(info, spliceResourceVersion(bare, '4242'));
      const full = scheme.decode(info, scheme.encode(info, { ...obj, metadata: { ...obj.metadata, resourceVersion: '4242' } }));
      expect(scheme.toJson(info, spliced)).toEqual(scheme.toJson(info, full));
    }
  });

  it('rewrites a metadata length whose varint grows by a byte', () => {
    const info = scheme.forKind('v1', 'ConfigMap')!;
    // 2 + 119 + 2 + 4 bytes of name and namespace fields: 127 bytes of ObjectMeta, one varint byte; the splice makes it two.
    const obj = { metadata: { name: 'n'.repeat(119), namespace: 'ns' }, data: { k: 'v' } };
    const bare = scheme.encode(info, obj);
    const spliced = spliceResourceVersion(bare, '18446744073709551615');
    expect(spliced.length).toBe(bare.length + 1 + 2 + 20);
    expect(scheme.decode(info, spliced)).toEqual(scheme.decode(info, scheme.encode(info, { ...obj, metadata: { ...obj.metadata, resourceVersion: '18446744073709551615' } })));
  });

  it('adds metadata to an object without any, and overrides a resourceVersion already there', () => {
    const info = scheme.forKind('v1', 'Pod')!;
    expect(scheme.decode(info, spliceResourceVersion(scheme.encode(info, {}), '7')).metadata?.resourceVersion).toBe('7');
    const stale = scheme.encode(info, { metadata: { name: 'p', resourceVersion: '5' } });
    expect(scheme.decode(info, spliceResourceVersion(stale, '9')).metadata).toMatchObject({ name: 'p', resourceVersion: '9' });
  });

  it('leaves the bytes alone for an empty resourceVersion', () => {
    const info = scheme.forKind('v1', 'Pod')!;
    const bare = scheme.encode(info, { metadata: { name: 'p' } });
    expect(Buffer.compare(spliceResourceVersion(bare, ''), Buffer.from(bare))).toBe(0);
  });

  it('refuses bytes that are not a message', () => {
    expect(() => spliceResourceVersion(Uint8Array.from([0x1a, 0x05, 0x01]), '1')).toThrow(ProtobufFieldsError);
    expect(() => spliceResourceVersion(Uint8Array.from([0x0b]), '1')).toThrow(ProtobufFieldsError);
  });
});
