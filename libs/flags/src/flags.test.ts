import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags, type FlagSpec } from './flags';

const specs = {
  etcdServers: { type: 'list', description: 'etcd servers', default: ['http://127.0.0.1:2379'] },
  securePort: { type: 'number', description: 'port', default: 6443 },
  leaderElect: { type: 'boolean', description: 'elect' },
  bindAddress: { type: 'string', description: 'address', default: '0.0.0.0' },
} satisfies Record<string, FlagSpec>;

describe('parseFlags', () => {
  it('applies defaults', () => {
    expect(parseFlags('x', 'x', specs, [])).toEqual({
      etcdServers: ['http://127.0.0.1:2379'],
      securePort: 6443,
      leaderElect: false,
      bindAddress: '0.0.0.0',
    });
  });

  it('reads --flag=value, --flag value and bare booleans', () => {
    const v = parseFlags('x', 'x', specs, ['--etcd-servers=http://a:1,http://b:2', '--secure-port', '7000', '--leader-elect']);
    expect(v).toMatchObject({ etcdServers: ['http://a:1', 'http://b:2'], securePort: 7000, leaderElect: true });
  });

  it.each([
    [['--nope'], 'unknown flag: --nope'],
    [['--secure-port=abc'], 'invalid argument "abc" for "--secure-port" flag: not a number'],
    [['--secure-port'], 'flag needs an argument: --secure-port'],
    [['stray'], 'unexpected argument "stray"'],
  ])('refuses %o', (argv, message) => {
    expect(() => parseFlags('x', 'x', specs, argv)).toThrow(new FlagError(message));
  });

  it('prints help listing every flag and returns null', () => {
    let text = '';
    expect(parseFlags('apiserver', 'The API server.', specs, ['--help'], (t) => (text += t))).toBeNull();
    expect(text).toContain('--etcd-servers strings');
    expect(text).toContain('(default 6443)');
    expect(text).toContain('--leader-elect');
  });
});
