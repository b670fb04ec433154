import { isConflict, isNotFound, type coordinationv1, type corev1 } from '@minik8s/api';
import { WorkQueue, type Clock, type EventHandlers, type EventRecorder, type Informer, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import { formatTime, NODE_LEASE_NAMESPACE, nodeCondition, observeNodeHealth, unknownConditions, type NodeHealth } from './node-health';
import { reconcileNodeTaints } from './taints';

export type EventSink = Pick<EventRecorder, 'event'>;

/** The pods-by-node index on the shared pod informer, under the name Kubernetes' controllers use. */
export const POD_NODE_NAME_INDEX = 'spec.nodeName';

/** Adds the pods-by-node index unless another controller on the shared informer already did. */
export function ensurePodNodeNameIndex(pods: Pick<Informer<corev1.Pod>, 'addIndex'>): void {
  try {
    pods.addIndex(POD_NODE_NAME_INDEX, (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []));
  } catch (err) {
    if (!/already exists/.test((err as Error).message)) throw err;
  }
}

/** Kubernetes' defaults: a 5s monitor period for a 40s grace period. */
export const DEFAULT_NODE_MONITOR_PERIOD_MS = 5_000;
/** Status writes refused by a Conflict are retried this many times on a fresh read in one sync. */
const HEALTH_UPDATE_ATTEMPTS = 3;

/** The monitor period for a grace period: an eighth of it (5s for 40s), between 100ms and 5s. */
export function monitorPeriodFor(gracePeriodMs: number): number {
  return Math.min(DEFAULT_NODE_MONITOR_PERIOD_MS, Math.max(100, Math.floor(gracePeriodMs / 8)));
}

/** The startup grace period for a grace period: one and a half of it (Kubernetes' 60s for 40s). */
export function startupGracePeriodFor(gracePeriodMs: number): number {
  return Math.round(gracePeriodMs * 1.5);
}

/** The Node calls: a fresh read, the status subresource, and a merge patch (of taints). */
export interface NodeLifecycleNodeClient {
  get(name: string): Promise<corev1.Node>;
  updateStatus(node: corev1.Node): Promise<corev1.Node>;
  patch(name: string, patch: unknown): Promise<corev1.Node>;
}

/** The Pod call: the status subresource (to mark pods not ready). */
export interface PodStatusClient {
  updateStatus(pod: corev1.Pod): Promise<corev1.Pod>;
}

export interface NodeLifecycleControllerDeps {
  nodes: Lister<corev1.Node>;
  leases: Lister<coordinationv1.Lease>;
  /** Must carry the POD_NODE_NAME_INDEX index. */
  pods: Lister<corev1.Pod>;
  nodeClient: NodeLifecycleNodeClient;
  podClient: PodStatusClient;
  recorder: EventSink;
  logger: Logger;
  clock: Clock;
  /** --node-monitor-grace-period. */
  gracePeriodMs: number;
  /** Grace for a node that has never posted a Ready condition; default startupGracePeriodFor(grace). */
  startupGracePeriodMs?: number;
  /** How often every node is looked at; default monitorPeriodFor(grace). */
  monitorPeriodMs?: number;
  concurrentSyncs?: number;
  queue?: WorkQueue<string>;
  waitForCacheSync?: () => Promise<boolean>;
}

function asNode(node: corev1.Node): corev1.Node {
  return { ...node, apiVersion: 'v1', kind: 'Node' };
}

function asPod(pod: corev1.Pod): corev1.Pod {
  return { ...pod, apiVersion: 'v1', kind: 'Pod' };
}

/**
 * Kubernetes' node lifecycle controller (monitorNodeHealth and the tainting passes; the
 * taint-based eviction of pods is the TaintEvictionController):
 * - a node whose Ready heartbeat and Lease have not been renewed for the grace period gets its
 *   Ready, MemoryPressure, DiskPressure and PIDPressure conditions set to Unknown
 *   (NodeStatusUnknown, "Kubelet stopped posting node status.") through nodes/status;
 * - its taints follow its conditions: unreachable (Ready Unknown) or not-ready (Ready False) as
 *   NoExecute and NoSchedule, the pressure and unschedulable NoSchedule taints, all removed again
 *   once the node is Ready;
 * - pods on a node that is not Ready get their Ready condition set to False, so endpoints drop them.
 *
 * Differences from Kubernetes: NoExecute taints are applied at once, without the per-zone rate
 * limiter and disruption modes (a cluster whose every node goes dark is tainted all the same);
 * the taint follows the Ready condition written in the same pass instead of the next one.
 *
 * Work is per node through the queue: node, lease and pod events queue the node's name, and a
 * monitor loop queues every node each monitor period so staleness is noticed as time passes.
 */
export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle';
  readonly queue: WorkQueue<string>;
  readonly monitorPeriodMs: number;
  private readonly startupGracePeriodMs: number;
  private readonly logger: Logger;
  private readonly health = new Map<string, NodeHealth>();
  /** Nodes seen, by name, with their uid: for the RegisteredNode and RemovingNode events. */
  private readonly known = new Map<string, corev1.Node>();

  constructor(private readonly deps: NodeLifecycleControllerDeps) {
    this.logger = deps.logger;
    this.queue = deps.queue ?? new WorkQueue<string>();
    this.monitorPeriodMs = deps.monitorPeriodMs ?? monitorPeriodFor(deps.gracePeriodMs);
    this.startupGracePeriodMs = deps.startupGracePeriodMs ?? startupGracePeriodFor(deps.gracePeriodMs);
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.logger.info({ controller: this.name, gracePeriodMs: this.deps.gracePeriodMs, monitorPeriodMs: this.monitorPeriodMs }, 'starting controller');
    const monitor = this.monitor(signal);
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.logger);
    await monitor;
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  /** Queues every node once per monitor period until `signal` aborts. */
  private async monitor(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.monitorPass();
      await this.deps.clock.sleep(this.monitorPeriodMs, signal);
    }
  }

  /** One monitor pass: every cached node, and every node seen before that is gone now. */
  monitorPass(): void {
    const names = new Set(this.deps.nodes.list().map((n) => n.metadata?.name ?? ''));
    for (const name of this.known.keys()) names.add(name);
    for (const name of names) this.queue.add(name);
  }

  // ---- event handlers: they only queue node names ----

  nodeHandlers(): EventHandlers<corev1.Node> {
    return {
      onAdd: (node) => this.queue.add(node.metadata?.name ?? ''),
      onUpdate: (_old, cur) => this.queue.add(cur.metadata?.name ?? ''),
      onDelete: (node) => this.queue.add(node.metadata?.name ?? ''),
    };
  }

  leaseHandlers(): EventHandlers<coordinationv1.Lease> {
    const queueNode = (lease: coordinationv1.Lease): void => {
      if (lease.metadata?.namespace === NODE_LEASE_NAMESPACE && lease.metadata.name) this.queue.add(lease.metadata.name);
    };
    return { onAdd: queueNode, onUpdate: (_old, cur) => queueNode(cur), onDelete: queueNode };
  }

  /** A pod newly on a node: if that node is not Ready, the pod must be marked not ready too. */
  podHandlers(): EventHandlers<corev1.Pod> {
    return {
      onAdd: (pod) => {
        if (pod.spec?.nodeName) this.queue.add(pod.spec.nodeName);
      },
      onUpdate: (old, cur) => {
        const nodeName = cur.spec?.nodeName;
        if (nodeName && nodeName !== old.spec?.nodeName) this.queue.add(nodeName);
      },
    };
  }

  // ---- the level-triggered sync ----

  /** Looks at one node: its health, its taints, the readiness of its pods. */
  async sync(name: string): Promise<void> {
    const cached = this.deps.nodes.get(undefined, name);
    if (!cached) {
      this.health.delete(name);
      const gone = this.known.get(name);
      if (gone) {
        this.known.delete(name);
        await this.deps.recorder.event(asNode(gone), 'Normal', 'RemovingNode', `Removing Node ${name} from Controller`);
      }
      return;
    }
    const seen = this.known.get(name);
    if (!seen || seen.metadata?.uid !== cached.metadata?.uid) {
      // A node of the same name created again starts over.
      this.health.delete(name);
      this.known.set(name, { metadata: { name, uid: cached.metadata?.uid } });
      await this.deps.recorder.event(asNode(cached), 'Normal', 'RegisteredNode', `Registered Node ${name} in Controller`);
    }

    let node = cached;
    let result: { node: corev1.Node; observedReady: corev1.NodeCondition } | undefined;
    for (let attempt = 1; !result; attempt++) {
      try {
        result = await this.updateHealth(node);
      } catch (err) {
        if (!isConflict(err) || attempt >= HEALTH_UPDATE_ATTEMPTS) throw err;
        try {
          node = await this.deps.nodeClient.get(name);
        } catch (getErr) {
          if (isNotFound(getErr)) return;
          throw getErr;
        }
      }
    }
    node = result.node;
    node = await this.syncTaints(node);

    const ready = nodeCondition(node, 'Ready');
    if (ready && ready.status !== 'True') {
      if (result.observedReady.status === 'True') {
        this.logger.info({ node: name, ready: ready.status }, 'node is not ready');
        await this.deps.recorder.event(asNode(node), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      }
      await this.markPodsNotReady(name);
    }
  }

  /**
   * Kubernetes' tryUpdateNodeHealth: updates what was last seen of the node and, when nothing
   * has been heard from it for its grace period, posts its monitored conditions as Unknown.
   * Returns the node as it now is and its Ready condition before this pass.
   */
  private async updateHealth(node: corev1.Node): Promise<{ node: corev1.Node; observedReady: corev1.NodeCondition }> {
    const name = node.metadata?.name ?? '';
    const now = this.deps.clock.now();
    const lease = this.deps.leases.get(NODE_LEASE_NAMESPACE, name);
    const { health, gracePeriodMs, observedReady } = observeNodeHealth(this.health.get(name), node, lease, now, this.deps.gracePeriodMs, this.startupGracePeriodMs);
    this.health.set(name, health);
    if (now <= health.probeTimestamp + gracePeriodMs) return { node, observedReady };

    const conditions = unknownConditions(node, now);
    if (!conditions) return { node, observedReady };
    this.logger.info({ node: name, silentForMs: now - health.probeTimestamp }, 'node stopped posting status; marking its conditions Unknown');
    const updated = await this.deps.nodeClient.updateStatus({ ...node, status: { ...node.status, conditions } });
    this.health.set(name, { ...health, readyTransitionTimestamp: now, readyCondition: nodeCondition(updated, 'Ready') });
    return { node: updated, observedReady };
  }

  /** Brings the controller-owned taints in line with the node's conditions; returns the node written. */
  private async syncTaints(node: corev1.Node): Promise<corev1.Node> {
    const taints = reconcileNodeTaints(node, formatTime(this.deps.clock.now()));
    if (!taints) return node;
    const name = node.metadata?.name ?? '';
    this.logger.info({ node: name, taints: taints.map((t) => `${t.key}:${t.effect}`) }, 'updating node taints');
    // Pinned to the resourceVersion read: a Conflict requeues and the next sync decides again.
    return this.deps.nodeClient.patch(name, { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints } });
  }

  /** Kubernetes' MarkPodsNotReady: the Ready condition of each pod on the node becomes False. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const nowText = formatTime(this.deps.clock.now());
    const errors: unknown[] = [];
    for (const pod of this.deps.pods.byIndex(POD_NODE_NAME_INDEX, nodeName)) {
      if (pod.spec?.nodeName !== nodeName) continue;
      const conditions = pod.status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const next: corev1.Pod = {
        ...pod,
        status: { ...pod.status, conditions: conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: nowText } : c)) },
      };
      try {
        await this.deps.podClient.updateStatus(next);
        this.logger.debug({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, node: nodeName }, 'marked pod not ready');
        await this.deps.recorder.event(asPod(pod), 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    }
    // The others are done; the queue's retry handles the rest.
    if (errors.length > 0) throw errors[0];
  }

  /** What the controller last saw of a node (for tests and debugging). */
  healthOf(name: string): Readonly<NodeHealth> | undefined {
    return this.health.get(name);
  }
}
