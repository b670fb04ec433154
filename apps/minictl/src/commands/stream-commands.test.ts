import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { parseFileSpec, renameTransform } from './cp';
import { parsePortMapping } from './port-forward';

const pod: corev1.Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] } };

describe('parsePortMapping', () => {
  const cases: [string, { local: number; remote: number } | RegExp][] = [
    ['8080', { local: 8080, remote: 8080 }],
    ['8888:80', { local: 8888, remote: 80 }],
    [':80', { local: 0, remote: 80 }],
    ['9000:http', { local: 9000, remote: 8080 }],
    ['http', { local: 8080, remote: 8080 }],
    ['9000:nope', /Pod 'p' does not have a named port 'nope'/],
    ['70000', /Remote port 70000 must be a valid port number/],
    ['1:2:3', /invalid port format '1:2:3'/],
  ];
  for (const [spec, want] of cases) {
    it(spec, () => {
      if (want instanceof RegExp) expect(() => parsePortMapping(spec, pod)).toThrow(want);
      else expect(parsePortMapping(spec, pod)).toEqual(want);
    });
  }
});

describe('parseFileSpec', () => {
  it('tells pod paths from local ones', () => {
    expect(parseFileSpec('web:/tmp/x')).toEqual({ local: false, namespace: undefined, pod: 'web', path: '/tmp/x' });
    expect(parseFileSpec('ns/web:/tmp/x')).toEqual({ local: false, namespace: 'ns', pod: 'web', path: '/tmp/x' });
    expect(parseFileSpec('/tmp/x')).toEqual({ local: true, path: '/tmp/x' });
    expect(parseFileSpec('a/b/c:d')).toEqual({ local: true, path: 'a/b/c:d' });
  });
});

describe('renameTransform', () => {
  it('renames the top entry only, escaping sed specials', () => {
    expect(renameTransform('a.txt', 'b&c')).toBe('--transform=s,^a\\.txt\\($\\|/\\),b\\&c\\1,S');
  });
});
