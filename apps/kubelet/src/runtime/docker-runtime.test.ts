import { describe, expect, it } from 'vitest';
import { containerName, gatewayOf } from './docker-runtime';

describe('docker runtime helpers', () => {
  it.each([
    ['10.244.250.0/24', '10.244.250.1'],
    ['10.244.0.0/16', '10.244.0.1'],
    ['10.244.3.128/25', '10.244.3.129'],
  ])('gateway of %s is %s', (cidr, gw) => expect(gatewayOf(cidr)).toBe(gw));

  it('names containers as dockershim did', () => {
    expect(containerName({ uid: 'u-1', name: 'web', namespace: 'default' }, 'POD', 0)).toBe('k8s_POD_web_default_u-1_0');
    expect(containerName({ uid: 'u-1', name: 'web', namespace: 'ns' }, 'app', 3)).toBe('k8s_app_web_ns_u-1_3');
  });
});
