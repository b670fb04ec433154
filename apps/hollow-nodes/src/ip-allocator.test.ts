import { describe, expect, it } from 'vitest';
import { fallbackPodRange, formatCidr, formatIpv4, nodeAddress, parseIpv4, parseIpv4Cidr, PodIpAllocator, type Ipv4Cidr } from './ip-allocator';

const cidr = (text: string): Ipv4Cidr => parseIpv4Cidr(text) as Ipv4Cidr;

describe('addresses', () => {
  it('parses and prints IPv4 and CIDRs', () => {
    expect(formatIpv4(parseIpv4('10.244.3.7') ?? -1)).toBe('10.244.3.7');
    expect(parseIpv4('10.244.3')).toBeUndefined();
    expect(parseIpv4('10.244.3.256')).toBeUndefined();
    expect(formatCidr(cidr('10.244.3.9/24'))).toBe('10.244.3.0/24');
    expect(parseIpv4Cidr('fd00::/64')).toBeUndefined();
    expect(parseIpv4Cidr('10.0.0.0/33')).toBeUndefined();
  });

  it('gives node i the (i+1)-th address and the i-th /24', () => {
    expect(nodeAddress(cidr('10.200.0.0/16'), 0)).toBe('10.200.0.1');
    expect(nodeAddress(cidr('10.200.0.0/16'), 300)).toBe('10.200.1.45');
    expect(() => nodeAddress(cidr('10.200.0.0/30'), 2)).toThrow(/does not fit/);
    expect(formatCidr(fallbackPodRange(cidr('10.208.0.0/12'), 0))).toBe('10.208.0.0/24');
    expect(formatCidr(fallbackPodRange(cidr('10.208.0.0/12'), 257))).toBe('10.209.1.0/24');
    expect(() => fallbackPodRange(cidr('10.208.0.0/23'), 2)).toThrow(/no \/24 left/);
  });
});

describe('PodIpAllocator', () => {
  const range = cidr('10.244.7.0/24');

  it('hands out unique addresses per node, skipping network, gateway and broadcast', () => {
    const a = new PodIpAllocator();
    const ips = Array.from({ length: 253 }, (_, i) => a.allocate('n1', `uid-${i}`, range));
    expect(new Set(ips).size).toBe(253);
    expect(ips[0]).toBe('10.244.7.2');
    expect(ips).not.toContain('10.244.7.0');
    expect(ips).not.toContain('10.244.7.1');
    expect(ips).not.toContain('10.244.7.255');
    expect(() => a.allocate('n1', 'one-too-many', range)).toThrow(/no pod IP left/);
    // Another node has its own space.
    expect(a.allocate('n2', 'uid-0', range)).toBe('10.244.7.2');
  });

  it('is idempotent per pod uid, and reuses a released address only after the others', () => {
    const a = new PodIpAllocator();
    const first = a.allocate('n1', 'p1', range);
    expect(a.allocate('n1', 'p1', range)).toBe(first);
    a.release('n1', 'p1');
    expect(a.inUse('n1')).toBe(0);
    expect(a.allocate('n1', 'p2', range)).not.toBe(first);
  });

  it('never hands out an address reserved from an existing pod', () => {
    const a = new PodIpAllocator();
    a.reserve('n1', 'old', '10.244.7.2');
    a.reserve('n1', 'old2', '10.244.7.3');
    expect(a.allocate('n1', 'new', range)).toBe('10.244.7.4');
    expect(a.ipOf('n1', 'old')).toBe('10.244.7.2');
  });
});
