import { isAlreadyExists, isConflict, isNotFound, type corev1 } from '@minik8s/api';
import { Leases, Nodes, realClock, type ApiClient, type Clock } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { ContainerRuntime } from '../runtime/container-runtime';
import { goArch, kibibytes, KUBELET_VERSION, readHostResources, readSystemInfo, type HostResources } from './host-info';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const MEMORY_EVICTION_BYTES = 100 * 1024 * 1024;
const DISK_EVICTION_FRACTION = 0.1;

export interface NodeStatusOptions {
  client: ApiClient;
  runtime: ContainerRuntime;
  nodeName: string;
  nodeIP: string;
  hostname: string;
  rootDir: string;
  maxPods: number;
  labels: Record<string, string>;
  taints: corev1.Taint[];
  /** --pod-cidr: written into spec.podCIDR when the kubelet creates its Node. */
  podCIDR?: string;
  kubeletPort: number;
  /** How the runtime is reached, for the NotReady message. */
  runtimeEndpoint: string;
  /** Whether the pod network is up, and why not. */
  networkStatus: () => { ready: boolean; message: string };
  logger?: Logger;
  clock?: Clock;
  leaseDurationSeconds?: number;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
}

export interface ConditionInput {
  runtimeError?: string;
  network: { ready: boolean; message: string };
  host: HostResources;
}

/** The node's Ready, MemoryPressure, DiskPressure and PIDPressure conditions, as the kubelet sets them. */
export function nodeConditions(input: ConditionInput, old: readonly corev1.NodeCondition[], now: number): corev1.NodeCondition[] {
  const make = (type: string, status: boolean, reason: string, message: string): corev1.NodeCondition => {
    const s = status ? 'True' : 'False';
    const prev = old.find((c) => c.type === type);
    return {
      type,
      status: s,
      lastHeartbeatTime: rfc3339(now),
      lastTransitionTime: prev && prev.status === s && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
      reason,
      message,
    };
  };
  const memoryPressure = input.host.memoryAvailableBytes < MEMORY_EVICTION_BYTES;
  const diskPressure = input.host.ephemeralStorageBytes > 0 && input.host.storageAvailableBytes / input.host.ephemeralStorageBytes < DISK_EVICTION_FRACTION;
  let ready: corev1.NodeCondition;
  if (input.runtimeError !== undefined) {
    ready = make('Ready', false, 'KubeletNotReady', `container runtime is down: ${input.runtimeError}`);
  } else if (!input.network.ready) {
    ready = make('Ready', false, 'KubeletNotReady', `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:${input.network.message}`);
  } else {
    ready = make('Ready', true, 'KubeletReady', 'kubelet is posting ready status');
  }
  return [
    memoryPressure
      ? make('MemoryPressure', true, 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available')
      : make('MemoryPressure', false, 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    diskPressure
      ? make('DiskPressure', true, 'KubeletHasDiskPressure', 'kubelet has disk pressure')
      : make('DiskPressure', false, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    make('PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready,
  ];
}

/** capacity and allocatable (capacity less the hard eviction thresholds). */
export function nodeResources(host: HostResources, maxPods: number): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  return {
    capacity: {
      cpu: String(host.cpu),
      memory: kibibytes(host.memoryBytes),
      pods: String(maxPods),
      'ephemeral-storage': kibibytes(host.ephemeralStorageBytes),
    },
    allocatable: {
      cpu: String(host.cpu),
      memory: kibibytes(Math.max(0, host.memoryBytes - MEMORY_EVICTION_BYTES)),
      pods: String(maxPods),
      'ephemeral-storage': String(Math.floor(host.ephemeralStorageBytes * (1 - DISK_EVICTION_FRACTION))),
    },
  };
}

/**
 * Registers the kubelet's Node (keeping an existing one), reports its status, and renews its
 * Lease in kube-node-lease.
 */
export class NodeStatusManager {
  private readonly clock: Clock;
  private nodeUid = '';
  private runtimeVersion = '';
  /** The Node's UID once registered. */
  get uid(): string {
    return this.nodeUid;
  }

  /** The last runtime failure (undefined while the runtime answers). */
  runtimeError: string | undefined;

  constructor(private readonly options: NodeStatusOptions) {
    this.clock = options.clock ?? realClock;
  }

  private nodeLabels(): Record<string, string> {
    const arch = goArch();
    return {
      'beta.kubernetes.io/arch': arch,
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': arch,
      'kubernetes.io/hostname': this.options.hostname,
      'kubernetes.io/os': 'linux',
      ...this.options.labels,
    };
  }

  /** Creates the Node, or adopts the existing one (adding any missing labels). */
  async register(): Promise<corev1.Node> {
    const nodes = this.options.client.resource(Nodes);
    const name = this.options.nodeName;
    const labels = this.nodeLabels();
    const node: corev1.Node = {
      metadata: { name, labels, annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
      spec: {
        podCIDR: this.options.podCIDR || undefined,
        podCIDRs: this.options.podCIDR ? [this.options.podCIDR] : undefined,
        taints: this.options.taints.length > 0 ? this.options.taints : undefined,
      },
    };
    let result: corev1.Node;
    try {
      result = await nodes.create(node);
      this.options.logger?.info({ node: name }, 'registered node');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      result = await nodes.get(name);
      const missing = Object.entries(labels).filter(([k, v]) => result.metadata?.labels?.[k] !== v);
      if (missing.length > 0) {
        result = await nodes.update({ ...result, metadata: { ...result.metadata, labels: { ...(result.metadata?.labels ?? {}), ...Object.fromEntries(missing) } } });
      }
      this.options.logger?.info({ node: name }, 'node already registered; keeping it');
    }
    this.nodeUid = result.metadata?.uid ?? '';
    return (await this.updateStatus()) ?? result;
  }

  /** Checks the runtime and host, then writes the Node's status (with a fresh heartbeat). */
  async updateStatus(): Promise<corev1.Node | undefined> {
    try {
      await this.options.runtime.ping();
      const v = await this.options.runtime.version();
      this.runtimeVersion = `${v.name}://${v.version}`;
      this.runtimeError = undefined;
    } catch (err) {
      this.runtimeError = `Docker is unreachable at ${this.options.runtimeEndpoint}: ${(err as Error).message}`;
    }
    const host = await readHostResources(this.options.rootDir);
    const nodes = this.options.client.resource(Nodes);
    for (let attempt = 0; attempt < 5; attempt++) {
      let node: corev1.Node;
      try {
        node = await nodes.get(this.options.nodeName);
      } catch (err) {
        if (isNotFound(err)) {
          // Someone deleted our Node: register again.
          this.options.logger?.warn({ node: this.options.nodeName }, 'node object is gone; registering again');
          return this.register();
        }
        throw err;
      }
      this.nodeUid = node.metadata?.uid ?? this.nodeUid;
      const old = node.status ?? {};
      const { capacity, allocatable } = nodeResources(host, this.options.maxPods);
      const status: corev1.NodeStatus = {
        ...old,
        capacity,
        allocatable,
        conditions: nodeConditions({ runtimeError: this.runtimeError, network: this.options.networkStatus(), host }, old.conditions ?? [], this.clock.now()),
        addresses: [
          { type: 'InternalIP', address: this.options.nodeIP },
          { type: 'Hostname', address: this.options.hostname },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: this.options.kubeletPort } },
        nodeInfo: {
          ...readSystemInfo(),
          containerRuntimeVersion: this.runtimeVersion || old.nodeInfo?.containerRuntimeVersion || 'docker://unknown',
          kubeletVersion: KUBELET_VERSION,
          kubeProxyVersion: '',
        },
        images: await this.images(),
      };
      try {
        return await nodes.updateStatus({ ...node, status });
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`could not update the status of node ${this.options.nodeName}: too many conflicts`);
  }

  private async images(): Promise<corev1.ContainerImage[] | undefined> {
    if (this.runtimeError !== undefined) return undefined;
    try {
      const images = await this.options.runtime.listImages();
      return images
        .filter((i) => i.repoTags.length > 0 || i.repoDigests.length > 0)
        .sort((a, b) => b.size - a.size)
        .slice(0, 50)
        .map((i) => ({ names: [...i.repoDigests, ...i.repoTags.filter((t) => t !== '<none>:<none>')], sizeBytes: i.size }));
    } catch {
      return undefined;
    }
  }

  /** Creates or renews the node's Lease. */
  async renewLease(): Promise<corev1.Node | void> {
    const name = this.options.nodeName;
    const leases = this.options.client.resource(Leases).namespace(NODE_LEASE_NAMESPACE);
    const now = microTime(this.clock.now());
    const duration = this.options.leaseDurationSeconds ?? 40;
    try {
      const lease = await leases.get(name);
      await leases.update({ ...lease, spec: { ...lease.spec, holderIdentity: name, leaseDurationSeconds: duration, renewTime: now } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await leases.create({
          metadata: {
            name,
            namespace: NODE_LEASE_NAMESPACE,
            ownerReferences: this.nodeUid ? [{ apiVersion: 'v1', kind: 'Node', name, uid: this.nodeUid }] : undefined,
          },
          spec: { holderIdentity: name, leaseDurationSeconds: duration, renewTime: now },
        });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
  }
}
