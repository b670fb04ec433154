import { describe, expect, it } from 'vitest';
import type { corev1, discoveryv1 } from '@minik8s/api';
import { RRType, type ResourceRecord } from './dns-message';
import {
  SERVICE_NAME_LABEL,
  dashedIP,
  ipFromReverseName,
  lookupZone,
  reverseName,
  reverseTargets,
  serviceEndpoints,
  staticView,
  undashIP,
} from './records';

const ZONE = 'cluster.local';

function service(ns: string, name: string, spec: corev1.ServiceSpec): corev1.Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec };
}

function endpoints(ns: string, name: string, subsets: corev1.EndpointSubset[]): corev1.Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: ns, name }, subsets };
}

function slice(ns: string, name: string, svc: string, endpoints: discoveryv1.Endpoint[], ports: discoveryv1.EndpointPort[], addressType = 'IPv4'): discoveryv1.EndpointSlice {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: ns, name, labels: { [SERVICE_NAME_LABEL]: svc } }, addressType, endpoints, ports };
}

function pod(ns: string, name: string, ip: string, phase = 'Running', hostNetwork = false): corev1.Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name }, spec: { hostNetwork }, status: { phase, podIP: ip, podIPs: [{ ip }] } };
}

const mysql = [{ name: 'mysql', port: 3306, protocol: 'TCP' }];

const VIEW = staticView({
  services: [
    service('default', 'web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
    service('default', 'db', { clusterIP: 'None', ports: [{ name: 'mysql', port: 3306 }] }),
    service('default', 'ext', { type: 'ExternalName', externalName: 'Example.COM.' }),
    service('default', 'bare', { clusterIP: 'None' }),
    service('default', 'sliced', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
    service('default', 'pnr', { clusterIP: 'None', publishNotReadyAddresses: true }),
    service('default', 'empty', { clusterIP: 'None' }),
    service('kube-system', 'kube-dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
  ],
  endpoints: [
    endpoints('default', 'db', [
      {
        addresses: [{ ip: '10.244.1.11', hostname: 'db-1' }, { ip: '10.244.1.10', hostname: 'db-0' }],
        notReadyAddresses: [{ ip: '10.244.1.12', hostname: 'db-2' }],
        ports: mysql,
      },
      { addresses: [{ ip: '10.244.2.5' }], ports: mysql },
    ]),
    endpoints('default', 'web', [{ addresses: [{ ip: '10.244.1.20' }], ports: [{ name: 'http', port: 8080 }] }]),
    endpoints('default', 'bare', [{ addresses: [{ ip: '10.244.4.1', hostname: 'b-0' }], ports: [{ name: 'peer', port: 7000 }] }]),
    // The Service has EndpointSlices, so this stale Endpoints object is not used.
    endpoints('default', 'sliced', [{ addresses: [{ ip: '10.9.9.9' }] }]),
    endpoints('default', 'pnr', [{ addresses: [{ ip: '10.244.5.1' }], notReadyAddresses: [{ ip: '10.244.5.2' }] }]),
  ],
  endpointSlices: [
    slice('default', 'sliced-a', 'sliced', [
      { addresses: ['10.244.6.1'], conditions: { ready: true }, hostname: 's-0' },
      { addresses: ['10.244.6.2'], conditions: { ready: false }, hostname: 's-1' },
    ], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
    slice('default', 'sliced-b', 'sliced', [{ addresses: ['10.244.6.3'], conditions: {} }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
    slice('default', 'sliced-v6', 'sliced', [{ addresses: ['fd00::1'], conditions: { ready: true } }], [], 'IPv6'),
  ],
  pods: [
    pod('default', 'web-1', '10.244.1.20'),
    pod('default', 'db-0', '10.244.1.10'),
    pod('default', 'done', '10.244.3.3', 'Succeeded'),
    pod('default', 'host', '192.168.1.5', 'Running', true),
    pod('lonely', 'p', '10.244.7.7'),
  ],
});

/** One line per record, as dig prints them, for readable tables. */
function show(rr: ResourceRecord): string {
  const rest =
    rr.type === 'A' || rr.type === 'AAAA'
      ? rr.address
      : rr.type === 'SRV'
        ? `${rr.priority} ${rr.weight} ${rr.port} ${rr.target}`
        : rr.type === 'CNAME' || rr.type === 'PTR' || rr.type === 'NS'
          ? rr.target
          : rr.type === 'SOA'
            ? `${rr.mname} ${rr.rname} ${rr.minimum}`
            : '?';
  return `${rr.name} ${rr.ttl} ${rr.type} ${rest}`;
}

function lookup(name: string, qtype: number): string | { answers: string[]; additionals: string[] } {
  const found = lookupZone(VIEW, name, qtype, { zone: ZONE, ttl: 30 });
  return found.kind === 'nxdomain' ? 'NXDOMAIN' : { answers: found.answers.map(show), additionals: found.additionals.map(show) };
}

const NODATA = { answers: [], additionals: [] };
const only = (...answers: string[]): { answers: string[]; additionals: string[] } => ({ answers, additionals: [] });

describe('lookupZone', () => {
  it.each([
    ['a ClusterIP Service', 'web.default.svc.cluster.local', RRType.A, only('web.default.svc.cluster.local 30 A 10.96.0.20')],
    ['no AAAA for an IPv4 Service', 'web.default.svc.cluster.local', RRType.AAAA, NODATA],
    ['a missing Service', 'nope.default.svc.cluster.local', RRType.A, 'NXDOMAIN'],
    ['a Service in another namespace', 'web.other.svc.cluster.local', RRType.A, 'NXDOMAIN'],
    ['a headless Service: its ready endpoints', 'db.default.svc.cluster.local', RRType.A, only(
      'db.default.svc.cluster.local 30 A 10.244.1.10',
      'db.default.svc.cluster.local 30 A 10.244.1.11',
      'db.default.svc.cluster.local 30 A 10.244.2.5',
    )],
    ['a headless Service with no endpoints', 'empty.default.svc.cluster.local', RRType.A, NODATA],
    ['a StatefulSet pod by hostname', 'db-1.db.default.svc.cluster.local', RRType.A, only('db-1.db.default.svc.cluster.local 30 A 10.244.1.11')],
    ['a not-ready StatefulSet pod', 'db-2.db.default.svc.cluster.local', RRType.A, 'NXDOMAIN'],
    ['a nameless endpoint by dashed IP', '10-244-2-5.db.default.svc.cluster.local', RRType.A, only('10-244-2-5.db.default.svc.cluster.local 30 A 10.244.2.5')],
    ['no endpoint names under a ClusterIP Service', '10-244-1-20.web.default.svc.cluster.local', RRType.A, 'NXDOMAIN'],
    ['publishNotReadyAddresses includes not-ready ones', 'pnr.default.svc.cluster.local', RRType.A, only(
      'pnr.default.svc.cluster.local 30 A 10.244.5.1',
      'pnr.default.svc.cluster.local 30 A 10.244.5.2',
    )],
    ['EndpointSlices win over Endpoints; ready nil counts as ready; IPv6 slices skipped', 'sliced.default.svc.cluster.local', RRType.A, only(
      'sliced.default.svc.cluster.local 30 A 10.244.6.1',
      'sliced.default.svc.cluster.local 30 A 10.244.6.3',
    )],
    ['an EndpointSlice hostname', 's-0.sliced.default.svc.cluster.local', RRType.A, only('s-0.sliced.default.svc.cluster.local 30 A 10.244.6.1')],
    ['SRV for a ClusterIP Service port', '_http._tcp.web.default.svc.cluster.local', RRType.SRV, {
      answers: ['_http._tcp.web.default.svc.cluster.local 30 SRV 0 100 80 web.default.svc.cluster.local'],
      additionals: ['web.default.svc.cluster.local 30 A 10.96.0.20'],
    }],
    ['SRV for a UDP port', '_dns._udp.web.default.svc.cluster.local', RRType.SRV, {
      answers: ['_dns._udp.web.default.svc.cluster.local 30 SRV 0 100 53 web.default.svc.cluster.local'],
      additionals: ['web.default.svc.cluster.local 30 A 10.96.0.20'],
    }],
    ['SRV for a port under the wrong protocol', '_http._udp.web.default.svc.cluster.local', RRType.SRV, 'NXDOMAIN'],
    ['SRV for an unknown port', '_grpc._tcp.web.default.svc.cluster.local', RRType.SRV, 'NXDOMAIN'],
    ['A for an SRV name', '_http._tcp.web.default.svc.cluster.local', RRType.A, NODATA],
    ['the protocol level of an SRV name', '_tcp.web.default.svc.cluster.local', RRType.SRV, NODATA],
    ['SRV for a headless Service: one per ready endpoint', '_mysql._tcp.db.default.svc.cluster.local', RRType.SRV, {
      answers: [
        '_mysql._tcp.db.default.svc.cluster.local 30 SRV 0 33 3306 db-0.db.default.svc.cluster.local',
        '_mysql._tcp.db.default.svc.cluster.local 30 SRV 0 33 3306 db-1.db.default.svc.cluster.local',
        '_mysql._tcp.db.default.svc.cluster.local 30 SRV 0 33 3306 10-244-2-5.db.default.svc.cluster.local',
      ],
      additionals: [
        'db-0.db.default.svc.cluster.local 30 A 10.244.1.10',
        'db-1.db.default.svc.cluster.local 30 A 10.244.1.11',
        '10-244-2-5.db.default.svc.cluster.local 30 A 10.244.2.5',
      ],
    }],
    ['SRV uses the endpoint port of a headless Service without declared ports', '_peer._tcp.bare.default.svc.cluster.local', RRType.SRV, {
      answers: ['_peer._tcp.bare.default.svc.cluster.local 30 SRV 0 100 7000 b-0.bare.default.svc.cluster.local'],
      additionals: ['b-0.bare.default.svc.cluster.local 30 A 10.244.4.1'],
    }],
    ['SRV on the Service name lists its ports', 'web.default.svc.cluster.local', RRType.SRV, {
      answers: [
        'web.default.svc.cluster.local 30 SRV 0 100 80 web.default.svc.cluster.local',
        'web.default.svc.cluster.local 30 SRV 0 100 53 web.default.svc.cluster.local',
      ],
      additionals: ['web.default.svc.cluster.local 30 A 10.96.0.20'],
    }],
    ['an ExternalName Service', 'ext.default.svc.cluster.local', RRType.A, only('ext.default.svc.cluster.local 30 CNAME example.com')],
    ['no SRV under an ExternalName Service', '_http._tcp.ext.default.svc.cluster.local', RRType.SRV, 'NXDOMAIN'],
    ['a pod by dashed IP', '10-244-1-20.default.pod.cluster.local', RRType.A, only('10-244-1-20.default.pod.cluster.local 30 A 10.244.1.20')],
    ['a pod IP in the wrong namespace', '10-244-1-20.other.pod.cluster.local', RRType.A, 'NXDOMAIN'],
    ['a finished pod', '10-244-3-3.default.pod.cluster.local', RRType.A, 'NXDOMAIN'],
    ['not an IP', 'web-1.default.pod.cluster.local', RRType.A, 'NXDOMAIN'],
    ['a namespace that has Services', 'default.svc.cluster.local', RRType.A, NODATA],
    ['a namespace with pods only', 'lonely.svc.cluster.local', RRType.A, NODATA],
    ['a namespace that does not exist', 'ghost.svc.cluster.local', RRType.A, 'NXDOMAIN'],
    ['svc itself', 'svc.cluster.local', RRType.A, NODATA],
    ['an unknown branch of the zone', 'www.cluster.local', RRType.A, 'NXDOMAIN'],
    ['too deep', 'a.b.web.default.svc.cluster.local', RRType.A, 'NXDOMAIN'],
    ['the apex SOA', 'cluster.local', RRType.SOA, only('cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 30')],
    ['the apex NS', 'cluster.local', RRType.NS, only('cluster.local 30 NS ns.dns.cluster.local')],
    ['the nameserver: the kube-dns Service', 'ns.dns.cluster.local', RRType.A, only('ns.dns.cluster.local 30 A 10.96.0.10')],
  ])('%s: %s %s', (_, name, qtype, expected) => {
    expect(lookup(name, qtype)).toEqual(expected);
  });
});

describe('reverseTargets', () => {
  it.each([
    ['a ClusterIP', '10.96.0.20', ['web.default.svc.cluster.local']],
    ['a headless endpoint with a hostname', '10.244.1.10', ['db-0.db.default.svc.cluster.local']],
    ['a headless endpoint without one', '10.244.2.5', ['10-244-2-5.db.default.svc.cluster.local']],
    ['an EndpointSlice endpoint', '10.244.6.1', ['s-0.sliced.default.svc.cluster.local']],
    ['a pod behind a ClusterIP Service', '10.244.1.20', ['10-244-1-20.default.pod.cluster.local']],
    ['a pod behind no Service', '10.244.7.7', ['10-244-7-7.lonely.pod.cluster.local']],
    ['a host-network pod', '192.168.1.5', []],
    ['a finished pod', '10.244.3.3', []],
    ['an address outside the cluster', '8.8.8.8', []],
  ])('%s: %s', (_, ip, expected) => {
    expect(reverseTargets(VIEW, ip, ZONE)).toEqual(expected);
  });
});

describe('serviceEndpoints', () => {
  it('merges an address listed twice and keeps its ports', () => {
    const svc = service('ns', 's', { clusterIP: 'None' });
    const eps = endpoints('ns', 's', [
      { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'a', port: 1 }] },
      { addresses: [{ ip: '10.0.0.1', hostname: 'h' }], ports: [{ name: 'b', port: 2, protocol: 'udp' }] },
    ]);
    expect(serviceEndpoints(svc, eps, [])).toEqual([
      { ip: '10.0.0.1', hostname: 'h', ports: [{ name: 'a', port: 1, protocol: 'TCP' }, { name: 'b', port: 2, protocol: 'UDP' }] },
    ]);
  });
});

describe('names', () => {
  it.each([
    ['10.96.0.10', '10.0.96.10.in-addr.arpa'],
    ['192.168.1.254', '254.1.168.192.in-addr.arpa'],
  ])('%s ⇄ %s', (ip, name) => {
    expect(reverseName(ip)).toBe(name);
    expect(ipFromReverseName(name)).toBe(ip);
  });

  it.each(['0.96.10.in-addr.arpa', '300.0.96.10.in-addr.arpa', 'x.0.96.10.in-addr.arpa', '1.2.3.4.ip6.arpa'])('%s is no IPv4 reverse name', (name) => {
    expect(ipFromReverseName(name)).toBeUndefined();
  });

  it('dashes and undashes pod IPs', () => {
    expect(dashedIP('10.244.1.5')).toBe('10-244-1-5');
    expect(undashIP('10-244-1-5')).toBe('10.244.1.5');
    expect(undashIP('10-244-1')).toBeUndefined();
    expect(undashIP('10-244-1-256')).toBeUndefined();
  });
});
