import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { ContainerConfigError, expandCommand, expandVars, resolveEnv, type EnvSources } from './env';

const pod: corev1.Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u-1', labels: { app: 'web' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'c', resources: { limits: { memory: '64Mi', cpu: '250m' } } }] },
};

const sources: EnvSources = {
  getConfigMap: async (_ns, name) => (name === 'cm' ? { metadata: { name }, data: { a: '1', b: '2' } } : undefined),
  getSecret: async (_ns, name) => (name === 's' ? { metadata: { name }, data: { token: Buffer.from('t0k') } } : undefined),
};

const ips = { hostIP: '10.0.0.1', podIP: '10.244.1.5' };

describe('expandVars', () => {
  it.each([
    ['$(A)-$(B)', 'x-y'],
    ['$$(A)', '$(A)'],
    ['$(MISSING)', '$(MISSING)'],
    ['cost $5', 'cost $5'],
    ['$(A', '$(A'],
  ])('%s → %s', (input, out) => {
    expect(expandVars(input, new Map([['A', 'x'], ['B', 'y']]))).toBe(out);
  });
});

describe('resolveEnv', () => {
  it('resolves values, field refs, resource refs, ConfigMap and Secret keys, and envFrom', async () => {
    const container: corev1.Container = {
      name: 'c',
      resources: { limits: { memory: '64Mi', cpu: '250m' } },
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }, { secretRef: { name: 's' } }],
      env: [
        { name: 'PLAIN', value: 'v' },
        { name: 'REF', value: '$(PLAIN)-$(CM_a)' },
        { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
        { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'b' } } },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'token' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
      ],
    };
    const env = Object.fromEntries((await resolveEnv(pod, container, sources, ips)).map((e) => [e.name, e.value]));
    expect(env).toEqual({
      CM_a: '1',
      CM_b: '2',
      token: 't0k',
      PLAIN: 'v',
      REF: 'v-1',
      NAME: 'p',
      NS: 'ns',
      UID: 'u-1',
      NODE: 'n1',
      SA: 'sa',
      APP: 'web',
      NOTE: 'hi',
      HOST_IP: '10.0.0.1',
      POD_IP: '10.244.1.5',
      MEM: '64',
      CPU: '250',
      B: '2',
      TOKEN: 't0k',
    });
  });

  it('fails with CreateContainerConfigError messages for missing objects and keys', async () => {
    const missingCm: corev1.Container = { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x' } } }] };
    await expect(resolveEnv(pod, missingCm, sources, ips)).rejects.toThrow('configmap "nope" not found');
    const missingKey: corev1.Container = { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'zz' } } }] };
    await expect(resolveEnv(pod, missingKey, sources, ips)).rejects.toThrow("couldn't find key zz in ConfigMap ns/cm");
    const missingSecret: corev1.Container = { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'x' } } }] };
    const err = await resolveEnv(pod, missingSecret, sources, ips).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect((err as ContainerConfigError).reason).toBe('CreateContainerConfigError');
  });

  it('expands $(VAR) in command and args', () => {
    const out = expandCommand({ name: 'c', command: ['echo', '$(A)'], args: ['$(B)', '$$(A)'] }, [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    expect(out).toEqual({ command: ['echo', '1'], args: ['2', '$(A)'] });
  });
});
