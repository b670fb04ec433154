import { describe, expect, it } from 'vitest';
import { IpPool, IpPoolError, parseIpRanges } from './ip-pool';

describe('IpPool', () => {
  it.each([
    { spec: '192.168.80.0/30', size: 2, first: '192.168.80.1' },
    { spec: '192.168.80.8/31', size: 2, first: '192.168.80.8' },
    { spec: '192.168.80.5/32', size: 1, first: '192.168.80.5' },
    { spec: '192.168.80.10-192.168.80.12', size: 3, first: '192.168.80.10' },
    { spec: '192.168.80.7, 192.168.80.10-192.168.80.11', size: 3, first: '192.168.80.7' },
    { spec: '', size: 0, first: undefined },
  ])('$spec holds $size addresses, first $first', ({ spec, size, first }) => {
    const pool = new IpPool(spec);
    expect(pool.size).toBe(size);
    expect(pool.allocate('a/x')).toBe(first);
  });

  it.each(['10.0.0.0/33', '10.0.0.300', '10.0.0.5-10.0.0.1', 'ten', '10.0.0.1-x'])('rejects %s', (spec) => {
    expect(() => parseIpRanges(spec)).toThrow(IpPoolError);
  });

  it('gives each holder one address, the lowest free one, and reuses released ones', () => {
    const pool = new IpPool('10.9.0.1-10.9.0.3');
    expect(pool.allocate('ns/a')).toBe('10.9.0.1');
    expect(pool.allocate('ns/a')).toBe('10.9.0.1');
    expect(pool.allocate('ns/b')).toBe('10.9.0.2');
    expect(pool.allocate('ns/c')).toBe('10.9.0.3');
    expect(pool.allocate('ns/d')).toBeUndefined();
    expect(pool.release('ns/b')).toBe('10.9.0.2');
    expect(pool.allocate('ns/d')).toBe('10.9.0.2');
    expect(pool.allocated).toBe(3);
  });

  it('holds a requested address only when the pool has it free, moving its holder off the old one', () => {
    const pool = new IpPool('10.9.0.0/29');
    expect(pool.hold('10.9.0.5', 'ns/a')).toBe(true);
    expect(pool.hold('10.9.0.5', 'ns/b')).toBe(false);
    expect(pool.hold('10.9.1.5', 'ns/b')).toBe(false);
    expect(pool.hold('10.9.0.6', 'ns/a')).toBe(true);
    expect(pool.holderOf('10.9.0.5')).toBeUndefined();
    expect(pool.addressOf('ns/a')).toBe('10.9.0.6');
  });
});
