import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { translateServicePort } from './service-ports';

const pod: corev1.Pod = { metadata: { name: 'web-1' }, spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] } };
const svc: corev1.Service = {
  metadata: { name: 'web' },
  spec: {
    clusterIP: '10.96.0.20',
    ports: [
      { name: 'web', port: 80, targetPort: { type: 1, strVal: 'http' } },
      { name: 'admin', port: 9000, targetPort: { type: 0, intVal: 9090 } },
      { name: 'plain', port: 7000 },
      { name: 'lost', port: 7100, targetPort: { type: 1, strVal: 'nope' } },
    ],
  },
};

describe("translateServicePort (kubectl's translateServicePortToTargetPort)", () => {
  it.each([
    ['80', '80:8080'],
    ['8888:80', '8888:8080'],
    [':80', ':8080'],
    ['web', '80:8080'],
    ['5000:web', '5000:8080'],
    ['9000', '9000:9090'],
    ['7000', '7000'],
  ])('%s -> %s', (spec, want) => {
    expect(translateServicePort(spec, svc, pod)).toBe(want);
  });

  it.each([
    ['81', 'Service web does not have a service port 81'],
    ['nope', "Service 'web' does not have a named port 'nope'"],
    ['7100', "Pod 'web-1' does not have a named port 'nope'"],
  ])('%s fails: %s', (spec, message) => {
    expect(() => translateServicePort(spec, svc, pod)).toThrow(message);
  });

  it('forwards to the port as given for a headless Service', () => {
    expect(translateServicePort('80', { ...svc, spec: { ...svc.spec, clusterIP: 'None' } }, pod)).toBe('80');
  });
});
