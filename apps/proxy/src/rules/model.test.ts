import type { corev1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { buildServicePorts } from './model';

function lb(ingress: corev1.LoadBalancerIngress[], spec: corev1.ServiceSpec = {}): corev1.Service {
  return {
    metadata: { namespace: 'default', name: 'lb' },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.30', ports: [{ protocol: 'TCP', port: 80, nodePort: 30080 }], ...spec },
    status: { loadBalancer: { ingress } },
  };
}

describe('buildServicePorts: external addresses', () => {
  it('takes every IPv4 ingress IP of a LoadBalancer, except those the load balancer proxies itself (ipMode Proxy)', () => {
    const [sp] = buildServicePorts([lb([{ ip: '192.0.2.1', ipMode: 'VIP' }, { ip: '192.0.2.2', ipMode: 'Proxy' }, { hostname: 'lb.example.com' }, { ip: '192.0.2.3' }])], [], 'n');
    expect(sp.loadBalancerIPs).toEqual(['192.0.2.1', '192.0.2.3']);
    expect(sp.nodePort).toBe(30080);
  });

  it('ignores ingress IPs left on a Service that is no longer a LoadBalancer, but keeps its externalIPs', () => {
    const [sp] = buildServicePorts([lb([{ ip: '192.0.2.1', ipMode: 'VIP' }], { type: 'ClusterIP', externalIPs: ['198.51.100.9'] })], [], 'n');
    expect(sp.loadBalancerIPs).toEqual([]);
    expect(sp.externalIPs).toEqual(['198.51.100.9']);
    expect(sp.nodePort).toBe(0);
  });

  it('applies externalTrafficPolicy Local to a LoadBalancer', () => {
    const [sp] = buildServicePorts([lb([{ ip: '192.0.2.1', ipMode: 'VIP' }], { externalTrafficPolicy: 'Local' })], [], 'n');
    expect(sp.externalPolicyLocal).toBe(true);
  });
});
