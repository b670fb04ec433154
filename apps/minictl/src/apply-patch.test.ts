import type { JsonObject } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { contains, LAST_APPLIED_ANNOTATION, lastApplied, threeWayMergePatch, withLastApplied } from './apply-patch';

const config: JsonObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'kubia', namespace: 'default', labels: { app: 'kubia' } },
  spec: { containers: [{ name: 'kubia', image: 'luksa/kubia:v1', env: [{ name: 'A', value: '1' }] }] },
};

/** What the server stores after applying `applied`: its fields plus defaults and server-set metadata. */
function stored(input: JsonObject): JsonObject {
  const applied = structuredClone(input);
  const spec = applied.spec as { containers: JsonObject[] };
  return {
    ...applied,
    metadata: { ...(applied.metadata as JsonObject), uid: 'u1', resourceVersion: '7', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { ...spec, containers: spec.containers.map((c) => ({ ...c, imagePullPolicy: 'IfNotPresent' })), restartPolicy: 'Always' },
    status: { phase: 'Pending' },
  };
}

describe('withLastApplied', () => {
  it('records the configuration, sorted, without the annotation itself', () => {
    const modified = withLastApplied(config);
    const annotation = (modified.metadata as { annotations: Record<string, string> }).annotations[LAST_APPLIED_ANNOTATION];
    expect(annotation.endsWith('\n')).toBe(true);
    expect(JSON.parse(annotation)).toEqual(config);
    expect(annotation.indexOf('"apiVersion"')).toBeLessThan(annotation.indexOf('"kind"'));
    expect(lastApplied(withLastApplied(modified))).toEqual(config);
  });
});

describe('threeWayMergePatch', () => {
  it('is empty when the stored object already has every applied field', () => {
    const modified = withLastApplied(config);
    const current = stored(modified);
    expect(threeWayMergePatch(lastApplied(current), modified, current)).toEqual({});
  });

  it('sets changed fields and sends a changed list whole', () => {
    const current = stored(withLastApplied(config));
    const next = withLastApplied({
      ...config,
      metadata: { ...(config.metadata as JsonObject), labels: { app: 'kubia', tier: 'web' } },
      spec: { containers: [{ name: 'kubia', image: 'luksa/kubia:v2', env: [{ name: 'A', value: '1' }] }] },
    });
    const patch = threeWayMergePatch(lastApplied(current), next, current);
    expect((patch.metadata as JsonObject).labels).toEqual({ tier: 'web' });
    expect(patch.spec).toEqual({ containers: [{ name: 'kubia', image: 'luksa/kubia:v2', env: [{ name: 'A', value: '1' }] }] });
    expect(patch.status).toBeUndefined();
  });

  it('deletes what the last configuration had and the new one dropped, and nothing else', () => {
    const current = stored(withLastApplied(config));
    const next = withLastApplied({ ...config, metadata: { name: 'kubia', namespace: 'default' } });
    const patch = threeWayMergePatch(lastApplied(current), next, current);
    expect((patch.metadata as JsonObject).labels).toBeNull();
    expect((patch.metadata as JsonObject).uid).toBeUndefined();
    expect(patch.spec).toBeUndefined();
  });

  it('replaces a list whose element lost a field', () => {
    const current = stored(withLastApplied(config));
    const next = withLastApplied({ ...config, spec: { containers: [{ name: 'kubia', image: 'luksa/kubia:v1' }] } });
    const patch = threeWayMergePatch(lastApplied(current), next, current);
    expect(patch.spec).toEqual({ containers: [{ name: 'kubia', image: 'luksa/kubia:v1' }] });
  });

  it('overwrites a field someone else changed back to the applied value', () => {
    const current = stored(withLastApplied(config));
    (current.metadata as { labels: Record<string, string> }).labels.app = 'changed';
    const patch = threeWayMergePatch(lastApplied(current), withLastApplied(config), current);
    expect(patch).toEqual({ metadata: { labels: { app: 'kubia' } } });
  });

  it('adopts an object created without apply', () => {
    const current = stored(config);
    const modified = withLastApplied(config);
    const patch = threeWayMergePatch(lastApplied(current), modified, current);
    expect(Object.keys(patch)).toEqual(['metadata']);
    expect(Object.keys((patch.metadata as JsonObject).annotations as JsonObject)).toEqual([LAST_APPLIED_ANNOTATION]);
  });
});

describe('contains', () => {
  it('accepts extra fields but not extra or missing list elements', () => {
    expect(contains({ a: 1, b: 2 }, { a: 1 })).toBe(true);
    expect(contains([{ a: 1, b: 2 }], [{ a: 1 }])).toBe(true);
    expect(contains([{ a: 1 }, { a: 2 }], [{ a: 1 }])).toBe(false);
    expect(contains({ a: 1 }, { a: 2 })).toBe(false);
  });
});
