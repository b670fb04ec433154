import { describe, expect, it } from 'vitest';
import { parseFlags } from '@minik8s/flags';
import { FLAGS, resolveOptions } from './options';

function parse(...argv: string[]): ReturnType<typeof resolveOptions> {
  const flags = parseFlags('dns', '', FLAGS, argv);
  if (!flags) throw new Error('help');
  return resolveOptions(flags, (path) => {
    if (path !== '/etc/resolv.conf') throw new Error(`ENOENT: ${path}`);
    return 'nameserver 10.0.0.2\nnameserver 10.0.0.3\n';
  });
}

describe('resolveOptions', () => {
  it('takes the upstreams from resolv.conf by default', () => {
    expect(parse()).toEqual({ domain: 'cluster.local', upstreams: [{ host: '10.0.0.2', port: 53 }, { host: '10.0.0.3', port: 53 }] });
  });

  it('takes --upstream and --domain as given', () => {
    expect(parse('--upstream=127.0.0.1:5353,10.1.1.1', '--domain', 'Cluster.Example.')).toEqual({
      domain: 'cluster.example',
      upstreams: [{ host: '127.0.0.1', port: 5353 }, { host: '10.1.1.1', port: 53 }],
    });
  });

  it.each([
    [['--port=70000'], /--port/],
    [['--health-port=-2'], /--health-port/],
    [['--ttl=-1'], /--ttl/],
    [['--domain=bad_domain'], /--domain/],
    [['--upstream=dns.google'], /--upstream/],
    [['--resolv-conf=/nope'], /unreadable/],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(...argv)).toThrow(message);
  });
});
