import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { intPort, namedPort, pod, service, type PodOptions } from '../endpointslice/test-support';
import { computeSubsets, subsetsEqual, truncateSubsets } from './subsets';

/** The address the Endpoints lists for pod `name` (defaults as in pod()). */
function addr(name: string, ip: string, extra: Partial<corev1.EndpointAddress> = {}): corev1.EndpointAddress {
  return { ip, targetRef: { kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` }, nodeName: 'node-a', ...extra };
}

const HTTP: corev1.EndpointPort = { name: 'http', port: 8080, protocol: 'TCP' };

describe('computeSubsets: readiness', () => {
  const cases: [string, PodOptions[], corev1.Service, corev1.EndpointSubset[]][] = [
    [
      'ready pods are addresses, sorted by IP',
      [{ ip: '10.244.0.3' }, { ip: '10.244.0.1' }],
      service('web'),
      [{ addresses: [addr('p1', '10.244.0.1'), addr('p0', '10.244.0.3')], ports: [HTTP] }],
    ],
    [
      'a not-ready pod is a notReadyAddress in the same subset',
      [{ ip: '10.244.0.1' }, { ip: '10.244.0.2', ready: false }],
      service('web'),
      [{ addresses: [addr('p0', '10.244.0.1')], notReadyAddresses: [addr('p1', '10.244.0.2')], ports: [HTTP] }],
    ],
    [
      'publishNotReadyAddresses makes every pod an address',
      [{ ip: '10.244.0.1' }, { ip: '10.244.0.2', ready: false }],
      service('web', { publishNotReadyAddresses: true }),
      [{ addresses: [addr('p0', '10.244.0.1'), addr('p1', '10.244.0.2')], ports: [HTTP] }],
    ],
    [
      'a terminating pod is left out',
      [{ ip: '10.244.0.1' }, { ip: '10.244.0.2', deleting: true }],
      service('web'),
      [{ addresses: [addr('p0', '10.244.0.1')], ports: [HTTP] }],
    ],
    [
      'a terminating pod stays with publishNotReadyAddresses',
      [{ ip: '10.244.0.1' }, { ip: '10.244.0.2', deleting: true }],
      service('web', { publishNotReadyAddresses: true }),
      [{ addresses: [addr('p0', '10.244.0.1'), addr('p1', '10.244.0.2')], ports: [HTTP] }],
    ],
    [
      'pods without an IP, or finished, are left out',
      [{ ip: '10.244.0.1' }, { ips: [] }, { ip: '10.244.0.3', phase: 'Succeeded' }, { ip: '10.244.0.4', phase: 'Failed' }],
      service('web'),
      [{ addresses: [addr('p0', '10.244.0.1')], ports: [HTTP] }],
    ],
    ['no pods, no subsets', [], service('web'), []],
  ];
  it.each(cases)('%s', (_name, podOptions, svc, expected) => {
    const pods = podOptions.map((o, i) => pod(`p${i}`, o));
    expect(computeSubsets(svc, pods).subsets).toEqual(expected);
  });

  it('counts ready and not-ready address/port pairs', () => {
    const pods = [pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2', ready: false })];
    expect(computeSubsets(service('web'), pods)).toMatchObject({ ready: 1, notReady: 1 });
  });
});

describe('computeSubsets: addresses', () => {
  const cases: [string, PodOptions, corev1.EndpointAddress][] = [
    ['hostname when the subdomain is the service name', { hostname: 'web-0', subdomain: 'web' }, addr('p', '10.244.0.1', { hostname: 'web-0' })],
    ['no hostname for another subdomain', { hostname: 'web-0', subdomain: 'db' }, addr('p', '10.244.0.1')],
    ['no hostname without a subdomain', { hostname: 'web-0' }, addr('p', '10.244.0.1')],
    ['the node name', { node: 'node-b' }, addr('p', '10.244.0.1', { nodeName: 'node-b' })],
    ['no node name when unscheduled', { node: '' }, { ip: '10.244.0.1', targetRef: { kind: 'Pod', namespace: 'default', name: 'p', uid: 'uid-p' } }],
    ['the IP of the service family', { ips: ['fd00::1', '10.244.0.1'] }, addr('p', '10.244.0.1')],
  ];
  it.each(cases)('%s', (_name, options, expected) => {
    const { subsets } = computeSubsets(service('web'), [pod('p', { ip: '10.244.0.1', ...options })]);
    expect(subsets).toHaveLength(1);
    expect(subsets[0].addresses).toEqual([expected]);
  });
});

describe('computeSubsets: ports', () => {
  it('resolves named target ports per pod, leaving out pods without the name', () => {
    const pods = [
      pod('a', { ip: '10.244.0.1', ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('b', { ip: '10.244.0.2', ports: [{ name: 'http', containerPort: 9090 }] }),
      pod('c', { ip: '10.244.0.3', ports: [{ name: 'grpc', containerPort: 7070 }] }),
    ];
    expect(computeSubsets(service('web'), pods).subsets).toEqual([
      { addresses: [addr('a', '10.244.0.1')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
      { addresses: [addr('b', '10.244.0.2')], ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] },
    ]);
  });

  it('groups addresses serving the same ports into one subset with several ports', () => {
    const svc = service('web', {
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: namedPort('http') },
        { name: 'metrics', port: 9100, protocol: 'TCP', targetPort: intPort(9100), appProtocol: 'http' },
      ],
    });
    const pods = [
      pod('a', { ip: '10.244.0.1' }),
      pod('b', { ip: '10.244.0.2', ready: false }),
      // No "http" port: it serves only metrics.
      pod('c', { ip: '10.244.0.3', ports: [] }),
    ];
    const METRICS: corev1.EndpointPort = { name: 'metrics', port: 9100, protocol: 'TCP', appProtocol: 'http' };
    expect(computeSubsets(svc, pods).subsets).toEqual([
      { addresses: [addr('a', '10.244.0.1'), addr('c', '10.244.0.3')], notReadyAddresses: [addr('b', '10.244.0.2')], ports: [METRICS] },
      { addresses: [addr('a', '10.244.0.1')], notReadyAddresses: [addr('b', '10.244.0.2')], ports: [HTTP] },
    ]);
  });

  it('puts ports with the same addresses in one subset, sorted', () => {
    const svc = service('web', {
      ports: [
        { name: 'https', port: 443, protocol: 'TCP', targetPort: intPort(8443) },
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: intPort(53) },
      ],
    });
    const pods = [pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2' })];
    expect(computeSubsets(svc, pods).subsets).toEqual([
      {
        addresses: [addr('a', '10.244.0.1'), addr('b', '10.244.0.2')],
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'https', port: 8443, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('gives a headless Service without ports addresses without ports', () => {
    const svc = service('web', { clusterIP: 'None', ports: [] });
    expect(computeSubsets(svc, [pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2', ready: false })]).subsets).toEqual([
      { addresses: [addr('a', '10.244.0.1')], notReadyAddresses: [addr('b', '10.244.0.2')] },
    ]);
  });

  it('gives a Service with a cluster IP but no ports nothing', () => {
    expect(computeSubsets(service('web', { ports: [] }), [pod('a')]).subsets).toEqual([]);
  });
});

describe('truncateSubsets', () => {
  const many = (prefix: string, n: number): corev1.EndpointAddress[] => Array.from({ length: n }, (_, i) => ({ ip: `10.${prefix}.${Math.floor(i / 250)}.${i % 250}` }));

  it('leaves subsets within capacity alone', () => {
    const subsets = [{ addresses: many('1', 3), ports: [HTTP] }];
    expect(truncateSubsets(subsets, 10)).toEqual({ subsets, truncated: false });
  });

  it('cuts not-ready addresses first, in proportion', () => {
    const subsets = [
      { addresses: many('1', 4), notReadyAddresses: many('2', 6), ports: [HTTP] },
      { addresses: many('3', 2), notReadyAddresses: many('4', 2) },
    ];
    const { subsets: cut, truncated } = truncateSubsets(subsets, 10);
    expect(truncated).toBe(true);
    expect(cut.map((s) => [(s.addresses ?? []).length, (s.notReadyAddresses ?? []).length])).toEqual([
      [4, 3],
      [2, 1],
    ]);
  });

  it('cuts ready addresses and drops every not-ready one when the ready ones alone are too many', () => {
    const subsets = [
      { addresses: many('1', 9), notReadyAddresses: many('2', 3) },
      { addresses: many('3', 3) },
    ];
    const { subsets: cut } = truncateSubsets(subsets, 8);
    expect(cut.map((s) => [(s.addresses ?? []).length, (s.notReadyAddresses ?? []).length])).toEqual([
      [6, 0],
      [2, 0],
    ]);
  });
});

describe('subsetsEqual', () => {
  it('ignores empty lists and the pod resourceVersion in targetRef', () => {
    const a: corev1.EndpointSubset[] = [{ addresses: [addr('a', '10.244.0.1')], notReadyAddresses: [], ports: [HTTP] }];
    const b: corev1.EndpointSubset[] = [
      { addresses: [{ ...addr('a', '10.244.0.1'), targetRef: { ...addr('a', '10.244.0.1').targetRef, resourceVersion: '77' } }], ports: [{ ...HTTP }] },
    ];
    expect(subsetsEqual(a, b)).toBe(true);
    expect(subsetsEqual(a, [{ notReadyAddresses: [addr('a', '10.244.0.1')], ports: [HTTP] }])).toBe(false);
    expect(subsetsEqual([], undefined)).toBe(true);
  });
});
