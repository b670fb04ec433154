/**
 * The addresses LoadBalancer Services get, from --load-balancer-ip-range: a comma-separated list
 * of CIDRs (`192.168.80.0/28`) and ranges (`192.168.80.10-192.168.80.20`). Each address has at
 * most one holder (a Service key); the pool lives in memory and is rebuilt from the Services'
 * status when the controller starts.
 */

export class IpPoolError extends Error {
  override readonly name = 'IpPoolError';
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function ipToInt(ip: string): number | undefined {
  const m = IPV4.exec(ip.trim());
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => ((n << 8) | o) >>> 0, 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Inclusive first..last. */
interface Block {
  first: number;
  last: number;
}

/** Parses the flag's value; throws IpPoolError naming the bad entry. */
export function parseIpRanges(spec: string): Block[] {
  const blocks: Block[] = [];
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const bad = (why: string): IpPoolError => new IpPoolError(`invalid load balancer IP range "${entry}": ${why}`);
    if (entry.includes('/')) {
      const [ip, prefixText] = entry.split('/');
      const base = ipToInt(ip);
      const prefix = Number(prefixText);
      if (base === undefined || !/^\d{1,2}$/.test(prefixText) || prefix > 32) throw bad('not an IPv4 CIDR');
      const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
      const network = (base & mask) >>> 0;
      const broadcast = (network | ~mask) >>> 0;
      // A /31 or /32 is all usable; larger blocks leave out their network and broadcast addresses.
      blocks.push(prefix >= 31 ? { first: network, last: broadcast } : { first: network + 1, last: broadcast - 1 });
    } else if (entry.includes('-')) {
      const [a, b] = entry.split('-');
      const first = ipToInt(a);
      const last = ipToInt(b);
      if (first === undefined || last === undefined) throw bad('not a range of two IPv4 addresses');
      if (last < first) throw bad('the range ends before it starts');
      blocks.push({ first, last });
    } else {
      const ip = ipToInt(entry);
      if (ip === undefined) throw bad('not an IPv4 address, CIDR or range');
      blocks.push({ first: ip, last: ip });
    }
  }
  return blocks;
}

export class IpPool {
  private readonly blocks: Block[];
  private readonly holders = new Map<number, string>();
  private readonly byHolder = new Map<string, number>();

  constructor(spec: string) {
    this.blocks = parseIpRanges(spec);
  }

  get size(): number {
    return this.blocks.reduce((n, b) => n + b.last - b.first + 1, 0);
  }

  get allocated(): number {
    return this.holders.size;
  }

  contains(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && this.blocks.some((b) => n >= b.first && n <= b.last);
  }

  holderOf(ip: string): string | undefined {
    const n = ipToInt(ip);
    return n === undefined ? undefined : this.holders.get(n);
  }

  /** The address `holder` has, if any. */
  addressOf(holder: string): string | undefined {
    const n = this.byHolder.get(holder);
    return n === undefined ? undefined : intToIp(n);
  }

  /**
   * Gives `ip` to `holder` (releasing what it held before) if the pool has it and nobody else
   * holds it. Returns whether `holder` now holds `ip`.
   */
  hold(ip: string, holder: string): boolean {
    const n = ipToInt(ip);
    if (n === undefined || !this.contains(ip)) return false;
    const current = this.holders.get(n);
    if (current !== undefined && current !== holder) return false;
    if (current === holder) return true;
    this.release(holder);
    this.holders.set(n, holder);
    this.byHolder.set(holder, n);
    return true;
  }

  /** The lowest free address for `holder` (or the one it holds), undefined when all are taken. */
  allocate(holder: string): string | undefined {
    const held = this.addressOf(holder);
    if (held) return held;
    for (const block of this.blocks) {
      for (let n = block.first; n <= block.last; n++) {
        if (!this.holders.has(n)) {
          this.holders.set(n, holder);
          this.byHolder.set(holder, n);
          return intToIp(n);
        }
      }
    }
    return undefined;
  }

  /** Frees what `holder` holds; returns the address freed. */
  release(holder: string): string | undefined {
    const n = this.byHolder.get(holder);
    if (n === undefined) return undefined;
    this.byHolder.delete(holder);
    this.holders.delete(n);
    return intToIp(n);
  }
}
