// Fakes for the node lifecycle unit tests: caches, the Node and Pod APIs behind them, a clock.
import { StatusError, type ApiObject, type coordinationv1, type corev1 } from '@minik8s/api';
import { keyOf } from '@minik8s/client';
import { FakeClock } from '../../test-support/fake-clock';
import { FakeLister } from '../../test-support/fake-lister';
import type { DelayedRequeue } from './delayed-requeue';
import { formatTime, NODE_LEASE_NAMESPACE } from './node-health';
import { POD_NODE_NAME_INDEX } from './node-lifecycle-controller';

export { FakeClock, FakeLister };

export const T0 = Date.parse('2024-05-01T12:00:00Z');

export class FakeEvents {
  events: { kind?: string; name?: string; type: string; reason: string; message: string }[] = [];
  async event(obj: ApiObject, type: string, reason: string, message: string): Promise<void> {
    this.events.push({ kind: obj.kind, name: obj.metadata?.name, type, reason, message });
  }
  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}

export class FakeRequeue implements DelayedRequeue {
  scheduled = new Map<string, number>();
  schedule(key: string, delayMs: number): void {
    const pending = this.scheduled.get(key);
    if (pending === undefined || delayMs < pending) this.scheduled.set(key, delayMs);
  }
  cancel(key: string): void {
    this.scheduled.delete(key);
  }
  stop(): void {
    this.scheduled.clear();
  }
}

/**
 * The apiserver side of Nodes, Leases and Pods: writes land in the caches at once (as a watch
 * would deliver them), bump resourceVersions, and refuse stale pinned writes with Conflict.
 */
export class FakeCluster {
  readonly nodes = new FakeLister<corev1.Node>();
  readonly leases = new FakeLister<coordinationv1.Lease>();
  readonly pods = new FakeLister<corev1.Pod>();
  readonly nodeStatusWrites: corev1.Node[] = [];
  readonly nodePatches: { name: string; patch: unknown }[] = [];
  readonly podStatusWrites: corev1.Pod[] = [];
  readonly podDeletes: string[] = [];
  private revision = 1;

  constructor(readonly clock: FakeClock) {
    this.pods.indexer.addIndex(POD_NODE_NAME_INDEX, (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []));
  }

  private rv(): string {
    return String(++this.revision);
  }

  // ---- what kubelets and users do ----

  putNode(node: corev1.Node): corev1.Node {
    const stored: corev1.Node = {
      ...node,
      metadata: { uid: `uid-${node.metadata?.name}`, creationTimestamp: formatTime(T0), ...node.metadata, resourceVersion: this.rv() },
    };
    this.nodes.indexer.set(stored);
    return stored;
  }

  node(name: string): corev1.Node {
    const node = this.nodes.get(undefined, name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  /** The kubelet posting its status: each condition with a fresh heartbeat. */
  postStatus(name: string, conditions: Record<string, string>): corev1.Node {
    const node = this.node(name);
    const now = formatTime(this.clock.now());
    const previous = node.status?.conditions ?? [];
    const next = Object.entries(conditions).map(([type, status]) => {
      const old = previous.find((c) => c.type === type);
      return {
        type,
        status,
        reason: type === 'Ready' ? (status === 'True' ? 'KubeletReady' : 'KubeletNotReady') : `Kubelet${type}`,
        message: `${type} is ${status}`,
        lastHeartbeatTime: now,
        lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
      };
    });
    return this.putNode({ ...node, status: { ...node.status, conditions: next } });
  }

  /** The kubelet renewing its Lease. */
  renewLease(name: string): void {
    const renewTime = new Date(this.clock.now()).toISOString().replace('Z', '000Z');
    this.leases.indexer.set({
      metadata: { name, namespace: NODE_LEASE_NAMESPACE, resourceVersion: this.rv() },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
    });
  }

  putPod(pod: corev1.Pod): corev1.Pod {
    const stored: corev1.Pod = { ...pod, metadata: { namespace: 'default', uid: `uid-${pod.metadata?.name}`, ...pod.metadata, resourceVersion: this.rv() } };
    this.pods.indexer.set(stored);
    return stored;
  }

  pod(name: string, namespace = 'default'): corev1.Pod | undefined {
    return this.pods.get(namespace, name);
  }

  setTaints(name: string, taints: corev1.Taint[]): void {
    const node = this.node(name);
    this.putNode({ ...node, spec: { ...node.spec, taints } });
  }

  // ---- the API the controllers call ----

  readonly nodeClient = {
    get: async (name: string): Promise<corev1.Node> => {
      const node = this.nodes.get(undefined, name);
      if (!node) throw new StatusError('NotFound', `nodes "${name}" not found`);
      return node;
    },
    updateStatus: async (node: corev1.Node): Promise<corev1.Node> => {
      const current = await this.nodeClient.get(node.metadata?.name ?? '');
      if (node.metadata?.resourceVersion !== current.metadata?.resourceVersion) throw new StatusError('Conflict', 'the object has been modified');
      this.nodeStatusWrites.push(node);
      return this.putNode({ ...current, status: node.status });
    },
    patch: async (name: string, patch: unknown): Promise<corev1.Node> => {
      const p = patch as { metadata?: { resourceVersion?: string }; spec?: corev1.NodeSpec };
      const current = await this.nodeClient.get(name);
      if (p.metadata?.resourceVersion && p.metadata.resourceVersion !== current.metadata?.resourceVersion) {
        throw new StatusError('Conflict', 'the object has been modified');
      }
      this.nodePatches.push({ name, patch });
      return this.putNode({ ...current, spec: { ...current.spec, ...p.spec } });
    },
  };

  readonly podClient = {
    get: async (namespace: string, name: string): Promise<corev1.Pod> => {
      const pod = this.pods.get(namespace, name);
      if (!pod) throw new StatusError('NotFound', `pods "${name}" not found`);
      return pod;
    },
    updateStatus: async (pod: corev1.Pod): Promise<corev1.Pod> => {
      const current = await this.podClient.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
      this.podStatusWrites.push(pod);
      return this.putPod({ ...current, status: pod.status });
    },
    delete: async (namespace: string, name: string, uid: string | undefined): Promise<void> => {
      const current = await this.podClient.get(namespace, name);
      if (uid && current.metadata?.uid !== uid) throw new StatusError('Conflict', 'Precondition failed: UID');
      this.podDeletes.push(keyOf(current));
      // A pod bound to a node terminates gracefully: it stays with a deletionTimestamp.
      this.putPod({ ...current, metadata: { ...current.metadata, deletionTimestamp: formatTime(this.clock.now() + 30_000), deletionGracePeriodSeconds: 30 } });
    },
  };
}

export function readyPod(name: string, nodeName: string, tolerations?: corev1.Toleration[]): corev1.Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], tolerations },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: formatTime(T0) }] },
  };
}
