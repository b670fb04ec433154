import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import {
  findPort,
  formatTriggerTime,
  podEndpointsChanged,
  podIPs,
  serviceSelector,
  servicesToUpdateOnPodChange,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './endpoint-util';
import { FakeLister, intPort, namedPort, pod, service } from './test-support';

describe('shouldPodBeInEndpoints', () => {
  const cases: [string, corev1.Pod, boolean, boolean][] = [
    // name, pod, includeTerminating=false, includeTerminating=true
    ['running with an IP', pod('a'), true, true],
    ['not ready still belongs', pod('a', { ready: false }), true, true],
    ['pending with an IP', pod('a', { phase: 'Pending' }), true, true],
    ['no IP yet', pod('a', { ips: [] }), false, false],
    ['succeeded', pod('a', { phase: 'Succeeded' }), false, false],
    ['failed', pod('a', { phase: 'Failed' }), false, false],
    ['terminating', pod('a', { deleting: true }), false, true],
  ];
  it.each(cases)('%s', (_name, p, without, withTerminating) => {
    expect(shouldPodBeInEndpoints(p, false)).toBe(without);
    expect(shouldPodBeInEndpoints(p, true)).toBe(withTerminating);
  });

  it('takes status.podIP when podIPs is empty', () => {
    const p = pod('a');
    p.status = { ...p.status, podIPs: [], podIP: '10.244.1.7' };
    expect(podIPs(p)).toEqual(['10.244.1.7']);
    expect(shouldPodBeInEndpoints(p, false)).toBe(true);
  });
});

describe('shouldSetHostname', () => {
  const cases: [string, corev1.Pod, boolean][] = [
    ['hostname and subdomain = service name', pod('a', { hostname: 'web-0', subdomain: 'web' }), true],
    ['subdomain of another service', pod('a', { hostname: 'web-0', subdomain: 'other' }), false],
    ['no subdomain', pod('a', { hostname: 'web-0' }), false],
    ['subdomain but no hostname', pod('a', { subdomain: 'web' }), false],
    ['another namespace', pod('a', { hostname: 'web-0', subdomain: 'web', namespace: 'other' }), false],
  ];
  it.each(cases)('%s', (_name, p, expected) => {
    expect(shouldSetHostname(p, service('web'))).toBe(expected);
  });
});

describe('findPort', () => {
  const ports: corev1.ContainerPort[] = [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { name: 'dns', containerPort: 5353, protocol: 'UDP' },
    { name: 'metrics', containerPort: 9090 },
  ];
  const p = pod('a', { ports });
  const cases: [string, corev1.ServicePort, number | undefined][] = [
    ['a number is used as is', { port: 80, targetPort: intPort(8081) }, 8081],
    ['no targetPort means the service port', { port: 80 }, 80],
    ['a name resolves to the containerPort', { port: 80, targetPort: namedPort('http') }, 8080],
    ['a name matches with its protocol', { port: 53, protocol: 'UDP', targetPort: namedPort('dns') }, 5353],
    ['a name with another protocol does not match', { port: 53, protocol: 'TCP', targetPort: namedPort('dns') }, undefined],
    ['protocols default to TCP', { port: 9, targetPort: namedPort('metrics') }, 9090],
    ['an unknown name resolves to nothing', { port: 80, targetPort: namedPort('https') }, undefined],
  ];
  it.each(cases)('%s', (_name, servicePort, expected) => {
    expect(findPort(p, servicePort)).toBe(expected);
  });

  it('finds named ports of sidecar init containers, not of ordinary ones', () => {
    const withInit = pod('a');
    withInit.spec = {
      ...withInit.spec,
      initContainers: [
        { name: 'setup', image: 'busybox', ports: [{ name: 'setup', containerPort: 1111 }] },
        { name: 'proxy', image: 'envoy', restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 15001 }] },
      ],
    };
    expect(findPort(withInit, { port: 80, targetPort: namedPort('proxy') })).toBe(15001);
    expect(findPort(withInit, { port: 80, targetPort: namedPort('setup') })).toBeUndefined();
  });
});

describe('serviceSelector', () => {
  it('is undefined for a Service without a selector, or an empty one', () => {
    expect(serviceSelector(service('x', { selector: undefined }))).toBeUndefined();
    expect(serviceSelector(service('x', { selector: {} }))).toBeUndefined();
    expect(serviceSelector(service('x'))?.matches({ app: 'web', tier: 'fe' })).toBe(true);
  });
});

describe('pod updates', () => {
  const base = pod('a', { resourceVersion: '1' });
  const bump = (p: corev1.Pod, change: (p: corev1.Pod) => void): corev1.Pod => {
    const next = structuredClone(p);
    next.metadata = { ...next.metadata, resourceVersion: '2' };
    change(next);
    return next;
  };
  const cases: [string, (p: corev1.Pod) => void, boolean, boolean][] = [
    ['readiness', (p) => (p.status = { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] }), true, false],
    ['deletion begins', (p) => (p.metadata = { ...p.metadata, deletionTimestamp: '2024-05-01T12:00:00Z' }), true, false],
    ['IP', (p) => (p.status = { ...p.status, podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }] }), true, false],
    ['phase to Failed', (p) => (p.status = { ...p.status, phase: 'Failed' }), true, false],
    ['labels', (p) => (p.metadata = { ...p.metadata, labels: { app: 'api' } }), false, true],
    ['hostname', (p) => (p.spec = { ...p.spec, hostname: 'h' }), false, true],
    ['an annotation', (p) => (p.metadata = { ...p.metadata, annotations: { a: 'b' } }), false, false],
  ];
  it.each(cases)('%s', (_name, change, podChanged, labelsChanged) => {
    expect(podEndpointsChanged(base, bump(base, change))).toEqual({ podChanged, labelsChanged });
  });

  const services = new FakeLister<corev1.Service>([
    service('web'),
    service('api', { selector: { app: 'api' } }),
    service('all-web', { selector: { app: 'web' } }),
    service('manual', { selector: undefined }),
  ]);
  it('concerns no Service on a resync or an irrelevant change', () => {
    expect(servicesToUpdateOnPodChange(services, base, base)).toEqual(new Set());
    expect(servicesToUpdateOnPodChange(services, base, bump(base, (p) => (p.metadata = { ...p.metadata, annotations: { a: 'b' } })))).toEqual(new Set());
  });
  it('concerns the Services selecting the pod when its endpoint changes', () => {
    const cur = bump(base, (p) => (p.status = { ...p.status, conditions: [] }));
    expect(servicesToUpdateOnPodChange(services, base, cur)).toEqual(new Set(['default/web', 'default/all-web']));
  });
  it('concerns only the Services a relabelled pod joined or left', () => {
    const cur = bump(base, (p) => (p.metadata = { ...p.metadata, labels: { app: 'api' } }));
    expect(servicesToUpdateOnPodChange(services, base, cur)).toEqual(new Set(['default/web', 'default/all-web', 'default/api']));
    const alsoWeb = bump(base, (p) => (p.metadata = { ...p.metadata, labels: { app: 'web', extra: 'x' } }));
    expect(servicesToUpdateOnPodChange(services, base, alsoWeb)).toEqual(new Set());
  });
  it('concerns old and new Services when both labels and endpoint change', () => {
    const cur = bump(base, (p) => {
      p.metadata = { ...p.metadata, labels: { app: 'web', extra: 'x' } };
      p.status = { ...p.status, conditions: [] };
    });
    expect(servicesToUpdateOnPodChange(services, base, cur)).toEqual(new Set(['default/web', 'default/all-web']));
  });
});

describe('formatTriggerTime', () => {
  it('prints RFC 3339 without empty fractions', () => {
    expect(formatTriggerTime(Date.parse('2024-05-01T12:00:00Z'))).toBe('2024-05-01T12:00:00Z');
    expect(formatTriggerTime(Date.parse('2024-05-01T12:00:00.250Z'))).toBe('2024-05-01T12:00:00.25Z');
  });
});
