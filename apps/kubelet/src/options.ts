import { FlagError, type FlagSpec, type FlagValues } from '@minik8s/flags';
import { QuantityParseError, parseQuantity, toValue, type corev1 } from '@minik8s/api';

/** The kubelet's flags, with the real kubelet's names. */
export const FLAGS = {
  server: { type: 'string', description: 'The address (host:port) of the apiserver.', default: '127.0.0.1:6443' },
  nodeName: { type: 'string', description: 'The name of this node (default: the hostname).' },
  nodeIp: { type: 'string', description: 'IP address of the node: its InternalIP, and the host IP of its pods.' },
  hostnameOverride: { type: 'string', description: "The node's Hostname address (default: the node name)." },
  podCidr: { type: 'string', description: "The CIDR for this node's pods when the Node has no spec.podCIDR (written into it on registration)." },
  rootDir: { type: 'string', description: 'Directory path for managing kubelet files (volume mounts, etc).', default: '/var/lib/kubelet' },
  dockerHost: { type: 'string', description: 'The Docker engine to use (unix:///path or tcp://host:port).', default: 'unix:///var/run/docker.sock' },
  podInfraImage: { type: 'string', description: 'The image whose containers hold each pod\'s network and IPC namespaces.', default: 'minik8s/pause:3.9' },
  podNetworkName: { type: 'string', description: 'The Docker bridge network on the podCIDR that pods join (default: minik8s-<node-name>).' },
  networkPlugin: { type: 'string', description: 'The pod network between nodes: host-gw (routes to every other node\'s podCIDR via its InternalIP, and the masquerade/forward rules) or none.', default: 'host-gw' },
  clusterCidr: { type: 'string', description: 'The CIDR of every pod in the cluster: pod-to-pod traffic inside it is not NATed, pod traffic leaving it is masqueraded.', default: '10.244.0.0/16' },
  podNetworkInterface: { type: 'string', description: 'The interface other nodes are reached through (like flannel\'s --iface); routes to their podCIDRs use it (default: the kernel\'s route to each node IP).' },
  hairpinMode: {
    type: 'string',
    description:
      'How the kubelet sets up hairpin NAT, so that a pod reaching its own Service may be answered by itself: hairpin-veth (hairpin mode on every port of the pod bridge), promiscuous-bridge (the pod bridge promiscuous) or none.',
    default: 'hairpin-veth',
  },
  cleanupNetwork: { type: 'boolean', description: 'Remove the host-gw routes, iptables chains and jumps this kubelet made, then exit.', default: false },
  maxPods: { type: 'number', description: 'Number of Pods that can run on this Kubelet.', default: 110 },
  maxParallelContainerStarts: {
    type: 'number',
    description: 'Container starts the kubelet asks the engine for at once; the others wait, those joining a running pod sandbox first (0: twice the CPUs).',
    default: 0,
  },
  containerLogMaxSize: {
    type: 'string',
    description: 'The largest a container\'s log file grows (a quantity, e.g. 10Mi) before the engine rotates it.',
    default: '10Mi',
  },
  containerLogMaxFiles: { type: 'number', description: 'The most log files (the current one included) kept for each container; at least 2.', default: 5 },
  nodeLabels: { type: 'list', description: 'Labels to add when registering the node in the cluster (key=value,...).' },
  registerWithTaints: { type: 'list', description: 'Register the node with the given list of taints (key=value:Effect,...).' },
  clusterDns: { type: 'list', description: 'Comma-separated list of DNS server IP addresses for pods with dnsPolicy ClusterFirst.' },
  clusterDomain: { type: 'string', description: 'Domain for this cluster; pods search it in addition to the host\'s search domains.', default: 'cluster.local' },
  resolvConf: { type: 'string', description: 'Resolver configuration file used as the basis for the container DNS resolution configuration.', default: '/etc/resolv.conf' },
  podManifestPath: { type: 'string', description: 'Directory with static pod files (YAML or JSON) to run, each shown in the API as a mirror pod.' },
  fileCheckFrequency: { type: 'number', description: 'Seconds between checks of --pod-manifest-path for new data.', default: 20 },
  port: { type: 'number', description: 'The port for the kubelet to serve logs, exec, attach and port-forward on (reported in the Node).', default: 10250 },
  address: { type: 'string', description: 'The IP address for the kubelet to serve on (set to 0.0.0.0 for all interfaces).', default: '0.0.0.0' },
  nodeStatusUpdateFrequency: { type: 'number', description: 'Seconds between node status reports.', default: 10 },
  syncFrequency: { type: 'number', description: 'Max seconds between pod syncs.', default: 10 },
  logLevel: { type: 'string', description: 'Log level: fatal, error, warn, info, debug, trace.' },
  v: { type: 'number', description: 'Log verbosity, klog style (2 = debug, 4 = trace).', default: 0 },
  logFormat: { type: 'string', description: 'Log format: json or pretty (default: pretty on a terminal).' },
} satisfies Record<string, FlagSpec>;

export type KubeletFlags = FlagValues<typeof FLAGS>;

/** `k=v,k2=v2` into labels, rejecting entries without `=`. */
export function parseNodeLabels(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new FlagError(`invalid argument "${item}" for "--node-labels" flag: must be key=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** `key=value:Effect` or `key:Effect` into taints. */
export function parseTaints(items: readonly string[]): corev1.Taint[] {
  return items.map((item) => {
    const colon = item.lastIndexOf(':');
    if (colon <= 0) throw new FlagError(`invalid argument "${item}" for "--register-with-taints" flag: invalid taint spec: ${item}`);
    const effect = item.slice(colon + 1);
    if (!EFFECTS.includes(effect)) {
      throw new FlagError(`invalid argument "${item}" for "--register-with-taints" flag: invalid taint effect: ${effect}, unsupported taint effect`);
    }
    const kv = item.slice(0, colon);
    const eq = kv.indexOf('=');
    return eq >= 0 ? { key: kv.slice(0, eq), value: kv.slice(eq + 1), effect } : { key: kv, effect };
  });
}

/** An IPv4 CIDR with the host bits cleared, or a FlagError. */
export function parseCidr(cidr: string, flag: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const parts = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  if (!m || parts.some((p) => p > 255) || prefix > 30 || prefix < 8) {
    throw new FlagError(`invalid argument "${cidr}" for "--${flag}" flag: invalid CIDR address: ${cidr}`);
  }
  const n = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
  const mask = (~0 << (32 - prefix)) >>> 0;
  const base = (n & mask) >>> 0;
  return `${[base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join('.')}/${prefix}`;
}

/** How big each container's log grows and how many rotated files of it are kept. */
export interface ContainerLogLimits {
  maxSizeBytes: number;
  maxFiles: number;
}

/**
 * --container-log-max-size and --container-log-max-files, checked as the kubelet does: the size is
 * a quantity of bytes (rounded up to a whole byte, as Quantity.Value does) and the count keeps at
 * least the current file and one rotated file.
 */
export function parseContainerLogLimits(maxSize: string, maxFiles: number): ContainerLogLimits {
  const sizeFlag = (why: string): FlagError => new FlagError(`invalid argument "${maxSize}" for "--container-log-max-size" flag: ${why}`);
  let bytes: bigint;
  try {
    bytes = toValue(parseQuantity(maxSize));
  } catch (err) {
    if (err instanceof QuantityParseError) throw sizeFlag(err.message);
    throw err;
  }
  // Kubernetes reads a negative size as "no rotation"; here an unbounded log is exactly what the
  // flag exists to prevent, so only a positive size is taken.
  if (bytes <= 0n) throw sizeFlag('must be greater than 0');
  // The engine gets the size as a decimal string of an int64; past 2^53 a number would print rounded.
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw sizeFlag(`must be at most ${Number.MAX_SAFE_INTEGER} bytes`);
  // One file would be truncated at each rotation, leaving nothing of the lines just before it.
  if (!Number.isInteger(maxFiles) || maxFiles < 2) {
    throw new FlagError(`invalid argument "${maxFiles}" for "--container-log-max-files" flag: must be a whole number equal to or greater than 2`);
  }
  return { maxSizeBytes: Number(bytes), maxFiles };
}
