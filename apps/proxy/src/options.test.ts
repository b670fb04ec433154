import { parseFlags } from '@minik8s/flags';
import { describe, expect, it } from 'vitest';
import { FLAGS, validateFlags } from './options';

function flags(...argv: string[]) {
  const f = parseFlags('minik8s proxy', '', FLAGS, argv, () => undefined);
  if (!f) throw new Error('help');
  return f;
}

describe('proxy flags', () => {
  it('accepts the documented command line', () => {
    const f = flags('--server', '10.0.0.1:6443', '--node-name', 'n1', '--node-ip', '10.0.0.2', '--proxy-mode', 'iptables');
    expect(() => validateFlags(f)).not.toThrow();
    expect(f.clusterCidr).toBe('10.244.0.0/16');
    expect(f.minSyncPeriod).toBe(1000);
  });
  it.each([
    [['--node-name', 'n', '--proxy-mode', 'ipvs'], /only "iptables"/],
    [[], /--node-name is required/],
    [['--node-name', 'n', '--cluster-cidr', '10.244.0.0/33'], /--cluster-cidr/],
    [['--node-name', 'n', '--node-ip', 'host'], /--node-ip/],
    [['--node-name', 'n', '--netns', 'a b'], /--netns/],
  ])('rejects %j', (argv, err) => expect(() => validateFlags(flags(...argv))).toThrow(err));
  it('needs no node name for --cleanup', () => expect(() => validateFlags(flags('--cleanup'))).not.toThrow());
});
