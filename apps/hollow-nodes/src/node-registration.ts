import { createHash } from 'node:crypto';
import { isAlreadyExists, isConflict, isNotFound, type coordinationv1, type corev1 } from '@minik8s/api';
import { Leases, Nodes, type ApiClient } from '@minik8s/client';
import { nodeName, type HollowNodesConfig } from './config';
import { fallbackPodRange, nodeAddress, type Ipv4Cidr } from './ip-allocator';
import { formatMicroTime, formatTime } from './time';

/** Where node leases live, as Kubernetes has it. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const CONTAINER_RUNTIME_VERSION = 'hollow://0.1.0';
export const INSTANCE_TYPE = 'hollow';

/** One simulated node: its name and the addresses derived from its index. */
export interface HollowNode {
  index: number;
  name: string;
  internalIP: string;
  /** Pod IPs come from here while the Node has no spec.podCIDR. */
  fallbackPodRange: Ipv4Cidr;
}

export function hollowNodeAt(config: HollowNodesConfig, index: number): HollowNode {
  return {
    index,
    name: nodeName(config, index),
    internalIP: nodeAddress(config.nodeIpRange, index),
    fallbackPodRange: fallbackPodRange(config.podIpFallbackRange, index),
  };
}

export function hollowNodes(config: HollowNodesConfig): HollowNode[] {
  return Array.from({ length: config.count }, (_, i) => hollowNodeAt(config, config.firstIndex + i));
}

/** The labels a kubelet puts on its Node, plus `--node-labels`. */
export function nodeLabels(config: HollowNodesConfig, node: HollowNode): Record<string, string> {
  return {
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'node.kubernetes.io/instance-type': INSTANCE_TYPE,
    ...config.nodeLabels,
  };
}

function uuidOf(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The conditions a healthy kubelet reports, in its order. */
const HEALTHY_CONDITIONS: ReadonlyArray<readonly [type: string, status: string, reason: string, message: string]> = [
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
];
const OWNED_CONDITIONS = new Set(HEALTHY_CONDITIONS.map(([type]) => type));

/**
 * The node's status as its kubelet posts it at `now`: fresh heartbeats on every condition;
 * transition times kept from `existing` where a condition's status did not change; fields we do
 * not own (and conditions of other types) kept.
 */
export function buildNodeStatus(config: HollowNodesConfig, node: HollowNode, now: number, existing?: corev1.NodeStatus): corev1.NodeStatus {
  const stamp = formatTime(now);
  const old = existing?.conditions ?? [];
  const conditions: corev1.NodeCondition[] = HEALTHY_CONDITIONS.map(([type, status, reason, message]) => {
    const prev = old.find((c) => c.type === type);
    return {
      type,
      status,
      lastHeartbeatTime: stamp,
      lastTransitionTime: prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : stamp,
      reason,
      message,
    };
  });
  conditions.push(...old.filter((c) => !OWNED_CONDITIONS.has(c.type ?? '')));
  const id = uuidOf(node.name);
  return {
    ...existing,
    capacity: { ...config.capacity },
    allocatable: { ...config.capacity },
    phase: existing?.phase,
    conditions,
    addresses: [
      { type: 'InternalIP', address: node.internalIP },
      { type: 'Hostname', address: node.name },
    ],
    nodeInfo: {
      machineID: id.replace(/-/g, ''),
      systemUUID: id,
      bootID: uuidOf(`${node.name}/boot`),
      kernelVersion: '6.1.0-hollow',
      osImage: 'Hollow Linux (minik8s)',
      containerRuntimeVersion: CONTAINER_RUNTIME_VERSION,
      kubeletVersion: config.kubeletVersion,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

export function buildNode(config: HollowNodesConfig, node: HollowNode, now: number): corev1.Node {
  const spec: corev1.NodeSpec = {};
  if (config.taints.length > 0) spec.taints = config.taints.map((t) => ({ ...t }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.name, labels: nodeLabels(config, node) },
    spec,
    status: buildNodeStatus(config, node, now),
  };
}

export function buildLease(config: HollowNodesConfig, node: corev1.Node, now: number): coordinationv1.Lease {
  const name = node.metadata?.name ?? '';
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: NODE_LEASE_NAMESPACE,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid ?? '' }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: config.leaseDurationSeconds, renewTime: formatMicroTime(now) },
  };
}

/** Writes a status through nodes/status, re-reading the Node on conflicts. */
export async function writeNodeStatus(
  client: ApiClient,
  config: HollowNodesConfig,
  node: HollowNode,
  current: corev1.Node,
  now: () => number,
  attempts = 5,
): Promise<corev1.Node> {
  const nodes = client.resource(Nodes);
  let latest = current;
  for (let attempt = 1; ; attempt++) {
    try {
      return await nodes.updateStatus({ ...latest, status: buildNodeStatus(config, node, now(), latest.status) });
    } catch (err) {
      if (!isConflict(err) || attempt >= attempts) throw err;
      latest = await nodes.get(node.name);
    }
  }
}

export interface Registration {
  node: corev1.Node;
  /** False when an existing Node was taken over (a restart). */
  created: boolean;
}

/**
 * Registers one Node, or takes over the one already there (keeping its uid, spec and taints):
 * its labels are brought back to ours and its status replaced by a fresh heartbeat.
 */
export async function registerNode(client: ApiClient, config: HollowNodesConfig, node: HollowNode, now: () => number): Promise<Registration> {
  const nodes = client.resource(Nodes);
  try {
    const created = await nodes.create(buildNode(config, node, now()));
    // Should the apiserver ever drop status on create, post it as the kubelet's first heartbeat.
    if ((created.status?.conditions ?? []).length === 0) return { node: await writeNodeStatus(client, config, node, created, now), created: true };
    return { node: created, created: true };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  let existing = await nodes.get(node.name);
  const wanted = nodeLabels(config, node);
  const labels = existing.metadata?.labels ?? {};
  const changed = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => labels[k] !== v));
  if (Object.keys(changed).length > 0) {
    existing = await nodes.patch(node.name, 'application/merge-patch+json', { metadata: { labels: changed } });
  }
  return { node: await writeNodeStatus(client, config, node, existing, now), created: false };
}

/** Creates the node's Lease, or takes over the one there, renewed at `now`. */
export async function ensureLease(client: ApiClient, config: HollowNodesConfig, node: corev1.Node, now: number): Promise<coordinationv1.Lease> {
  const leases = client.resource(Leases).namespace(NODE_LEASE_NAMESPACE);
  const wanted = buildLease(config, node, now);
  for (let attempt = 1; ; attempt++) {
    try {
      const existing = await leases.get(wanted.metadata?.name ?? '');
      const next: coordinationv1.Lease = { ...existing, spec: { ...existing.spec, ...wanted.spec } };
      const owners = existing.metadata?.ownerReferences ?? [];
      if (!owners.some((o) => o.kind === 'Node' && o.uid === node.metadata?.uid)) {
        next.metadata = { ...existing.metadata, ownerReferences: wanted.metadata?.ownerReferences };
      }
      return await leases.update(next);
    } catch (err) {
      if (isNotFound(err)) {
        try {
          return await leases.create(wanted);
        } catch (createErr) {
          if (!isAlreadyExists(createErr) || attempt >= 5) throw createErr;
          continue;
        }
      }
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
}

/** Runs `fn` over `items` with at most `limit` at once; the first failure rejects. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  return results;
}
