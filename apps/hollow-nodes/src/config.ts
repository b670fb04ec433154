import { dns1123SubdomainMessages, labelValueMessages, parseQuantity, qualifiedNameMessages, type corev1 } from '@minik8s/api';
import type { ApiClient, Clock } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import { parseIpv4Cidr, nodeCapacityOf, formatCidr, type Ipv4Cidr } from './ip-allocator';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/** What a HollowNodes is asked to be; every field but `count` and the server has a default. */
export interface HollowNodesOptions {
  /** host:port of the apiserver; or pass `client`. */
  server?: string;
  /** A client to share; HollowNodes closes only a client it made itself. */
  client?: ApiClient;
  count: number;
  /** Nodes are named `<namePrefix><index>`. Default `hollow-`. */
  namePrefix?: string;
  /** Index of the first node, so several processes can share one prefix and address ranges. Default 0. */
  firstIndex?: number;
  cpu?: string;
  memory?: string;
  pods?: number;
  ephemeralStorage?: string;
  /** Labels added to the built-in ones. */
  nodeLabels?: Readonly<Record<string, string>>;
  /** Taints a node is registered with (not re-applied to a node taken over). */
  taints?: readonly corev1.Taint[];
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
  nodeStatusUpdateFrequencyMs?: number;
  /** A deleted pod's containers take min(its grace period, this) to stop. Default 0. */
  terminationDelayMs?: number;
  /** First crash-loop back-off; doubles per restart up to `backOffMaxMs`. Default 10s. */
  backOffBaseMs?: number;
  backOffMaxMs?: number;
  /** Node InternalIPs: the (index+1)-th address of this range. Default 10.200.0.0/16. */
  nodeIpRange?: string;
  /** Pod IPs of a node without spec.podCIDR: the index-th /24 of this range. Default 10.208.0.0/12. */
  podIpFallbackRange?: string;
  /** Pods synced at once. Default 16. */
  workers?: number;
  /** Nodes registered at once. Default 32. */
  registrationConcurrency?: number;
  kubeletVersion?: string;
  clock?: Clock;
  logger?: Logger;
}

/** Resolved, validated settings; built by `resolveConfig`. */
export interface HollowNodesConfig {
  count: number;
  namePrefix: string;
  firstIndex: number;
  capacity: Readonly<Record<string, string>>;
  nodeLabels: Readonly<Record<string, string>>;
  taints: readonly corev1.Taint[];
  leaseDurationSeconds: number;
  leaseRenewIntervalMs: number;
  nodeStatusUpdateFrequencyMs: number;
  terminationDelayMs: number;
  backOffBaseMs: number;
  backOffMaxMs: number;
  nodeIpRange: Ipv4Cidr;
  podIpFallbackRange: Ipv4Cidr;
  workers: number;
  registrationConcurrency: number;
  kubeletVersion: string;
}

export const DEFAULTS = {
  namePrefix: 'hollow-',
  cpu: '4',
  memory: '8Gi',
  pods: 110,
  ephemeralStorage: '100Gi',
  leaseDurationSeconds: 40,
  leaseRenewIntervalMs: 10_000,
  nodeStatusUpdateFrequencyMs: 60_000,
  terminationDelayMs: 0,
  backOffBaseMs: 10_000,
  backOffMaxMs: 300_000,
  nodeIpRange: '10.200.0.0/16',
  podIpFallbackRange: '10.208.0.0/12',
  workers: 16,
  registrationConcurrency: 32,
  kubeletVersion: 'v1.31.0-minik8s-hollow',
} as const;

/** A setting that cannot be used; the message names it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** `k=v,k2=v2` items (already split on commas) → labels; throws ConfigError naming the bad one. */
export function parseNodeLabels(items: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`invalid node label "${item}": must be key=value`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    const problems = [...qualifiedNameMessages(key).map((m) => `key: ${m}`), ...labelValueMessages(value).map((m) => `value: ${m}`)];
    if (problems.length > 0) throw new ConfigError(`invalid node label "${item}": ${problems.join('; ')}`);
    labels[key] = value;
  }
  return labels;
}

/** kubelet's `--register-with-taints` items: `key=value:Effect` or `key:Effect`. */
export function parseTaints(items: readonly string[]): corev1.Taint[] {
  const taints: corev1.Taint[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const colon = item.lastIndexOf(':');
    if (colon <= 0) throw new ConfigError(`invalid taint spec "${item}": must be key=value:Effect or key:Effect`);
    const effect = item.slice(colon + 1).trim();
    const kv = item.slice(0, colon).trim();
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const value = eq < 0 ? undefined : kv.slice(eq + 1);
    if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) {
      throw new ConfigError(`invalid taint effect "${effect}" in "${item}": must be one of ${TAINT_EFFECTS.join(', ')}`);
    }
    const problems = [...qualifiedNameMessages(key), ...(value ? labelValueMessages(value) : [])];
    if (problems.length > 0) throw new ConfigError(`invalid taint spec "${item}": ${problems.join('; ')}`);
    if (seen.has(`${key}:${effect}`)) throw new ConfigError(`duplicate taint "${key}:${effect}"`);
    seen.add(`${key}:${effect}`);
    taints.push(value === undefined || value === '' ? { key, effect } : { key, value, effect });
  }
  return taints;
}

function quantity(name: string, value: string): string {
  try {
    parseQuantity(value);
  } catch (err) {
    throw new ConfigError(`invalid ${name} "${value}": ${(err as Error).message}`);
  }
  return value;
}

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ConfigError(`${name} must be ${allowZero ? 'zero or more' : 'positive'}, got ${value}`);
  }
  return value;
}

function cidr(name: string, value: string): Ipv4Cidr {
  const parsed = parseIpv4Cidr(value);
  if (!parsed) throw new ConfigError(`invalid ${name} "${value}": must be an IPv4 CIDR such as 10.200.0.0/16`);
  return parsed;
}

export function nodeName(config: Pick<HollowNodesConfig, 'namePrefix'>, index: number): string {
  return `${config.namePrefix}${index}`;
}

/** Fills defaults and checks every setting, throwing a ConfigError for the first bad one. */
export function resolveConfig(options: HollowNodesOptions): HollowNodesConfig {
  const count = options.count;
  if (!Number.isInteger(count) || count < 1) throw new ConfigError(`count must be a positive integer, got ${count}`);
  const firstIndex = options.firstIndex ?? 0;
  if (!Number.isInteger(firstIndex) || firstIndex < 0) throw new ConfigError(`first index must be an integer of 0 or more, got ${firstIndex}`);
  const namePrefix = options.namePrefix ?? DEFAULTS.namePrefix;
  const lastName = `${namePrefix}${firstIndex + count - 1}`;
  const nameProblems = dns1123SubdomainMessages(lastName);
  if (nameProblems.length > 0) throw new ConfigError(`invalid name prefix "${namePrefix}": node name "${lastName}": ${nameProblems.join('; ')}`);
  const pods = options.pods ?? DEFAULTS.pods;
  if (!Number.isInteger(pods) || pods < 0) throw new ConfigError(`pods must be an integer of 0 or more, got ${pods}`);
  const capacity: Record<string, string> = {
    cpu: quantity('cpu', options.cpu ?? DEFAULTS.cpu),
    memory: quantity('memory', options.memory ?? DEFAULTS.memory),
    pods: String(pods),
    'ephemeral-storage': quantity('ephemeral-storage', options.ephemeralStorage ?? DEFAULTS.ephemeralStorage),
  };
  const nodeIpRange = cidr('node IP range', options.nodeIpRange ?? DEFAULTS.nodeIpRange);
  const podIpFallbackRange = cidr('pod IP fallback range', options.podIpFallbackRange ?? DEFAULTS.podIpFallbackRange);
  if (podIpFallbackRange.prefix > 24) throw new ConfigError(`pod IP fallback range ${formatCidr(podIpFallbackRange)} must be a /24 or larger`);
  const room = nodeCapacityOf(nodeIpRange, podIpFallbackRange);
  if (firstIndex + count > room) {
    throw new ConfigError(
      `nodes ${firstIndex}..${firstIndex + count - 1} do not fit: ${formatCidr(nodeIpRange)} and ${formatCidr(podIpFallbackRange)} serve ${room} nodes`,
    );
  }
  const leaseDurationSeconds = positive('lease duration', options.leaseDurationSeconds ?? DEFAULTS.leaseDurationSeconds);
  const backOffBaseMs = positive('back-off base', options.backOffBaseMs ?? DEFAULTS.backOffBaseMs);
  const backOffMaxMs = positive('back-off maximum', options.backOffMaxMs ?? DEFAULTS.backOffMaxMs);
  if (backOffMaxMs < backOffBaseMs) throw new ConfigError(`back-off maximum (${backOffMaxMs}ms) is below its base (${backOffBaseMs}ms)`);
  return {
    count,
    namePrefix,
    firstIndex,
    capacity,
    nodeLabels: { ...(options.nodeLabels ?? {}) },
    taints: [...(options.taints ?? [])],
    leaseDurationSeconds,
    leaseRenewIntervalMs: positive('lease renew interval', options.leaseRenewIntervalMs ?? DEFAULTS.leaseRenewIntervalMs),
    nodeStatusUpdateFrequencyMs: positive('node status update frequency', options.nodeStatusUpdateFrequencyMs ?? DEFAULTS.nodeStatusUpdateFrequencyMs),
    terminationDelayMs: positive('termination delay', options.terminationDelayMs ?? DEFAULTS.terminationDelayMs, true),
    backOffBaseMs,
    backOffMaxMs,
    nodeIpRange,
    podIpFallbackRange,
    workers: positive('workers', options.workers ?? DEFAULTS.workers),
    registrationConcurrency: positive('registration concurrency', options.registrationConcurrency ?? DEFAULTS.registrationConcurrency),
    kubeletVersion: options.kubeletVersion ?? DEFAULTS.kubeletVersion,
  };
}
