import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { downwardAPIPayload, opaqueServiceAccountToken, projectedPayload, secretPayload, VolumeMountError, type PayloadSources } from './volume-payloads';

const pod: corev1.Pod = {
  metadata: { name: 'web', namespace: 'ns1', uid: 'u-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'a "quoted" value' }, creationTimestamp: '2026-11-22T00:00:00Z' },
  spec: { serviceAccountName: 'builder', containers: [{ name: 'c', resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } } }] },
};

const sources: PayloadSources = {
  getConfigMap: async (_ns, name) => (name === 'cfg' ? { metadata: { name }, data: { a: 'from-cm', shared: 'cm' } } : undefined),
  getSecret: async (_ns, name) => (name === 'sec' ? { metadata: { name }, data: { pw: Buffer.from('s3cret'), shared: Buffer.from('secret') } } : undefined),
  ips: { hostIP: '10.0.0.1', podIP: '10.244.1.5' },
  node: { cpu: 2, memory: 8 * 1024 ** 3 },
};

const text = (p: Map<string, { data: Buffer; mode: number }>): Record<string, string> => Object.fromEntries([...p].map(([k, v]) => [k, v.data.toString()]));

describe('volume payloads', () => {
  it('downwardAPI: fields, labels and annotations in the kubelet format, resources by container', () => {
    const p = downwardAPIPayload(
      pod,
      'info',
      [
        { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
        { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
        { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
        { path: 'cpu', resourceFieldRef: { containerName: 'c', resource: 'requests.cpu', divisor: '1m' }, mode: 0o400 },
      ],
      0o644,
      sources,
    );
    expect(text(p)).toEqual({ name: 'web', labels: 'app="web"\ntier="front"', annotations: 'note="a \\"quoted\\" value"', app: 'web', mem: '64', cpu: '250' });
    expect(p.get('cpu')?.mode).toBe(0o400);
    expect(() => downwardAPIPayload(pod, 'info', [{ path: 'x', resourceFieldRef: { containerName: 'nope', resource: 'limits.cpu' } }], 0o644, sources)).toThrow(VolumeMountError);
  });

  it('projected: merges configMap, secret, downwardAPI and a token; later sources win', async () => {
    const p = await projectedPayload(
      pod,
      'all',
      {
        defaultMode: 0o440,
        sources: [
          { configMap: { name: 'cfg' } },
          { secret: { name: 'sec', items: [{ key: 'shared', path: 'shared' }] } },
          { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          { serviceAccountToken: { path: 'token', expirationSeconds: 600 } },
        ],
      },
      sources,
    );
    const files = text(p);
    expect(Object.keys(files).sort()).toEqual(['a', 'ns', 'shared', 'token']);
    expect(files.shared).toBe('secret');
    expect(files.ns).toBe('ns1');
    expect(p.get('a')?.mode).toBe(0o440);
    const claims = JSON.parse(Buffer.from(files.token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(claims.sub).toBe('system:serviceaccount:ns1:builder');
    expect(claims.exp).toBe(Date.parse('2026-11-22T00:00:00Z') / 1000 + 600);
    // Stable: refreshing the volume does not rewrite it.
    expect(opaqueServiceAccountToken(pod, { expirationSeconds: 600 })).toBe(files.token);
  });

  it('secret: a missing object or key fails the mount unless optional', async () => {
    await expect(secretPayload(pod, 'v', { name: 'missing' }, 0o644, sources)).rejects.toThrow('MountVolume.SetUp failed for volume "v" : secret "missing" not found');
    expect((await secretPayload(pod, 'v', { name: 'missing', optional: true }, 0o644, sources)).size).toBe(0);
    await expect(secretPayload(pod, 'v', { name: 'sec', items: [{ key: 'nokey', path: 'x' }] }, 0o644, sources)).rejects.toThrow(/references non-existent secret key: nokey/);
  });
});
