import { describe, expect, it } from 'vitest';
import { ConfigError, parseNodeLabels, parseTaints, resolveConfig } from './config';

describe('parseNodeLabels', () => {
  it('reads key=value items', () => {
    expect(parseNodeLabels(['a=b', 'example.com/pool=hollow', 'empty='])).toEqual({ a: 'b', 'example.com/pool': 'hollow', empty: '' });
  });
  it.each(['novalue', '=x', 'bad key=x', 'k=bad value'])('rejects %j', (item) => {
    expect(() => parseNodeLabels([item])).toThrow(ConfigError);
  });
});

describe('parseTaints', () => {
  it('reads key=value:Effect and key:Effect', () => {
    expect(parseTaints(['dedicated=hollow:NoSchedule', 'example.com/slow:PreferNoSchedule'])).toEqual([
      { key: 'dedicated', value: 'hollow', effect: 'NoSchedule' },
      { key: 'example.com/slow', effect: 'PreferNoSchedule' },
    ]);
  });
  it.each([
    ['k=v', /must be key=value:Effect/],
    ['k=v:Sometimes', /invalid taint effect "Sometimes"/],
    ['bad key:NoExecute', /invalid taint spec/],
  ])('rejects %j', (item, message) => {
    expect(() => parseTaints([item])).toThrow(message);
  });
  it('rejects a key and effect twice', () => {
    expect(() => parseTaints(['a=1:NoSchedule', 'a=2:NoSchedule'])).toThrow(/duplicate taint/);
  });
});

describe('resolveConfig', () => {
  it('fills Kubernetes-like defaults', () => {
    const c = resolveConfig({ count: 3 });
    expect(c).toMatchObject({
      namePrefix: 'hollow-',
      firstIndex: 0,
      capacity: { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      leaseDurationSeconds: 40,
      leaseRenewIntervalMs: 10_000,
      nodeStatusUpdateFrequencyMs: 60_000,
      terminationDelayMs: 0,
      backOffBaseMs: 10_000,
      backOffMaxMs: 300_000,
    });
  });
  it.each([
    [{ count: 0 }, /count must be a positive integer/],
    [{ count: 1, cpu: 'lots' }, /invalid cpu "lots"/],
    [{ count: 1, namePrefix: 'Bad_' }, /invalid name prefix/],
    [{ count: 1, nodeIpRange: '10.0.0.0' }, /invalid node IP range/],
    [{ count: 300, podIpFallbackRange: '10.208.0.0/16' }, /do not fit/],
    [{ count: 1, backOffBaseMs: 10_000, backOffMaxMs: 1000 }, /below its base/],
    [{ count: 1, leaseRenewIntervalMs: 0 }, /lease renew interval must be positive/],
  ])('rejects %o', (options, message) => {
    expect(() => resolveConfig(options)).toThrow(message);
  });
});
