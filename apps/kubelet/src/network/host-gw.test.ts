import type { corev1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { cidrContains, desiredRoutes, networkJumps, parseRoutes, renderNetworkRules, routeChanges, routeReplaceArgs } from './host-gw';

function node(name: string, podCIDR?: string, ip?: string, extra: Partial<corev1.Node> = {}): corev1.Node {
  return {
    metadata: { name, ...extra.metadata },
    spec: podCIDR ? { podCIDR } : {},
    status: { addresses: ip ? [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: ip }] : [] },
  };
}

describe('desiredRoutes', () => {
  it.each([
    {
      name: 'one route per other node with a podCIDR and an InternalIP, sorted',
      nodes: [node('c', '10.244.3.0/24', '192.168.1.13'), node('a', '10.244.1.0/24', '192.168.1.11'), node('b', '10.244.2.0/24', '192.168.1.12')],
      want: [
        { cidr: '10.244.2.0/24', via: '192.168.1.12', node: 'b' },
        { cidr: '10.244.3.0/24', via: '192.168.1.13', node: 'c' },
      ],
    },
    {
      name: 'skips nodes without a podCIDR, without an address, on loopback or being deleted',
      nodes: [
        node('a', '10.244.1.0/24', '192.168.1.11'),
        node('no-cidr', undefined, '192.168.1.20'),
        node('no-ip', '10.244.5.0/24'),
        node('loop', '10.244.6.0/24', '127.0.0.1'),
        node('going', '10.244.7.0/24', '192.168.1.21', { metadata: { name: 'going', deletionTimestamp: '2026-11-22T00:00:00Z' } }),
        node('ok', '10.244.8.0/24', '192.168.1.22'),
      ],
      want: [{ cidr: '10.244.8.0/24', via: '192.168.1.22', node: 'ok' }],
    },
    {
      name: 'never routes our own podCIDR elsewhere, nor one CIDR twice',
      nodes: [node('a', '10.244.1.0/24', '192.168.1.11'), node('dup', '10.244.1.0/24', '192.168.1.30'), node('b', '10.244.2.0/24', '192.168.1.12'), node('b2', '10.244.2.0/24', '192.168.1.31')],
      want: [{ cidr: '10.244.2.0/24', via: '192.168.1.12', node: 'b' }],
    },
  ])('$name', ({ nodes, want }) => {
    expect(desiredRoutes(nodes, 'a', '10.244.1.0/24')).toEqual(want);
  });
});

describe('routes', () => {
  it('parses our routes as `ip -4 route show proto 77` prints them', () => {
    const out = '10.244.2.0/24 via 192.168.1.12 dev eth0 onlink \n10.244.3.0/24 via 192.168.1.13 dev eth0\n10.1.1.1 via 192.168.1.9 dev eth0\nblackhole 10.9.0.0/16\n';
    expect(parseRoutes(out)).toEqual([
      { cidr: '10.244.2.0/24', via: '192.168.1.12' },
      { cidr: '10.244.3.0/24', via: '192.168.1.13' },
      { cidr: '10.1.1.1/32', via: '192.168.1.9' },
    ]);
  });

  it('replaces missing and moved routes, removes unwanted ones, leaves the rest', () => {
    const desired = [
      { cidr: '10.244.2.0/24', via: '192.168.1.12' },
      { cidr: '10.244.3.0/24', via: '192.168.1.99' },
      { cidr: '10.244.4.0/24', via: '192.168.1.14' },
    ];
    const current = [
      { cidr: '10.244.2.0/24', via: '192.168.1.12' },
      { cidr: '10.244.3.0/24', via: '192.168.1.13' },
      { cidr: '10.244.9.0/24', via: '192.168.1.19' },
    ];
    expect(routeChanges(desired, current)).toEqual({
      replace: [desired[1], desired[2]],
      remove: [current[2]],
    });
    expect(routeChanges(desired, desired)).toEqual({ replace: [], remove: [] });
  });

  it('pins routes to the configured interface', () => {
    expect(routeReplaceArgs({ cidr: '10.244.2.0/24', via: '192.168.1.12' }, 'eth1').join(' ')).toBe('-4 route replace 10.244.2.0/24 via 192.168.1.12 dev eth1 onlink proto 77');
    expect(routeReplaceArgs({ cidr: '10.244.2.0/24', via: '192.168.1.12' }, '').join(' ')).toBe('-4 route replace 10.244.2.0/24 via 192.168.1.12 proto 77');
  });

  it('tells addresses inside a CIDR from those outside', () => {
    expect(cidrContains('10.244.0.0/16', '10.244.200.3')).toBe(true);
    expect(cidrContains('10.244.0.0/16', '10.245.0.1')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '8.8.8.8')).toBe(true);
  });
});

describe('rules', () => {
  it('accepts pod-to-pod before any masquerade, masquerades only traffic leaving the cluster, and spares proxy-marked packets', () => {
    const text = renderNetworkRules('10.244.0.0/16');
    const nat = text.slice(text.indexOf('*nat'), text.indexOf('*filter')).split('\n').filter((l) => l.startsWith('-A'));
    expect(nat.map((l) => l.replace(/-m comment --comment "[^"]*" /, ''))).toEqual([
      '-A MINIK8S-POSTROUTING -m mark --mark 0x4000/0x4000 -j RETURN',
      '-A MINIK8S-POSTROUTING -s 10.244.0.0/16 -d 10.244.0.0/16 -j ACCEPT',
      '-A MINIK8S-POSTROUTING -s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE --random-fully',
    ]);
    expect(text).toMatch(/\*filter\n:MINIK8S-FORWARD - \[0:0\]\n.*-s 10\.244\.0\.0\/16 -j ACCEPT\n.*-d 10\.244\.0\.0\/16 -j ACCEPT\nCOMMIT/);
  });

  it('enters forwarding through DOCKER-USER when Docker runs, else FORWARD', () => {
    expect(networkJumps('DOCKER-USER').map((j) => `${j.table}/${j.chain}`)).toEqual(['nat/POSTROUTING', 'filter/DOCKER-USER']);
    expect(networkJumps('FORWARD').map((j) => `${j.table}/${j.chain}`)).toEqual(['nat/POSTROUTING', 'filter/FORWARD']);
  });
});
