import type { corev1 } from '@minik8s/api';

/**
 * The pure half of the host-gw node network: which routes and iptables rules a node wants,
 * computed from the Node objects, and how to get from what the kernel has to that.
 */

/**
 * The routing protocol number our routes carry (`ip route ... proto 77`): it marks them as ours,
 * so a sync lists, replaces and deletes only them and never a route someone else added.
 */
export const ROUTE_PROTO = 77;

/** Our chains, named like flannel's (FLANNEL-POSTRTG, FLANNEL-FWD). */
export const POSTROUTING_CHAIN = 'MINIK8S-POSTROUTING';
export const FORWARD_CHAIN = 'MINIK8S-FORWARD';

/** kube-proxy's masquerade mark: such packets are left for KUBE-POSTROUTING to SNAT. */
export const PROXY_MASQ_MARK = '0x4000';

/** One route to another node's pods. */
export interface PodRoute {
  /** The other node's spec.podCIDR. */
  cidr: string;
  /** The other node's InternalIP. */
  via: string;
  /** The node this route leads to (for logs). */
  node?: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIPv4(ip: string | undefined): ip is string {
  const m = ip ? IPV4.exec(ip) : null;
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

export function isIPv4CIDR(cidr: string | undefined): cidr is string {
  if (!cidr) return false;
  const [ip, prefix, ...rest] = cidr.split('/');
  return rest.length === 0 && isIPv4(ip) && /^\d{1,2}$/.test(prefix ?? '') && Number(prefix) <= 32;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0);
}

/** Whether `ip` lies inside `cidr`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return ((ipToInt(base) & mask) >>> 0) === ((ipToInt(ip) & mask) >>> 0);
}

/** A Node's InternalIP (the first IPv4 one), as host-gw routes through it. */
export function internalIP(node: corev1.Node): string | undefined {
  return (node.status?.addresses ?? []).find((a) => a.type === 'InternalIP' && isIPv4(a.address))?.address;
}

/**
 * The routes this node wants: one to every other node's podCIDR via that node's InternalIP.
 * Nodes without a podCIDR or an InternalIP yet, nodes being deleted, and nodes whose address is
 * loopback (all nodes on one host) get none; neither does a podCIDR that overlaps our own.
 */
export function desiredRoutes(nodes: readonly corev1.Node[], selfName: string, selfPodCIDR: string): PodRoute[] {
  const out: PodRoute[] = [];
  const seen = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    if (!name || name === selfName || node.metadata?.deletionTimestamp) continue;
    const cidr = node.spec?.podCIDR;
    const via = internalIP(node);
    if (!isIPv4CIDR(cidr) || !via || via.startsWith('127.')) continue;
    if (cidr === selfPodCIDR || seen.has(cidr)) continue;
    seen.add(cidr);
    out.push({ cidr, via, node: name });
  }
  return out.sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));
}

/**
 * Our routes in `ip -4 route show proto 77` output, e.g.
 * `10.244.2.0/24 via 192.168.1.12 dev eth0 onlink`.
 */
export function parseRoutes(output: string): PodRoute[] {
  const out: PodRoute[] = [];
  for (const line of output.split('\n')) {
    const words = line.trim().split(/\s+/);
    const via = words.indexOf('via');
    if (via < 0 || !words[0]) continue;
    // The kernel prints a /32 without its prefix.
    const cidr = words[0].includes('/') ? words[0] : `${words[0]}/32`;
    if (isIPv4CIDR(cidr) && isIPv4(words[via + 1])) out.push({ cidr, via: words[via + 1] });
  }
  return out;
}

export interface RouteChanges {
  /** Routes to add, or to replace (same CIDR, another gateway). */
  replace: PodRoute[];
  /** Our routes no node asks for any more. */
  remove: PodRoute[];
}

export function routeChanges(desired: readonly PodRoute[], current: readonly PodRoute[]): RouteChanges {
  const have = new Map(current.map((r) => [r.cidr, r.via]));
  const want = new Set(desired.map((r) => r.cidr));
  return {
    replace: desired.filter((r) => have.get(r.cidr) !== r.via),
    remove: current.filter((r) => !want.has(r.cidr)),
  };
}

/** The `ip route` arguments that add or replace one of our routes. */
export function routeReplaceArgs(route: PodRoute, iface: string): string[] {
  return ['-4', 'route', 'replace', route.cidr, 'via', route.via, ...(iface ? ['dev', iface, 'onlink'] : []), 'proto', String(ROUTE_PROTO)];
}

export function routeDeleteArgs(route: PodRoute): string[] {
  return ['-4', 'route', 'del', route.cidr, 'via', route.via, 'proto', String(ROUTE_PROTO)];
}

/** A rule in a built-in (or Docker's) chain that sends traffic into one of ours. */
export interface NetworkJump {
  table: 'filter' | 'nat';
  chain: string;
  args: string[];
}

/**
 * The jumps into our chains. Forwarded traffic enters through DOCKER-USER when Docker runs on
 * the node (its FORWARD policy is DROP and only DOCKER-USER comes before its own rules), else
 * through FORWARD.
 */
export function networkJumps(forwardChain: 'DOCKER-USER' | 'FORWARD'): NetworkJump[] {
  return [
    { table: 'nat', chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'minik8s pod network masquerade rules', '-j', POSTROUTING_CHAIN] },
    { table: 'filter', chain: forwardChain, args: ['-m', 'comment', '--comment', 'minik8s pod network forwarding rules', '-j', FORWARD_CHAIN] },
  ];
}

/**
 * The iptables-restore input (for `--noflush`) that (re)writes our two chains:
 * - nat: packets the proxy marked for masquerading are left to it; pod-to-pod traffic inside the
 *   cluster CIDR is ACCEPTed, which ends the nat table's POSTROUTING for it, so no later
 *   MASQUERADE (Docker's for the bridge subnet) hides the pod's address; pod traffic leaving the
 *   cluster CIDR is masqueraded to the node's address.
 * - filter: traffic from or to the cluster CIDR is forwarded (Docker's FORWARD policy would drop
 *   traffic arriving from another node for the pod bridge).
 */
export function renderNetworkRules(clusterCIDR: string): string {
  const c = (text: string): string => `-m comment --comment "${text}"`;
  return [
    '*nat',
    `:${POSTROUTING_CHAIN} - [0:0]`,
    `-A ${POSTROUTING_CHAIN} ${c('leave proxy-marked traffic to KUBE-POSTROUTING')} -m mark --mark ${PROXY_MASQ_MARK}/${PROXY_MASQ_MARK} -j RETURN`,
    `-A ${POSTROUTING_CHAIN} ${c('pod-to-pod traffic keeps its source IP')} -s ${clusterCIDR} -d ${clusterCIDR} -j ACCEPT`,
    `-A ${POSTROUTING_CHAIN} ${c('pod traffic leaving the cluster CIDR')} -s ${clusterCIDR} ! -d ${clusterCIDR} -j MASQUERADE --random-fully`,
    'COMMIT',
    '*filter',
    `:${FORWARD_CHAIN} - [0:0]`,
    `-A ${FORWARD_CHAIN} ${c('forward traffic from pods')} -s ${clusterCIDR} -j ACCEPT`,
    `-A ${FORWARD_CHAIN} ${c('forward traffic to pods')} -d ${clusterCIDR} -j ACCEPT`,
    'COMMIT',
    '',
  ].join('\n');
}

/** The input that removes our chains (after their jumps are gone). */
export function renderNetworkCleanup(present: { nat: boolean; filter: boolean }): string {
  const lines: string[] = [];
  if (present.nat) lines.push('*nat', `:${POSTROUTING_CHAIN} - [0:0]`, `-X ${POSTROUTING_CHAIN}`, 'COMMIT');
  if (present.filter) lines.push('*filter', `:${FORWARD_CHAIN} - [0:0]`, `-X ${FORWARD_CHAIN}`, 'COMMIT');
  return lines.length ? `${lines.join('\n')}\n` : '';
}
