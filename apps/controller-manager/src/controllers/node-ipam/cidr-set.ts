import { parseCIDR } from '@minik8s/api';

/** A cluster CIDR or node mask the allocator cannot work with. */
export class CidrSetError extends Error {
  override readonly name = 'CidrSetError';
}

/** An IPv6 cluster CIDR may be split into at most 2^16 node ranges (Kubernetes' limit). */
const MAX_IPV6_SUBNET_BITS = 16;

/** A parsed CIDR: its network address as a number, its prefix length and its family's width. */
export interface Cidr {
  family: 4 | 6;
  /** Network address (host bits cleared). */
  base: bigint;
  prefixLength: number;
  /** 32 or 128. */
  bits: number;
}

function bytesToBigInt(bytes: Uint8Array | readonly number[]): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

function hostMask(prefixLength: number, bits: number): bigint {
  return (1n << BigInt(bits - prefixLength)) - 1n;
}

/** Parses `addr/len` (host bits allowed and cleared, as Go's ParseCIDR does); undefined when invalid. */
export function parseCidr(value: string): Cidr | undefined {
  const parsed = parseCIDR(value.trim());
  if (!parsed) return undefined;
  const family = parsed.ip.family === 4 ? 4 : 6;
  const bits = family === 4 ? 32 : 128;
  const address = bytesToBigInt(parsed.ip.bytes);
  const base = address & ~hostMask(parsed.prefixLength, bits);
  return { family, base, prefixLength: parsed.prefixLength, bits };
}

function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952 text: lower-case hex, the longest run (two or more) of zero groups as `::`. */
function formatIPv6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

/** The canonical text of a CIDR: `10.244.3.0/24`, `fd00:10:244:3::/64`. */
export function formatCidr(cidr: Cidr): string {
  const address = cidr.family === 4 ? formatIPv4(cidr.base) : formatIPv6(cidr.base);
  return `${address}/${cidr.prefixLength}`;
}

/**
 * The node ranges of one cluster CIDR, as Kubernetes' cidrset: the cluster CIDR split into
 * blocks of `nodeMaskSize`, a used bitmap (here a set of block indices), and a rotating next
 * candidate so that a range given up by a deleted node is handed out again only after the others
 * (its pods' addresses may still be in routes and caches for a while).
 */
export class CidrSet {
  readonly cluster: Cidr;
  readonly nodeMaskSize: number;
  /** How many node ranges fit in the cluster CIDR. */
  readonly maxCidrs: number;
  private readonly used = new Set<number>();
  private nextCandidate = 0;

  constructor(clusterCidr: string, nodeMaskSize: number) {
    const cluster = parseCidr(clusterCidr);
    if (!cluster) throw new CidrSetError(`invalid cluster CIDR "${clusterCidr}"`);
    if (!Number.isInteger(nodeMaskSize) || nodeMaskSize < cluster.prefixLength || nodeMaskSize > cluster.bits) {
      throw new CidrSetError(`node CIDR mask size ${nodeMaskSize} does not fit cluster CIDR ${formatCidr(cluster)}: it must be between ${cluster.prefixLength} and ${cluster.bits}`);
    }
    const subnetBits = nodeMaskSize - cluster.prefixLength;
    if (cluster.family === 6 && subnetBits > MAX_IPV6_SUBNET_BITS) {
      throw new CidrSetError(`node CIDR mask size ${nodeMaskSize} is too big for cluster CIDR ${formatCidr(cluster)}: at most ${MAX_IPV6_SUBNET_BITS} bits more than the cluster's`);
    }
    if (subnetBits > 30) throw new CidrSetError(`node CIDR mask size ${nodeMaskSize} splits ${formatCidr(cluster)} into too many ranges`);
    this.cluster = cluster;
    this.nodeMaskSize = nodeMaskSize;
    this.maxCidrs = 2 ** subnetBits;
  }

  get family(): 4 | 6 {
    return this.cluster.family;
  }

  /** How many node ranges are in use. */
  get allocated(): number {
    return this.used.size;
  }

  private blockCidr(index: number): string {
    const shift = BigInt(this.cluster.bits - this.nodeMaskSize);
    return formatCidr({ ...this.cluster, base: this.cluster.base | (BigInt(index) << shift), prefixLength: this.nodeMaskSize });
  }

  /** The next free node range, marked used; undefined when every range is taken. */
  allocateNext(): string | undefined {
    if (this.used.size >= this.maxCidrs) return undefined;
    let candidate = this.nextCandidate;
    while (this.used.has(candidate)) candidate = (candidate + 1) % this.maxCidrs;
    this.nextCandidate = (candidate + 1) % this.maxCidrs;
    this.used.add(candidate);
    return this.blockCidr(candidate);
  }

  /**
   * The block indices `cidr` covers: all blocks of a range wider than a node's, the block holding
   * a narrower one. Undefined when it is not a CIDR of this family or lies outside the cluster CIDR.
   */
  private indices(cidr: string): { begin: number; end: number } | undefined {
    const parsed = parseCidr(cidr);
    if (!parsed || parsed.family !== this.cluster.family) return undefined;
    const { bits } = this.cluster;
    const first = parsed.base;
    const last = parsed.base | hostMask(parsed.prefixLength, bits);
    const clusterFirst = this.cluster.base;
    const clusterLast = clusterFirst | hostMask(this.cluster.prefixLength, bits);
    if (last < clusterFirst || first > clusterLast) return undefined;
    const shift = BigInt(bits - this.nodeMaskSize);
    const lo = first > clusterFirst ? first : clusterFirst;
    const hi = last < clusterLast ? last : clusterLast;
    return { begin: Number((lo - clusterFirst) >> shift), end: Number((hi - clusterFirst) >> shift) };
  }

  /** True when `cidr` is an address range of this family inside the cluster CIDR. */
  contains(cidr: string): boolean {
    return this.indices(cidr) !== undefined;
  }

  /** Marks the range(s) `cidr` covers as used; false when it is outside the cluster CIDR. */
  occupy(cidr: string): boolean {
    const range = this.indices(cidr);
    if (!range) return false;
    for (let i = range.begin; i <= range.end; i++) this.used.add(i);
    return true;
  }

  /** Marks the range(s) `cidr` covers as free; false when it is outside the cluster CIDR. */
  release(cidr: string): boolean {
    const range = this.indices(cidr);
    if (!range) return false;
    for (let i = range.begin; i <= range.end; i++) this.used.delete(i);
    return true;
  }

  /** Whether the node range holding `cidr` is in use. */
  isUsed(cidr: string): boolean {
    const range = this.indices(cidr);
    return range !== undefined && this.used.has(range.begin);
  }
}

/** The mask size Kubernetes gives IPv6 node ranges by default (--node-cidr-mask-size-ipv6). */
export const DEFAULT_IPV6_NODE_MASK_SIZE = 64;

/**
 * The CIDR sets for `--cluster-cidr` (one CIDR, or an IPv4 and an IPv6 one separated by a comma
 * for dual stack). IPv4 nodes get `nodeCidrMaskSize`; IPv6 ones get /64 unless the cluster is
 * IPv6-only and `nodeCidrMaskSize` is a valid IPv6 node mask for it.
 */
export function cidrSetsFor(clusterCidr: string, nodeCidrMaskSize: number): CidrSet[] {
  const cidrs = clusterCidr
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (cidrs.length === 0) throw new CidrSetError('no cluster CIDR given (--cluster-cidr)');
  if (cidrs.length > 2) throw new CidrSetError(`at most two cluster CIDRs (one per IP family) may be given, got ${cidrs.length}`);
  const parsed = cidrs.map((c) => {
    const p = parseCidr(c);
    if (!p) throw new CidrSetError(`invalid cluster CIDR "${c}"`);
    return p;
  });
  if (parsed.length === 2 && parsed[0].family === parsed[1].family) {
    throw new CidrSetError(`dual-stack cluster CIDRs must be one IPv4 and one IPv6, got "${clusterCidr}"`);
  }
  return cidrs.map((c, i) => {
    const p = parsed[i];
    if (p.family === 4) return new CidrSet(c, nodeCidrMaskSize);
    const singleStackMask = cidrs.length === 1 && nodeCidrMaskSize > p.prefixLength && nodeCidrMaskSize - p.prefixLength <= MAX_IPV6_SUBNET_BITS;
    return new CidrSet(c, singleStackMask ? nodeCidrMaskSize : DEFAULT_IPV6_NODE_MASK_SIZE);
  });
}
