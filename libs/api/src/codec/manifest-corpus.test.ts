import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { defaultScheme } from '../registry/default-scheme';

const corpusDir = join(__dirname, '..', '..', 'testdata', 'manifests');

function manifests(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return manifests(path);
    return entry.endsWith('.yaml') ? [path] : [];
  });
}

const scheme = defaultScheme();
const cases = manifests(corpusDir).flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((doc, i) => {
    const json = doc.toJS() as Record<string, unknown>;
    return { name: `${relative(corpusDir, file)}#${i} ${String(json.kind)}/${String((json.metadata as { name?: string })?.name)}`, json };
  }),
);

describe('manifest corpus', () => {
  it('covers every registered kind except the Scale and Binding subresource bodies', () => {
    const covered = new Set(cases.map((c) => `${String(c.json.apiVersion)}/${String(c.json.kind)}`));
    const missing = scheme
      .all()
      .filter((info) => !['Scale', 'Binding', 'PodTemplate'].includes(info.kind))
      .map((info) => `${info.group ? `${info.group}/` : ''}${info.version}/${info.kind}`)
      .filter((k) => !covered.has(k));
    expect(missing).toEqual([]);
  });

  it.each(cases)('$name round-trips through the typed object, protobuf and YAML', ({ json }) => {
    const { info, obj } = scheme.fromJson(json);
    const decoded = scheme.decode(info, scheme.encode(info, obj));
    const back = scheme.toJson(info, decoded);
    expect(back).toEqual(json);
    expect(parseAllDocuments(stringify(back))[0].toJS()).toEqual(json);
    expect(JSON.parse(JSON.stringify(back))).toEqual(json);
  });
});

describe('strict decoding', () => {
  it('names an unknown field with its path', () => {
    expect(() =>
      scheme.fromJson({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'a', imagee: 'b' }] } }),
    ).toThrow('unknown field "spec.containers[0].imagee"');
  });

  it('names a field of the wrong type', () => {
    expect(() => scheme.fromJson({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'three' } })).toThrow(
      'spec.replicas: expected an integer',
    );
  });

  it('refuses an unknown kind the way kubectl does', () => {
    expect(() => scheme.fromJson({ apiVersion: 'v1', kind: 'Pond', metadata: { name: 'x' } })).toThrow(
      'no matches for kind "Pond" in version "v1"',
    );
  });

  it('keeps intstr ports in both forms', () => {
    const { info, obj } = scheme.fromJson({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 81, targetPort: 'http' }] },
    });
    const back = scheme.toJson(info, scheme.decode(info, scheme.encode(info, obj))) as { spec: { ports: { targetPort: unknown }[] } };
    expect(back.spec.ports.map((p) => p.targetPort)).toEqual([8080, 'http']);
  });
});
