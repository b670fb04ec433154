import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_SERVICES,
  MASQUERADE_MARK,
  endpointChain,
  externalChain,
  serviceChain,
  serviceLocalChain,
} from './chains';
import { servicePortName, usableEndpoints, type EndpointInfo, type ServicePortInfo } from './model';

export type TableName = 'filter' | 'nat';


/** The chains and rules this proxy owns in one table. */
export interface TableRules {
  /** Every chain declared, in order; declaring a chain in `--noflush` mode empties it. */
  chains: string[];
  /** `-A CHAIN ...` lines. */
  rules: string[];
}

export interface Ruleset {
  filter: TableRules;
  nat: TableRules;
}

export interface RulesetOptions {
  /** The cluster's pod CIDR: cluster-IP traffic from outside it is masqueraded. '' means none. */
  clusterCIDR: string;
  /** Masquerade every cluster-IP connection (kube-proxy's --masquerade-all). */
  masqueradeAll: boolean;
}

/** Quotes a comment the way iptables-save prints it (quotes only when needed). */
function comment(text: string): string {
  return `-m comment --comment ${/^[A-Za-z0-9_./:-]+$/.test(text) ? text : JSON.stringify(text)}`;
}

function proto(sp: ServicePortInfo): string {
  const p = sp.protocol.toLowerCase();
  return `-p ${p} -m ${p}`;
}

/** kube-proxy's probability: 1/(n-i), written with ten decimals. */
function probability(remaining: number): string {
  return (1 / remaining).toFixed(10);
}

/**
 * The load-balancing rules of a KUBE-SVC/KUBE-SVL chain: affinity checks first (a client that
 * was sent to an endpoint within the timeout goes there again), then random choice by
 * probability, the last endpoint taking what is left.
 */
function balanceRules(chain: string, sp: ServicePortInfo, endpoints: readonly EndpointInfo[]): string[] {
  const rules: string[] = [];
  const name = servicePortName(sp);
  if (sp.affinityTimeoutSeconds > 0) {
    for (const ep of endpoints) {
      const sep = endpointChain(sp, ep);
      rules.push(
        `-A ${chain} ${comment(`${name} -> ${ep.ip}:${ep.port}`)} -m recent --name ${sep} --rcheck --seconds ${sp.affinityTimeoutSeconds} --reap -j ${sep}`,
      );
    }
  }
  endpoints.forEach((ep, i) => {
    const sep = endpointChain(sp, ep);
    const remaining = endpoints.length - i;
    const stat = remaining > 1 ? ` -m statistic --mode random --probability ${probability(remaining)}` : '';
    rules.push(`-A ${chain} ${comment(`${name} -> ${ep.ip}:${ep.port}`)}${stat} -j ${sep}`);
  });
  return rules;
}

/** What one service port adds to the tables, in the order the ruleset writes it. */
interface PortRules {
  filter: string[];
  natService: string[];
  natNodePort: string[];
  chains: { chain: string; rules: string[] }[];
}

function servicePortRules(sp: ServicePortInfo, options: RulesetOptions): PortRules {
  const out: PortRules = { filter: [], natService: [], natNodePort: [], chains: [] };
  const name = servicePortName(sp);
  const p = proto(sp);
  const svcChain = serviceChain(sp);
  const svlChain = serviceLocalChain(sp);
  const extChain = externalChain(sp);

  const clusterEndpoints = usableEndpoints(sp.endpoints);
  const localEndpoints = usableEndpoints(sp.endpoints.filter((e) => e.isLocal));
  const hasExternal = sp.nodePort > 0 || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
  const usesLocalChain = (sp.internalPolicyLocal || sp.externalPolicyLocal) && localEndpoints.length > 0;

  const internalEndpoints = sp.internalPolicyLocal ? localEndpoints : clusterEndpoints;
  const internalChain = sp.internalPolicyLocal ? svlChain : svcChain;
  const externalEndpoints = sp.externalPolicyLocal ? localEndpoints : clusterEndpoints;
  // No endpoints at all: REJECT at once. Endpoints, but none this traffic may use: DROP.
  const internalVerdict = clusterEndpoints.length === 0 ? 'REJECT' : 'DROP';
  const internalWhy = clusterEndpoints.length === 0 ? 'has no endpoints' : 'has no local endpoints';

  // Cluster IP.
  const clusterMatch = `-d ${sp.clusterIP}/32 ${p} --dport ${sp.port}`;
  if (internalEndpoints.length > 0) {
    out.natService.push(`-A ${KUBE_SERVICES} ${comment(`${name} cluster IP`)} ${clusterMatch} -j ${internalChain}`);
  } else {
    out.filter.push(`-A ${KUBE_SERVICES} ${comment(`${name} ${internalWhy}`)} ${clusterMatch} -j ${internalVerdict}`);
  }

  // External IPs, load-balancer IPs and the node port all enter through KUBE-EXT.
  if (hasExternal) {
    const verdict = clusterEndpoints.length === 0 ? 'REJECT' : 'DROP';
    const why = clusterEndpoints.length === 0 ? 'has no endpoints' : 'has no local endpoints';
    const useExt = externalEndpoints.length > 0;
    for (const [ips, what] of [[sp.externalIPs, 'external IP'], [sp.loadBalancerIPs, 'loadbalancer IP']] as const) {
      for (const ip of ips) {
        const match = `-d ${ip}/32 ${p} --dport ${sp.port}`;
        if (useExt) out.natService.push(`-A ${KUBE_SERVICES} ${comment(`${name} ${what}`)} ${match} -j ${extChain}`);
        else out.filter.push(`-A ${KUBE_EXTERNAL_SERVICES} ${comment(`${name} ${why}`)} ${match} -j ${verdict}`);
      }
    }
    if (sp.nodePort > 0) {
      if (useExt) out.natNodePort.push(`-A ${KUBE_NODEPORTS} ${comment(name)} ${p} --dport ${sp.nodePort} -j ${extChain}`);
      else out.filter.push(`-A ${KUBE_EXTERNAL_SERVICES} ${comment(`${name} ${why}`)} -m addrtype --dst-type LOCAL ${p} --dport ${sp.nodePort} -j ${verdict}`);
    }
    if (useExt) {
      const rules: string[] = [];
      if (sp.externalPolicyLocal) {
        // Pods and the node itself may still use every endpoint; only outside traffic stays
        // local, keeping the client's source address.
        if (options.clusterCIDR) {
          rules.push(`-A ${extChain} ${comment(`pod traffic for ${name} external destinations`)} -s ${options.clusterCIDR} -j ${svcChain}`);
        }
        rules.push(
          `-A ${extChain} ${comment(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`,
          `-A ${extChain} ${comment(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${svcChain}`,
          `-A ${extChain} -j ${svlChain}`,
        );
      } else {
        rules.push(
          `-A ${extChain} ${comment(`masquerade traffic for ${name} external destinations`)} -j ${KUBE_MARK_MASQ}`,
          `-A ${extChain} -j ${svcChain}`,
        );
      }
      out.chains.push({ chain: extChain, rules });
    }
  }

  if (clusterEndpoints.length > 0) {
    const rules: string[] = [];
    if (options.masqueradeAll) {
      rules.push(`-A ${svcChain} ${comment(`${name} cluster IP`)} ${clusterMatch} -j ${KUBE_MARK_MASQ}`);
    } else if (options.clusterCIDR) {
      rules.push(`-A ${svcChain} ${comment(`${name} cluster IP`)} ! -s ${options.clusterCIDR} ${clusterMatch} -j ${KUBE_MARK_MASQ}`);
    }
    rules.push(...balanceRules(svcChain, sp, clusterEndpoints));
    out.chains.push({ chain: svcChain, rules });
  }
  if (usesLocalChain) out.chains.push({ chain: svlChain, rules: balanceRules(svlChain, sp, localEndpoints) });

  // Endpoint chains: hairpin masquerade (a pod reaching itself through its Service), then DNAT.
  const endpoints = new Map<string, EndpointInfo>();
  for (const ep of [...clusterEndpoints, ...(usesLocalChain ? localEndpoints : [])]) endpoints.set(endpointChain(sp, ep), ep);
  for (const [sep, ep] of endpoints) {
    const affinity = sp.affinityTimeoutSeconds > 0 ? ` -m recent --name ${sep} --set` : '';
    out.chains.push({
      chain: sep,
      rules: [
        `-A ${sep} ${comment(name)} -s ${ep.ip}/32 -j ${KUBE_MARK_MASQ}`,
        `-A ${sep} ${comment(name)}${affinity} ${p} -j DNAT --to-destination ${ep.ip}:${ep.port}`,
      ],
    });
  }
  return out;
}

/**
 * Each service port's rules, remembered by its model and the options: a sync after one change
 * renders only what changed (with 1,000 Services, rendering them all was most of a sync).
 */
const portRulesCache = new Map<string, PortRules>();

function cachedPortRules(sp: ServicePortInfo, options: RulesetOptions, seen: Set<string>): PortRules {
  const key = `${options.clusterCIDR}|${options.masqueradeAll}|${JSON.stringify(sp)}`;
  seen.add(key);
  let rules = portRulesCache.get(key);
  if (!rules) {
    rules = servicePortRules(sp, options);
    portRulesCache.set(key, rules);
  }
  return rules;
}

/**
 * The whole desired state of this proxy's chains, as kube-proxy's iptables mode lays it out.
 * Pure: the same input always gives the same text.
 */
export function buildRuleset(servicePorts: readonly ServicePortInfo[], options: RulesetOptions): Ruleset {
  const filter: TableRules = { chains: [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD], rules: [] };
  const nat: TableRules = { chains: [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ], rules: [] };

  filter.rules.push(
    `-A ${KUBE_FORWARD} -m conntrack --ctstate INVALID -j DROP`,
    `-A ${KUBE_FORWARD} ${comment('kubernetes forwarding rules')} -m mark --mark ${MASQUERADE_MARK}/${MASQUERADE_MARK} -j ACCEPT`,
    `-A ${KUBE_FORWARD} ${comment('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );
  nat.rules.push(
    `-A ${KUBE_POSTROUTING} -m mark ! --mark ${MASQUERADE_MARK}/${MASQUERADE_MARK} -j RETURN`,
    `-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${MASQUERADE_MARK}`,
    `-A ${KUBE_POSTROUTING} ${comment('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully`,
    `-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${MASQUERADE_MARK}`,
  );

  // Per-service chains are written after the fixed ones, each chain's rules together.
  const chainRules: { chain: string; rules: string[] }[] = [];
  const natServiceRules: string[] = [];
  const natNodePortRules: string[] = [];

  const used = new Set<string>();
  for (const sp of servicePorts) {
    const r = cachedPortRules(sp, options, used);
    filter.rules.push(...r.filter);
    natServiceRules.push(...r.natService);
    natNodePortRules.push(...r.natNodePort);
    chainRules.push(...r.chains);
  }
  // Forget what no service port uses any more.
  for (const key of portRulesCache.keys()) if (!used.has(key)) portRulesCache.delete(key);

  nat.rules.push(...natServiceRules);
  nat.rules.push(
    `-A ${KUBE_SERVICES} ${comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j ${KUBE_NODEPORTS}`,
  );
  nat.rules.push(...natNodePortRules);
  const seen = new Set<string>();
  for (const { chain, rules } of chainRules) {
    if (!seen.has(chain)) nat.chains.push(chain);
    seen.add(chain);
    nat.rules.push(...rules);
  }
  return { filter, nat };
}

const byChainCache = new WeakMap<TableRules, Map<string, string[]>>();

/** The `-A CHAIN ...` lines of one table, grouped by chain (worked out once per table). */
function rulesByChain(t: TableRules): Map<string, string[]> {
  const cached = byChainCache.get(t);
  if (cached) return cached;
  const out = new Map<string, string[]>();
  for (const rule of t.rules) {
    const chain = rule.slice(3, rule.indexOf(' ', 3));
    const list = out.get(chain);
    if (list) list.push(rule);
    else out.set(chain, [rule]);
  }
  byChainCache.set(t, out);
  return out;
}

function sameRules(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (a?.length ?? 0) === (b?.length ?? 0) && (a ?? []).every((r, i) => r === b?.[i]);
}

/**
 * The iptables-restore input (for `--noflush`) that makes the tables match `ruleset`: every
 * owned chain is declared (which empties it) and refilled, and `stale` chains, which a previous
 * ruleset had and this one does not, are emptied and deleted, all in one transaction.
 *
 * With `previous` (the ruleset the tables hold now), only the diff's worth is written: a chain
 * only when it is new or its rules changed; the others are left as they are, since a chain not
 * mentioned in a `--noflush` restore keeps its rules. An endpoint change so rewrites its
 * service's chains alone, not KUBE-SERVICES with a rule per service (kube-proxy's partial
 * syncs still rewrite that one; with iptables-nft its size is what makes a restore slow).
 */
export function renderRestore(ruleset: Ruleset, stale: Partial<Record<TableName, readonly string[]>> = {}, previous?: Ruleset): string {
  const lines: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const t = ruleset[table];
    const wanted = new Set(t.chains);
    const gone = [...new Set(stale[table] ?? [])].filter((c) => !wanted.has(c)).sort();
    let chains = t.chains;
    let rules = t.rules;
    if (previous) {
      const now = rulesByChain(t);
      const before = rulesByChain(previous[table]);
      const hadChain = new Set(previous[table].chains);
      const write = new Set(t.chains.filter((c) => !hadChain.has(c) || !sameRules(now.get(c), before.get(c))));
      chains = t.chains.filter((c) => write.has(c));
      rules = t.rules.filter((r) => write.has(r.slice(3, r.indexOf(' ', 3))));
    }
    lines.push(`*${table}`);
    for (const chain of [...chains, ...gone]) lines.push(`:${chain} - [0:0]`);
    lines.push(...rules);
    for (const chain of gone) lines.push(`-X ${chain}`);
    lines.push('COMMIT');
  }
  return `${lines.join('\n')}\n`;
}
