import { describe, expect, it } from 'vitest';
import { CidrSet, CidrSetError, cidrSetsFor, formatCidr, parseCidr } from './cidr-set';

describe('parseCidr / formatCidr', () => {
  it.each([
    ['10.244.0.0/16', '10.244.0.0/16'],
    ['10.244.3.7/24', '10.244.3.0/24'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['fd00:10:244::/48', 'fd00:10:244::/48'],
    ['FD00:0:0:0:0:0:0:1/64', 'fd00::/64'],
    ['2001:db8:0:0:1:0:0:0/112', '2001:db8:0:0:1::/112'],
    ['::/0', '::/0'],
  ])('%s → %s', (input, canonical) => {
    const parsed = parseCidr(input);
    expect(parsed).toBeDefined();
    expect(formatCidr(parsed as NonNullable<typeof parsed>)).toBe(canonical);
  });

  it.each(['10.244.0.0', '10.244.0.0/33', '10.244.0/16', 'x/8', ''])('rejects %j', (input) => {
    expect(parseCidr(input)).toBeUndefined();
  });
});

describe('CidrSet', () => {
  it('hands out /24s of 10.244.0.0/16 in order', () => {
    const set = new CidrSet('10.244.0.0/16', 24);
    expect(set.maxCidrs).toBe(256);
    expect([set.allocateNext(), set.allocateNext(), set.allocateNext()]).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    expect(set.allocated).toBe(3);
  });

  it('skips occupied ranges and rotates past released ones before reusing them', () => {
    const set = new CidrSet('10.0.0.0/22', 24);
    expect(set.occupy('10.0.1.0/24')).toBe(true);
    expect(set.allocateNext()).toBe('10.0.0.0/24');
    expect(set.allocateNext()).toBe('10.0.2.0/24');
    expect(set.release('10.0.0.0/24')).toBe(true);
    // The freed first range comes back only after the untouched last one.
    expect(set.allocateNext()).toBe('10.0.3.0/24');
    expect(set.allocateNext()).toBe('10.0.0.0/24');
    expect(set.allocateNext()).toBeUndefined();
    set.release('10.0.2.0/24');
    expect(set.allocateNext()).toBe('10.0.2.0/24');
  });

  it('reports exhaustion as undefined', () => {
    const set = new CidrSet('192.168.0.0/23', 24);
    expect(set.allocateNext()).toBe('192.168.0.0/24');
    expect(set.allocateNext()).toBe('192.168.1.0/24');
    expect(set.allocateNext()).toBeUndefined();
    expect(set.allocated).toBe(2);
  });

  it('occupies every block of a wider range and the block of a narrower one', () => {
    const set = new CidrSet('10.0.0.0/16', 24);
    expect(set.occupy('10.0.4.0/22')).toBe(true);
    expect(set.allocated).toBe(4);
    expect(set.isUsed('10.0.7.0/24')).toBe(true);
    expect(set.occupy('10.0.9.128/25')).toBe(true);
    expect(set.isUsed('10.0.9.0/24')).toBe(true);
    expect(set.allocated).toBe(5);
  });

  it('refuses ranges outside the cluster CIDR or of the other family', () => {
    const set = new CidrSet('10.244.0.0/16', 24);
    expect(set.occupy('10.245.0.0/24')).toBe(false);
    expect(set.occupy('fd00::/64')).toBe(false);
    expect(set.contains('10.244.200.0/24')).toBe(true);
    expect(set.allocated).toBe(0);
  });

  it('allocates IPv6 ranges', () => {
    const set = new CidrSet('fd00:10:244::/56', 64);
    expect(set.allocateNext()).toBe('fd00:10:244::/64');
    expect(set.allocateNext()).toBe('fd00:10:244:1::/64');
  });

  it('rejects masks that do not fit', () => {
    expect(() => new CidrSet('10.244.0.0/16', 8)).toThrow(CidrSetError);
    expect(() => new CidrSet('10.244.0.0/16', 33)).toThrow(CidrSetError);
    expect(() => new CidrSet('fd00::/32', 64)).toThrow(/too big/);
    expect(() => new CidrSet('nonsense', 24)).toThrow(/invalid cluster CIDR/);
  });
});

describe('cidrSetsFor', () => {
  it('builds one set per family', () => {
    const [v4, v6] = cidrSetsFor('10.244.0.0/16, fd00:10:244::/56', 24);
    expect(v4.nodeMaskSize).toBe(24);
    expect(v6.nodeMaskSize).toBe(64);
  });

  it('rejects two CIDRs of one family and empty input', () => {
    expect(() => cidrSetsFor('10.0.0.0/16,10.1.0.0/16', 24)).toThrow(/one IPv4 and one IPv6/);
    expect(() => cidrSetsFor('', 24)).toThrow(/no cluster CIDR/);
  });
});
