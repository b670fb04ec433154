import { parseCIDR } from '@minik8s/api';

/** An IPv4 CIDR as numbers, for picking and checking addresses in it. */
export class Ipv4Range {
  private constructor(
    readonly cidr: string,
    readonly base: number,
    readonly size: number,
  ) {}

  static parse(cidr: string): Ipv4Range {
    const parsed = parseCIDR(cidr);
    if (!parsed || parsed.ip.family !== 4) throw new Error(`invalid IPv4 CIDR "${cidr}"`);
    const bytes = parsed.ip.bytes;
    const addr = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
    const size = 2 ** (32 - parsed.prefixLength);
    const base = Math.floor(addr / size) * size;
    return new Ipv4Range(cidr, base, size);
  }

  /** The address at `offset` from the network address. */
  at(offset: number): string {
    const n = this.base + offset;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }

  /** The offset of `ip` in the range, or undefined when it lies outside or is not IPv4. */
  offsetOf(ip: string): number | undefined {
    const parts = ip.split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    const n = parts.reduce((acc, p) => acc * 256 + Number(p), 0);
    const offset = n - this.base;
    return offset >= 0 && offset < this.size ? offset : undefined;
  }
}
