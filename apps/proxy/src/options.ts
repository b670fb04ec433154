import { FlagError, type FlagSpec, type FlagValues } from '@minik8s/flags';

/** The proxy's flags, with kube-proxy's names. */
export const FLAGS = {
  server: { type: 'string', description: 'The address (host:port) of the apiserver.', default: '127.0.0.1:6443' },
  nodeName: { type: 'string', description: 'The name of the Node this proxy runs on; endpoints on it are local (required unless --cleanup).' },
  nodeIp: { type: 'string', description: 'The IP address of this node (informational: node ports answer on every local address, as kube-proxy does).' },
  proxyMode: { type: 'string', description: 'Which proxy mode to use: only iptables is implemented.', default: 'iptables' },
  clusterCidr: { type: 'string', description: 'The CIDR range of pods in the cluster; cluster-IP traffic from outside it is masqueraded ("" disables).', default: '10.244.0.0/16' },
  masqueradeAll: { type: 'boolean', description: 'SNAT all traffic sent via Service cluster IPs.', default: false },
  minSyncPeriod: { type: 'number', description: 'Milliseconds: changes closer together than this are applied in one sync.', default: 1000 },
  iptablesSyncPeriod: {
    type: 'number',
    description: 'Milliseconds between checks of the rules: a flushed table is rewritten at once, and every rule at least hourly (0 disables).',
    default: 30000,
  },
  netns: { type: 'string', description: 'Run iptables and conntrack inside this network namespace (ip netns exec), for tests and sandboxes.' },
  cleanup: { type: 'boolean', description: 'Remove every rule and chain this proxy created, then exit.', default: false },
  logLevel: { type: 'string', description: 'Log level: fatal, error, warn, info, debug, trace.' },
  v: { type: 'number', description: 'Log verbosity, klog style (2 = debug, 4 = trace).', default: 0 },
  logFormat: { type: 'string', description: 'Log format: json or pretty (default: pretty on a terminal).' },
} satisfies Record<string, FlagSpec>;

export type ProxyFlags = FlagValues<typeof FLAGS>;

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Checks the flags that main cannot pass on as they are. */
export function validateFlags(flags: ProxyFlags): void {
  if (flags.proxyMode !== 'iptables') {
    throw new FlagError(`invalid argument "${flags.proxyMode}" for "--proxy-mode" flag: only "iptables" is supported`);
  }
  if (!flags.cleanup && !flags.nodeName) throw new FlagError('--node-name is required');
  if (flags.clusterCidr) {
    const m = CIDR.exec(flags.clusterCidr);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
      throw new FlagError(`invalid argument "${flags.clusterCidr}" for "--cluster-cidr" flag: not an IPv4 CIDR`);
    }
  }
  if (flags.nodeIp && !/^\d{1,3}(\.\d{1,3}){3}$/.test(flags.nodeIp)) {
    throw new FlagError(`invalid argument "${flags.nodeIp}" for "--node-ip" flag: not an IPv4 address`);
  }
  if (flags.minSyncPeriod < 0 || flags.iptablesSyncPeriod < 0) throw new FlagError('sync periods must not be negative');
  if (flags.netns && !/^[A-Za-z0-9_.-]+$/.test(flags.netns)) {
    throw new FlagError(`invalid argument "${flags.netns}" for "--netns" flag: not a network namespace name`);
  }
}
