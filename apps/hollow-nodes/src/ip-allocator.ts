/**
 * Pretend addresses: node InternalIPs from one range by node index, and pod IPs unique per node,
 * from the node's podCIDR once the controller-manager has set one, else from a fallback /24
 * picked by the node's index.
 */

export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit number. */
  readonly base: number;
  readonly prefix: number;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `10.244.3.0/24` → its network and prefix; undefined for IPv6 or malformed text. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (ip === undefined || !/^[0-9]{1,2}$/.test(prefixText) || Number(prefixText) > 32) return undefined;
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  return { base: ip - (ip % size), prefix };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.base)}/${cidr.prefix}`;
}

export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** The InternalIP of the node with `index` (from 0): the (index+1)-th address of `range`. */
export function nodeAddress(range: Ipv4Cidr, index: number): string {
  if (index + 1 >= cidrSize(range) - 1) throw new Error(`node index ${index} does not fit in ${formatCidr(range)}`);
  return formatIpv4(range.base + index + 1);
}

/** The `index`-th /24 of `range`, a node's pod range while it has no podCIDR. */
export function fallbackPodRange(range: Ipv4Cidr, index: number): Ipv4Cidr {
  if (range.prefix > 24) throw new Error(`${formatCidr(range)} is smaller than a /24`);
  if (index >= 2 ** (24 - range.prefix)) throw new Error(`node index ${index} has no /24 left in ${formatCidr(range)}`);
  return { base: range.base + index * 256, prefix: 24 };
}

/** How many nodes a range serves: addresses for node IPs, /24s for fallback pod ranges. */
export function nodeCapacityOf(nodeRange: Ipv4Cidr, podRange: Ipv4Cidr): number {
  return Math.min(cidrSize(nodeRange) - 2, podRange.prefix > 24 ? 0 : 2 ** (24 - podRange.prefix));
}

/**
 * Hands out pod IPs per node: the network address, the gateway (.1, the node's bridge on a real
 * kubelet) and the broadcast address are never given; an address is unique on its node until
 * released. Allocation is keyed by pod uid, so asking twice for one pod gives the same IP.
 */
export class PodIpAllocator {
  private readonly byNode = new Map<string, { byUid: Map<string, string>; used: Set<string>; cursor: number }>();

  private node(nodeName: string): { byUid: Map<string, string>; used: Set<string>; cursor: number } {
    let entry = this.byNode.get(nodeName);
    if (!entry) this.byNode.set(nodeName, (entry = { byUid: new Map(), used: new Set(), cursor: 0 }));
    return entry;
  }

  /** Records an IP a pod already has (found in its status on a restart). */
  reserve(nodeName: string, uid: string, ip: string): void {
    const entry = this.node(nodeName);
    const previous = entry.byUid.get(uid);
    if (previous === ip) return;
    if (previous) entry.used.delete(previous);
    entry.byUid.set(uid, ip);
    entry.used.add(ip);
  }

  /** The pod's IP on `nodeName`, drawn from `range` the first time; throws when the range is full. */
  allocate(nodeName: string, uid: string, range: Ipv4Cidr): string {
    const entry = this.node(nodeName);
    const existing = entry.byUid.get(uid);
    if (existing) return existing;
    const size = cidrSize(range);
    const first = size > 4 ? 2 : 0;
    const count = size > 4 ? size - 3 : size;
    for (let i = 0; i < count; i++) {
      const offset = first + ((entry.cursor + i) % count);
      const ip = formatIpv4(range.base + offset);
      if (!entry.used.has(ip)) {
        entry.cursor = (entry.cursor + i + 1) % count;
        entry.used.add(ip);
        entry.byUid.set(uid, ip);
        return ip;
      }
    }
    throw new Error(`no pod IP left in ${formatCidr(range)} on node ${nodeName}`);
  }

  release(nodeName: string, uid: string): void {
    const entry = this.byNode.get(nodeName);
    const ip = entry?.byUid.get(uid);
    if (!entry || ip === undefined) return;
    entry.byUid.delete(uid);
    entry.used.delete(ip);
  }

  ipOf(nodeName: string, uid: string): string | undefined {
    return this.byNode.get(nodeName)?.byUid.get(uid);
  }

  /** How many IPs are held on a node. */
  inUse(nodeName: string): number {
    return this.byNode.get(nodeName)?.used.size ?? 0;
  }
}
