import { isConflict, isNotFound, type corev1 } from '@minik8s/api';
import { keyOf, splitKey, WorkQueue, type Clock, type EventHandlers, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import { TimerRequeue, type DelayedRequeue } from './delayed-requeue';
import { formatTime } from './node-health';
import { POD_NODE_NAME_INDEX, type EventSink } from './node-lifecycle-controller';
import { matchingTolerations, minTolerationMs, noExecuteTaints, withDefaultTolerations } from './taints';

/** How many times one eviction is tried (fresh read, condition, delete) before the queue backs off. */
const EVICTION_ATTEMPTS = 5;

export const DISRUPTION_TARGET_CONDITION: corev1.PodCondition = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'DeletionByTaintManager',
  message: 'Taint manager: deleting due to NoExecute taint',
};

/** The Pod calls an eviction makes. */
export interface EvictionPodClient {
  get(namespace: string, name: string): Promise<corev1.Pod>;
  updateStatus(pod: corev1.Pod): Promise<corev1.Pod>;
  /** A graceful delete, only of the pod with `uid`. */
  delete(namespace: string, name: string, uid: string | undefined): Promise<void>;
}

export interface TaintEvictionControllerDeps {
  nodes: Lister<corev1.Node>;
  /** Must carry the POD_NODE_NAME_INDEX index. */
  pods: Lister<corev1.Pod>;
  podClient: EvictionPodClient;
  recorder: EventSink;
  logger: Logger;
  clock: Clock;
  /**
   * --pod-eviction-timeout: how long a pod that has no toleration for the not-ready or unreachable
   * NoExecute taint stays on such a node (DefaultTolerationSeconds' role; see withDefaultTolerations).
   */
  defaultTolerationMs: number;
  concurrentSyncs?: number;
  queue?: WorkQueue<string>;
  requeue?: DelayedRequeue;
  waitForCacheSync?: () => Promise<boolean>;
}

/** An eviction being waited for: since when, and when it is due. */
interface Scheduled {
  createdAt: number;
  fireAt: number;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/** What an event about the pod names: its kind, namespace, name and uid. */
function podRef(pod: corev1.Pod): corev1.Pod {
  const meta = pod.metadata ?? {};
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: meta.namespace, name: meta.name, uid: meta.uid } };
}

/**
 * Kubernetes' taint eviction controller: a pod on a node with NoExecute taints is deleted
 * (gracefully, after a DisruptionTarget condition) at once when a taint is not tolerated, after
 * the least tolerationSeconds of the tolerations that match when they all are, and never when
 * those set no limit. The wait counts from when the controller first saw the pod under NoExecute
 * taints, and ends (with a "Cancelling deletion" event) when the taints go.
 *
 * Our apiserver does not run the DefaultTolerationSeconds admission plugin, so the controller
 * applies it itself: a pod with no toleration for node.kubernetes.io/not-ready or
 * node.kubernetes.io/unreachable (NoExecute) is treated as tolerating it for
 * `defaultTolerationMs` (--pod-eviction-timeout, default 5m, the plugin's 300s). Other NoExecute
 * taints a pod does not tolerate evict it at once, as in Kubernetes.
 *
 * Work is per pod (`namespace/name` keys): pod events queue the pod, node taint changes queue
 * the node's pods, and a due time queues the pod again through a DelayedRequeue.
 */
export class TaintEvictionController implements Controller {
  readonly name = 'taint-eviction-controller';
  readonly queue: WorkQueue<string>;
  private readonly requeue: DelayedRequeue;
  private readonly logger: Logger;
  private readonly scheduled = new Map<string, Scheduled>();

  constructor(private readonly deps: TaintEvictionControllerDeps) {
    this.logger = deps.logger;
    this.queue = deps.queue ?? new WorkQueue<string>();
    this.requeue = deps.requeue ?? new TimerRequeue((key) => this.queue.add(key));
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.logger.info({ controller: this.name, defaultTolerationMs: this.deps.defaultTolerationMs }, 'starting controller');
    // Pods already on tainted nodes when we start.
    for (const node of this.deps.nodes.list()) if (noExecuteTaints(node.spec?.taints).length > 0) this.queuePodsOn(node.metadata?.name ?? '');
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.logger);
    this.requeue.stop();
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  // ---- event handlers: they only queue pod keys ----

  podHandlers(): EventHandlers<corev1.Pod> {
    return {
      onAdd: (pod) => {
        if (pod.spec?.nodeName) this.queue.add(keyOf(pod));
      },
      onUpdate: (old, cur) => {
        const moved = old.spec?.nodeName !== cur.spec?.nodeName || old.metadata?.uid !== cur.metadata?.uid;
        if (moved || !sameJson(old.spec?.tolerations, cur.spec?.tolerations) || (!old.metadata?.deletionTimestamp && cur.metadata?.deletionTimestamp)) {
          this.queue.add(keyOf(cur));
        }
      },
      onDelete: (pod) => this.queue.add(keyOf(pod)),
    };
  }

  nodeHandlers(): EventHandlers<corev1.Node> {
    return {
      onAdd: (node) => {
        if (noExecuteTaints(node.spec?.taints).length > 0) this.queuePodsOn(node.metadata?.name ?? '');
      },
      onUpdate: (old, cur) => {
        if (!sameJson(noExecuteTaints(old.spec?.taints), noExecuteTaints(cur.spec?.taints))) this.queuePodsOn(cur.metadata?.name ?? '');
      },
      onDelete: (node) => this.queuePodsOn(node.metadata?.name ?? ''),
    };
  }

  private queuePodsOn(nodeName: string): void {
    for (const pod of this.deps.pods.byIndex(POD_NODE_NAME_INDEX, nodeName)) this.queue.add(keyOf(pod));
  }

  // ---- the level-triggered sync ----

  /** Decides about one pod: nothing, wait until its deadline, or delete it now. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.deps.pods.get(namespace, name);
    if (!pod || pod.metadata?.deletionTimestamp || !pod.spec?.nodeName) {
      // Gone, going, or not on a node: nothing left to wait for.
      this.forget(key);
      return;
    }
    const node = this.deps.nodes.get(undefined, pod.spec.nodeName);
    const taints = noExecuteTaints(node?.spec?.taints);
    if (taints.length === 0) {
      await this.cancel(key, pod);
      return;
    }
    const now = this.deps.clock.now();
    const tolerations = withDefaultTolerations(pod.spec.tolerations, this.deps.defaultTolerationMs / 1000);
    const { allTolerated, used } = matchingTolerations(taints, tolerations);
    if (!allTolerated) {
      this.logger.info({ pod: key, node: pod.spec.nodeName }, 'pod does not tolerate a NoExecute taint of its node');
      await this.evict(key, pod);
      return;
    }
    const waitMs = minTolerationMs(used);
    if (waitMs < 0) {
      // Tolerated forever.
      await this.cancel(key, pod);
      return;
    }
    const createdAt = this.scheduled.get(key)?.createdAt ?? now;
    const fireAt = createdAt + waitMs;
    this.scheduled.set(key, { createdAt, fireAt });
    if (now >= fireAt) {
      await this.evict(key, pod);
      return;
    }
    this.requeue.schedule(key, fireAt - now);
  }

  /** Drops a wait without an event: the pod is gone or being deleted. */
  private forget(key: string): void {
    this.scheduled.delete(key);
    this.requeue.cancel(key);
  }

  /** Drops a wait because the pod may stay; tells the pod when there was one. */
  private async cancel(key: string, pod: corev1.Pod): Promise<void> {
    const had = this.scheduled.has(key);
    this.forget(key);
    if (!had) return;
    this.logger.info({ pod: key }, 'cancelling eviction');
    await this.deps.recorder.event(podRef(pod), 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  /** Kubernetes' addConditionAndDeletePod, retried on a fresh read. */
  private async evict(key: string, pod: corev1.Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    this.logger.info({ pod: key, node: pod.spec?.nodeName }, 'deleting pod');
    await this.deps.recorder.event(podRef(pod), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.markAndDelete(namespace, name, pod.metadata?.uid);
        break;
      } catch (err) {
        if (isNotFound(err)) break;
        if (attempt >= EVICTION_ATTEMPTS) throw err;
        if (!isConflict(err)) await this.deps.clock.sleep(10 * attempt);
      }
    }
    this.forget(key);
  }

  private async markAndDelete(namespace: string, name: string, uid: string | undefined): Promise<void> {
    const fresh = await this.deps.podClient.get(namespace, name);
    // Another pod of the same name, or one already going: not ours to delete.
    if (uid && fresh.metadata?.uid !== uid) return;
    if (fresh.metadata?.deletionTimestamp) return;
    const conditions = fresh.status?.conditions ?? [];
    const current = conditions.find((c) => c.type === DISRUPTION_TARGET_CONDITION.type);
    if (current?.status !== 'True' || current.reason !== DISRUPTION_TARGET_CONDITION.reason) {
      const condition: corev1.PodCondition = { ...DISRUPTION_TARGET_CONDITION, lastTransitionTime: formatTime(this.deps.clock.now()) };
      await this.deps.podClient.updateStatus({
        ...fresh,
        status: { ...fresh.status, conditions: [...conditions.filter((c) => c.type !== DISRUPTION_TARGET_CONDITION.type), condition] },
      });
    }
    await this.deps.podClient.delete(namespace, name, fresh.metadata?.uid);
  }

  /** The eviction a pod is waiting for, if any (for tests and debugging). */
  scheduledEviction(key: string): Readonly<Scheduled> | undefined {
    return this.scheduled.get(key);
  }
}
