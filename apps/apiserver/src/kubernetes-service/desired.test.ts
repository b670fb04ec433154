import type { coordinationv1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { resolveAdvertiseAddress, loopbackAddress, AdvertiseAddressError } from './advertise-address';
import { deadLeases, endpointsSummary, firstServiceIP, kubernetesEndpoints, kubernetesService, liveAddresses, serviceNeedsRepair } from './desired';

describe('the kubernetes Service', () => {
  it.each([
    ['10.96.0.0/12', '10.96.0.1'],
    ['10.100.5.7/16', '10.100.0.1'],
    ['172.20.0.0/24', '172.20.0.1'],
  ])('takes the first address of %s: %s', (cidr, ip) => {
    expect(firstServiceIP(cidr)).toBe(ip);
  });

  it('is port 443 (https) to the apiserver\'s port, and is repaired when its ports change', () => {
    const svc = kubernetesService('10.96.0.1', 6443);
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: { intVal: 6443 } }] });
    expect(svc.metadata?.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
    expect(serviceNeedsRepair(svc, 6443)).toBe(false);
    expect(serviceNeedsRepair(svc, 7443)).toBe(true);
    expect(serviceNeedsRepair({ ...svc, spec: { ...svc.spec, type: 'NodePort' } }, 6443)).toBe(true);
  });
});

describe('the kubernetes endpoints', () => {
  const lease = (ip: string, renewedMsAgo: number, ttl = 15): coordinationv1.Lease => ({
    metadata: { name: ip },
    spec: { holderIdentity: ip, leaseDurationSeconds: ttl, renewTime: new Date(1_000_000 - renewedMsAgo).toISOString() },
  });

  it('list every apiserver whose lease is alive, sorted, and this one always', () => {
    const leases = [lease('10.0.0.12', 1000), lease('10.0.0.2', 14_000), lease('10.0.0.9', 16_000)];
    expect(liveAddresses(leases, 1_000_000, '10.0.0.5')).toEqual(['10.0.0.2', '10.0.0.5', '10.0.0.12']);
    expect(liveAddresses(leases, 1_000_000)).toEqual(['10.0.0.2', '10.0.0.12']);
  });

  it('deletes only leases expired for longer than the grace period', () => {
    const leases = [lease('10.0.0.1', 1000), lease('10.0.0.2', 16_000), lease('10.0.0.3', 15_000 + 600_001)];
    expect(deadLeases(leases, 1_000_000, 600_000).map((l) => l.spec?.holderIdentity)).toEqual(['10.0.0.3']);
  });

  it('compare by address and port only', () => {
    const a = kubernetesEndpoints(['10.0.0.2', '10.0.0.1'], 6443);
    const b = kubernetesEndpoints(['10.0.0.1', '10.0.0.2'], 6443);
    expect(endpointsSummary(a)).toBe(endpointsSummary(b));
    expect(endpointsSummary(a)).toBe('10.0.0.1:6443/https,10.0.0.2:6443/https');
    expect(endpointsSummary(kubernetesEndpoints([], 6443))).toBe('');
  });
});

describe('the advertise address', () => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: '127.0.0.1/8' }],
    eth0: [{ address: '192.168.5.4', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: '192.168.5.4/24' }],
  } as const;

  it.each([
    ['10.1.2.3', '0.0.0.0', '10.1.2.3'],
    ['', '192.168.9.9', '192.168.9.9'],
    ['', '0.0.0.0', '192.168.5.4'],
    ['', '127.0.0.1', undefined],
  ])('--advertise-address=%s --bind-address=%s: %s', (advertise, bind, want) => {
    expect(resolveAdvertiseAddress(advertise, bind, ifaces as never)).toBe(want);
  });

  it('rejects an advertise address that is not an IPv4 address', () => {
    expect(() => resolveAdvertiseAddress('apiserver', '0.0.0.0')).toThrow(AdvertiseAddressError);
  });

  it('reaches itself on loopback when bound to every address', () => {
    expect(loopbackAddress('0.0.0.0', 6443)).toBe('127.0.0.1:6443');
    expect(loopbackAddress('10.1.1.1', 6443)).toBe('10.1.1.1:6443');
  });
});
