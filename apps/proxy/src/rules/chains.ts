import { createHash } from 'node:crypto';
import { servicePortName, type EndpointInfo, type ServicePortInfo } from './model';

// The fixed chains, with kube-proxy's names.
export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';

/** The mark bit that asks KUBE-POSTROUTING to masquerade a packet (kube-proxy's default). */
export const MASQUERADE_MARK = '0x4000';

/** Prefixes of the per-service and per-endpoint chains, which come and go with Services. */
export const DYNAMIC_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-SEP-', 'KUBE-FW-'];

/** Every chain this proxy owns, fixed ones included: what `--cleanup` removes. */
export function isProxyChain(chain: string): boolean {
  return (
    [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ, KUBE_FORWARD, 'KUBE-PROXY-CANARY', 'KUBE-PROXY-FIREWALL'].includes(chain) ||
    DYNAMIC_CHAIN_PREFIXES.some((p) => chain.startsWith(p))
  );
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

const hashCache = new Map<string, string>();
/** Past this many names the cache starts over, so Services long gone do not pile up. */
const HASH_CACHE_LIMIT = 100_000;

/**
 * A stable 16-character name part: the first characters of base32(sha256(text)). Remembered,
 * since every sync names the chains of every service again (with 1,000 Services hashing was
 * most of a sync's time).
 */
export function hashName(text: string): string {
  let name = hashCache.get(text);
  if (name === undefined) {
    name = base32(createHash('sha256').update(text).digest()).slice(0, 16);
    if (hashCache.size >= HASH_CACHE_LIMIT) hashCache.clear();
    hashCache.set(text, name);
  }
  return name;
}

function portKey(sp: ServicePortInfo): string {
  return servicePortName(sp) + sp.protocol.toLowerCase();
}

/** KUBE-SVC-<hash>: load-balances over every usable endpoint of the service port. */
export function serviceChain(sp: ServicePortInfo): string {
  return `KUBE-SVC-${hashName(portKey(sp))}`;
}

/** KUBE-SVL-<hash>: load-balances over the node-local endpoints only (the Local policies). */
export function serviceLocalChain(sp: ServicePortInfo): string {
  return `KUBE-SVL-${hashName(portKey(sp))}`;
}

/** KUBE-EXT-<hash>: where NodePort, external and load-balancer traffic enters. */
export function externalChain(sp: ServicePortInfo): string {
  return `KUBE-EXT-${hashName(portKey(sp))}`;
}

/** KUBE-SEP-<hash>: DNATs to one endpoint. */
export function endpointChain(sp: ServicePortInfo, ep: Pick<EndpointInfo, 'ip' | 'port'>): string {
  return `KUBE-SEP-${hashName(`${portKey(sp)}${ep.ip}:${ep.port}`)}`;
}
