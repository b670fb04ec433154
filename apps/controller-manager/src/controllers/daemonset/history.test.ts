import { describe, expect, it } from 'vitest';
import type { appsv1, corev1 } from '@minik8s/api';
import { canonicalJson, computeHash, fnv32a, revisionMatches, revisionPatch, revisionsToDelete, revisionToKeep } from './history';

const TEMPLATE: corev1.PodTemplateSpec = {
  metadata: { labels: { app: 'agent' } },
  spec: { containers: [{ name: 'c', image: 'agent:1' }], volumes: [{ name: 'scratch', emptyDir: {} }] },
};

function ds(template: corev1.PodTemplateSpec = TEMPLATE): appsv1.DaemonSet {
  return { metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'agent' } }, template } };
}

function revision(name: string, n: number, hash?: string): appsv1.ControllerRevision {
  return { metadata: { name, labels: hash ? { 'controller-revision-hash': hash } : {} }, revision: n };
}

describe('hashing', () => {
  it('FNV-1a matches the reference values', () => {
    expect(fnv32a(Buffer.from(''))).toBe(0x811c9dc5);
    expect(fnv32a(Buffer.from('a'))).toBe(0xe40c292c);
    expect(fnv32a(Buffer.from('foobar'))).toBe(0xbf9cf968);
  });

  it('is stable, safe-alphabet, and changes with the template and the collision count', () => {
    const h = computeHash(TEMPLATE, undefined);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(computeHash(structuredClone(TEMPLATE), undefined)).toBe(h);
    expect(computeHash({ ...TEMPLATE, spec: { containers: [{ name: 'c', image: 'agent:2' }] } }, undefined)).not.toBe(h);
    expect(computeHash(TEMPLATE, 1)).not.toBe(h);
    expect(computeHash(TEMPLATE, 0)).not.toBe(h);
  });

  it('ignores what protobuf cannot tell apart (empty lists and maps vs absent)', () => {
    const noisy: corev1.PodTemplateSpec = {
      metadata: { labels: { app: 'agent' }, annotations: {} },
      spec: { ...TEMPLATE.spec, nodeSelector: {}, tolerations: [], initContainers: [] },
    };
    expect(computeHash(noisy, undefined)).toBe(computeHash(TEMPLATE, undefined));
  });
});

describe('revision data', () => {
  it('is a sorted-key patch replacing the template', () => {
    const patch = JSON.parse(revisionPatch(ds()).toString('utf8'));
    expect(patch).toEqual({
      spec: { template: { $patch: 'replace', metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:1' }], volumes: [{ name: 'scratch', emptyDir: {} }] } } },
    });
    expect(revisionPatch(ds()).toString('utf8').startsWith('{"spec":{"template":{"$patch":"replace","metadata"')).toBe(true);
  });

  it('matches the revision recorded from the same template only', () => {
    const rev: appsv1.ControllerRevision = { data: { raw: revisionPatch(ds()) } };
    expect(revisionMatches(ds(structuredClone(TEMPLATE)), rev)).toBe(true);
    expect(revisionMatches(ds({ ...TEMPLATE, metadata: { labels: { app: 'agent', v: '2' } } }), rev)).toBe(false);
    expect(revisionMatches(ds(), {})).toBe(false);
  });

  it('canonicalJson sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});

describe('revisionsToDelete', () => {
  const old = [revision('r3', 3, 'h3'), revision('r1', 1, 'h1'), revision('r2', 2, 'h2'), revision('r4', 4)];

  it.each<{ name: string; limit: number; live: string[]; want: string[] }>([
    { name: 'within the limit', limit: 4, live: [], want: [] },
    { name: 'the oldest beyond the limit', limit: 2, live: [], want: ['r1', 'r2'] },
    { name: 'skips revisions that pods still run', limit: 2, live: ['h1'], want: ['r2', 'r3'] },
    { name: 'limit 0 removes all but live ones', limit: 0, live: ['h3'], want: ['r1', 'r2', 'r4'] },
  ])('$name', ({ limit, live, want }) => {
    expect(revisionsToDelete(old, limit, new Set(live)).map((r) => r.metadata?.name)).toEqual(want);
  });

  it('keeps the highest of duplicate current revisions', () => {
    expect(revisionToKeep([revision('a', 2), revision('b', 5), revision('c', 5), revision('d', 1)]).metadata?.name).toBe('c');
  });
});
