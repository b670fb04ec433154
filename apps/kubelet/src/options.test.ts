import { describe, expect, it } from 'vitest';
import { parseFlags } from '@minik8s/flags';
import { FLAGS, parseCidr, parseNodeLabels, parseTaints } from './options';

describe('kubelet flags', () => {
  it('parses the documented flags with their defaults', () => {
    const flags = parseFlags('kubelet', '', FLAGS, ['--server', '10.0.0.1:6443', '--node-name=n1', '--node-ip=10.0.0.2', '--pod-cidr=10.244.3.0/24']);
    expect(flags).toMatchObject({
      server: '10.0.0.1:6443',
      nodeName: 'n1',
      nodeIp: '10.0.0.2',
      podCidr: '10.244.3.0/24',
      rootDir: '/var/lib/kubelet',
      dockerHost: 'unix:///var/run/docker.sock',
      podInfraImage: 'minik8s/pause:3.9',
      maxPods: 110,
    });
  });

  it('takes --hairpin-mode, hairpin-veth by default', () => {
    expect(parseFlags('kubelet', '', FLAGS, [])?.hairpinMode).toBe('hairpin-veth');
    expect(parseFlags('kubelet', '', FLAGS, ['--hairpin-mode=promiscuous-bridge'])?.hairpinMode).toBe('promiscuous-bridge');
    expect(parseFlags('kubelet', '', FLAGS, ['--hairpin-mode', 'none'])?.hairpinMode).toBe('none');
  });

  it('parses node labels', () => {
    expect(parseNodeLabels(['a=b', 'example.com/zone=z1', 'empty='])).toEqual({ a: 'b', 'example.com/zone': 'z1', empty: '' });
    expect(() => parseNodeLabels(['nokey'])).toThrow('--node-labels');
  });

  it('parses taints', () => {
    expect(parseTaints(['dedicated=gpu:NoSchedule', 'spot:PreferNoSchedule'])).toEqual([
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'spot', effect: 'PreferNoSchedule' },
    ]);
    expect(() => parseTaints(['a=b:Sometimes'])).toThrow('invalid taint effect');
    expect(() => parseTaints(['a=b'])).toThrow('invalid taint spec');
  });

  it('normalizes CIDRs and rejects bad ones', () => {
    expect(parseCidr('10.244.3.7/24', 'pod-cidr')).toBe('10.244.3.0/24');
    expect(() => parseCidr('10.244.3.0', 'pod-cidr')).toThrow('invalid CIDR address');
    expect(() => parseCidr('300.1.1.1/24', 'pod-cidr')).toThrow('invalid CIDR address');
  });
});
