import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { formatResolvConf, hostsFileFor, resolvConfFor, type DnsSettings } from './dns';

const dns: DnsSettings = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: 'nameserver 1.1.1.1\nsearch corp.example\noptions edns0\n' };

describe('resolvConfFor', () => {
  it('ClusterFirst: cluster DNS, cluster searches then the host ones, ndots:5', () => {
    expect(formatResolvConf(resolvConfFor({}, 'team', dns)!)).toBe(
      'nameserver 10.96.0.10\nsearch team.svc.cluster.local svc.cluster.local cluster.local corp.example\noptions ndots:5\n',
    );
  });

  it('Default and host-network ClusterFirst pods use the runtime default (the host)', () => {
    expect(resolvConfFor({ dnsPolicy: 'Default' }, 'ns', dns)).toBeUndefined();
    expect(resolvConfFor({ hostNetwork: true }, 'ns', dns)).toBeUndefined();
    expect(resolvConfFor({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, 'ns', dns)?.nameservers).toEqual(['10.96.0.10']);
  });

  it('falls back to Default without --cluster-dns', () => {
    expect(resolvConfFor({}, 'ns', { ...dns, clusterDNS: [] })).toBeUndefined();
  });

  it('None uses only dnsConfig; dnsConfig options override by name', () => {
    const spec: corev1.PodSpec = {
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['9.9.9.9'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] },
    };
    expect(resolvConfFor(spec, 'ns', dns)).toEqual({ nameservers: ['9.9.9.9'], searches: ['a.example'], options: ['ndots:2', 'rotate'] });
    expect(resolvConfFor({ dnsConfig: { options: [{ name: 'ndots', value: '1' }] } }, 'ns', dns)?.options).toEqual(['ndots:1']);
  });
});

describe('hostsFileFor', () => {
  it('names the pod by hostname (and FQDN with a subdomain), and adds host aliases', () => {
    const pod: corev1.Pod = {
      metadata: { name: 'web-0', namespace: 'shop' },
      spec: { hostname: 'web-0', subdomain: 'web', hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }] },
    };
    const text = hostsFileFor(pod, '10.244.1.7', 'cluster.local');
    expect(text).toContain('# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n');
    expect(text).toContain('10.244.1.7\tweb-0.web.shop.svc.cluster.local\tweb-0\n');
    expect(text).toContain('# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n');
    expect(hostsFileFor({ metadata: { name: 'p' }, spec: {} }, '10.244.1.8', 'cluster.local')).toContain('10.244.1.8\tp\n');
  });
});
