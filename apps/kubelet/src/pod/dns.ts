import type { corev1 } from '@minik8s/api';

export interface DnsSettings {
  /** --cluster-dns: the cluster DNS Service IPs. */
  clusterDNS: readonly string[];
  /** --cluster-domain */
  clusterDomain: string;
  /** The host's resolv.conf (for the Default policy and the host's search domains). */
  hostResolvConf: string;
}

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.searches = rest;
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

function mergeOptions(base: string[], extra: corev1.PodDNSConfigOption[]): string[] {
  const byName = new Map(base.map((o) => [o.split(':')[0], o]));
  for (const o of extra) byName.set(o.name ?? '', o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? ''));
  return [...byName.values()].filter(Boolean);
}

/**
 * The pod's resolv.conf under its dnsPolicy, as the kubelet writes it: ClusterFirst uses the
 * cluster DNS with `<ns>.svc.<domain> svc.<domain> <domain>` and ndots:5; Default uses the
 * host's; None only dnsConfig. Returns undefined when the runtime's default (the host's) applies.
 */
export function resolvConfFor(spec: corev1.PodSpec, namespace: string, dns: DnsSettings): ResolvConf | undefined {
  let policy = spec.dnsPolicy || 'ClusterFirst';
  if (policy === 'ClusterFirst' && spec.hostNetwork) policy = 'Default';
  if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  if (policy === 'ClusterFirst' && dns.clusterDNS.length === 0) policy = 'Default';
  const host = parseResolvConf(dns.hostResolvConf);
  let conf: ResolvConf;
  if (policy === 'None') conf = { nameservers: [], searches: [], options: [] };
  else if (policy === 'Default') {
    if (!spec.dnsConfig) return undefined;
    conf = host;
  } else {
    const d = dns.clusterDomain;
    conf = {
      nameservers: [...dns.clusterDNS],
      searches: [`${namespace}.svc.${d}`, `svc.${d}`, d, ...host.searches],
      options: ['ndots:5'],
    };
  }
  const cfg = spec.dnsConfig;
  if (cfg) {
    conf = {
      nameservers: [...conf.nameservers, ...(cfg.nameservers ?? [])],
      searches: [...conf.searches, ...(cfg.searches ?? [])],
      options: mergeOptions(conf.options, cfg.options ?? []),
    };
  }
  return {
    nameservers: [...new Set(conf.nameservers)].slice(0, MAX_NAMESERVERS),
    searches: [...new Set(conf.searches)].slice(0, MAX_SEARCHES),
    options: conf.options,
  };
}

export function formatResolvConf(conf: ResolvConf): string {
  const lines: string[] = [];
  for (const ns of conf.nameservers) lines.push(`nameserver ${ns}`);
  if (conf.searches.length > 0) lines.push(`search ${conf.searches.join(' ')}`);
  if (conf.options.length > 0) lines.push(`options ${conf.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** The kubelet-managed /etc/hosts of a pod on the pod network. */
export function hostsFileFor(pod: corev1.Pod, podIP: string, clusterDomain: string): string {
  const spec = pod.spec ?? {};
  const hostname = spec.hostname || pod.metadata?.name || '';
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (podIP) {
    lines.push(
      spec.subdomain
        ? `${podIP}\t${hostname}.${spec.subdomain}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}\t${hostname}`
        : `${podIP}\t${hostname}`,
    );
  }
  const aliases = spec.hostAliases ?? [];
  if (aliases.length > 0) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}
