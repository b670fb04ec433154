import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from '@minik8s/flags';
import { FLAGS, parseCidr, parseContainerLogLimits, parseNodeLabels, parseTaints } from './options';

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

  it('bounds container logs at 10Mi and 5 files unless told otherwise', () => {
    const defaults = parseFlags('kubelet', '', FLAGS, []);
    expect([defaults?.containerLogMaxSize, defaults?.containerLogMaxFiles]).toEqual(['10Mi', 5]);
    expect(parseContainerLogLimits('10Mi', 5)).toEqual({ maxSizeBytes: 10 * 1024 * 1024, maxFiles: 5 });
    const flags = parseFlags('kubelet', '', FLAGS, ['--container-log-max-size=16Ki', '--container-log-max-files', '2']);
    expect(parseContainerLogLimits(flags?.containerLogMaxSize ?? '', flags?.containerLogMaxFiles ?? 0)).toEqual({ maxSizeBytes: 16_384, maxFiles: 2 });
    expect(parseContainerLogLimits('100M', 3).maxSizeBytes).toBe(100_000_000);
    // Whole bytes, rounded up as Quantity.Value() does.
    expect(parseContainerLogLimits('1500m', 2).maxSizeBytes).toBe(2);
  });

  it('refuses a container log size that is not a positive quantity, and fewer than 2 files', () => {
    expect(() => parseContainerLogLimits('10MB', 5)).toThrow(
      `invalid argument "10MB" for "--container-log-max-size" flag: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
    expect(() => parseContainerLogLimits('10Mk', 5)).toThrow(`invalid argument "10Mk" for "--container-log-max-size" flag: unable to parse quantity's suffix`);
    expect(() => parseContainerLogLimits('', 5)).toThrow(/^invalid argument "" for "--container-log-max-size" flag: quantities must match the regular expression/);
    expect(() => parseContainerLogLimits('0', 5)).toThrow('invalid argument "0" for "--container-log-max-size" flag: must be greater than 0');
    expect(() => parseContainerLogLimits('-1Mi', 5)).toThrow('invalid argument "-1Mi" for "--container-log-max-size" flag: must be greater than 0');
    expect(() => parseContainerLogLimits('16Ei', 5)).toThrow(`invalid argument "16Ei" for "--container-log-max-size" flag: must be at most ${Number.MAX_SAFE_INTEGER} bytes`);
    expect(() => parseContainerLogLimits('10Mi', 1)).toThrow(
      'invalid argument "1" for "--container-log-max-files" flag: must be a whole number equal to or greater than 2',
    );
    expect(() => parseContainerLogLimits('10Mi', 0)).toThrow('--container-log-max-files');
    expect(() => parseContainerLogLimits('10Mi', 2.5)).toThrow('--container-log-max-files');
    expect(() => parseContainerLogLimits('10Mi', 1)).toThrow(FlagError);
  });
});
