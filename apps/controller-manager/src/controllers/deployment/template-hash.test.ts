import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { canonicalJson, computeHash, equalIgnoreHash, fnv32a, safeEncodeString, templateWithoutHash } from './template-hash';

const TEMPLATE: corev1.PodTemplateSpec = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } };

describe('computeHash', () => {
  // Pinned: a hash that changed between releases would make every Deployment roll out again.
  const golden: { name: string; template: corev1.PodTemplateSpec; collisionCount?: number; want: string }[] = [
    { name: 'a template', template: TEMPLATE, want: '6c8d7489d5' },
    { name: 'with collisionCount 0', template: TEMPLATE, collisionCount: 0, want: '7766c89dcc' },
    { name: 'with collisionCount 1', template: TEMPLATE, collisionCount: 1, want: '5fccbbddbd' },
  ];
  it.each(golden)('is stable: $name', ({ template, collisionCount, want }) => {
    expect(computeHash(template, collisionCount)).toBe(want);
  });

  const same: { name: string; other: corev1.PodTemplateSpec }[] = [
    { name: 'keys in another order', other: { spec: { containers: [{ image: 'nginx:1.27', name: 'web' }] }, metadata: { labels: { app: 'web' } } } },
    { name: 'empty maps and lists added', other: { metadata: { labels: { app: 'web' }, annotations: {} }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', env: [] }], volumes: [] } } },
    { name: 'undefined fields added', other: { metadata: { labels: { app: 'web' }, name: undefined }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', command: undefined }] } } },
  ];
  it.each(same)('ignores what does not change meaning: $name', ({ other }) => {
    expect(computeHash(other)).toBe(computeHash(TEMPLATE));
  });

  const different: { name: string; other: corev1.PodTemplateSpec }[] = [
    { name: 'another image', other: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } },
    { name: 'another label', other: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: TEMPLATE.spec } },
    { name: 'containers in another order', other: { metadata: TEMPLATE.metadata, spec: { containers: [{ name: 'b', image: 'x' }, { name: 'a', image: 'y' }] } } },
  ];
  it.each(different)('changes with the template: $name', ({ other }) => {
    expect(computeHash(other)).not.toBe(computeHash(TEMPLATE));
  });

  it('spells only consonants and digits that cannot form words', () => {
    for (let i = 0; i < 50; i++) {
      expect(computeHash(TEMPLATE, i)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    }
  });
});

describe('the pieces', () => {
  it('fnv32a matches the reference vectors', () => {
    expect(fnv32a(Buffer.from(''))).toBe(0x811c9dc5);
    expect(fnv32a(Buffer.from('a'))).toBe(0xe40c292c);
    expect(fnv32a(Buffer.from('foobar'))).toBe(0xbf9cf968);
  });

  it('safeEncodeString maps each character by its code', () => {
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });

  it('canonicalJson sorts keys and drops empties', () => {
    expect(canonicalJson({ b: 1, a: { d: [], c: 'x' }, e: null })).toBe('{"a":{"c":"x"},"b":1}');
  });
});

describe('equalIgnoreHash', () => {
  const hashed: corev1.PodTemplateSpec = { ...TEMPLATE, metadata: { labels: { app: 'web', 'pod-template-hash': '6c8d7489d5' } } };
  it('ignores the pod-template-hash label', () => {
    expect(equalIgnoreHash(TEMPLATE, hashed)).toBe(true);
    expect(equalIgnoreHash(hashed, { ...hashed, metadata: { labels: { app: 'web', 'pod-template-hash': 'other' } } })).toBe(true);
  });
  it('sees any other difference', () => {
    expect(equalIgnoreHash(TEMPLATE, { ...TEMPLATE, spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } })).toBe(false);
  });
  it('templateWithoutHash does not touch its argument', () => {
    expect(templateWithoutHash(hashed).metadata?.labels).toEqual({ app: 'web' });
    expect(hashed.metadata?.labels?.['pod-template-hash']).toBe('6c8d7489d5');
  });
});
