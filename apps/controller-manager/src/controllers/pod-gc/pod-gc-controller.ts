import { isConflict, isNotFound, type corev1 } from '@minik8s/api';
import { keyOf, Nodes, Pods, WorkQueue, type Clock, type EventHandlers, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import {
  DEFAULT_TERMINATED_POD_THRESHOLD,
  failedStatus,
  formatTime,
  missingNodeNames,
  NodeQuarantine,
  ORPHANED_POD_CONDITION,
  outOfServiceTerminatingPods,
  terminatedPodsToDelete,
  unscheduledTerminatingPods,
} from './pod-gc-plan';

export const POD_GC_CONTROLLER_NAME = 'pod-gc';
/** Kubernetes' gcCheckPeriod: how often a collection pass runs. */
export const DEFAULT_GC_PERIOD_MS = 20_000;
/** Kubernetes' quarantineTime: how long a node must be missing before its pods are collected. */
export const DEFAULT_QUARANTINE_MS = 40_000;
/** How many pods one pass deletes at a time. */
const DEFAULT_DELETE_CONCURRENCY = 10;
/** A status write refused by a Conflict is retried on a fresh read this many times. */
const STATUS_ATTEMPTS = 3;
/** The one key of the queue: the collector works in whole passes, never per object. */
const GC_KEY = 'pod-gc';

/** The Pod calls the collector makes. */
export interface PodGcPodClient {
  get(namespace: string, name: string): Promise<corev1.Pod>;
  updateStatus(pod: corev1.Pod): Promise<corev1.Pod>;
  /** A forced delete (grace period 0) of the pod only if it still has `uid`. */
  forceDelete(namespace: string, name: string, uid: string | undefined): Promise<void>;
}

/** The Node call: a live read, to confirm a node the cache lacks is really gone. */
export interface PodGcNodeClient {
  get(name: string): Promise<corev1.Node>;
}

export interface PodGcSettings {
  /** --terminated-pod-gc-threshold: terminated pods kept before the oldest go; 0 or less keeps all. Default 12500. */
  terminatedPodThreshold?: number;
  /** How often a pass runs; default 20s. */
  gcPeriodMs?: number;
  /** How long a node must be missing before its pods are deleted; default 40s. */
  quarantineMs?: number;
  /** Pods deleted at a time in one pass; default 10. */
  deleteConcurrency?: number;
}

export interface PodGcControllerDeps extends PodGcSettings {
  pods: Lister<corev1.Pod>;
  nodes: Lister<corev1.Node>;
  podClient: PodGcPodClient;
  nodeClient: PodGcNodeClient;
  logger: Logger;
  clock: Clock;
  queue?: WorkQueue<string>;
  waitForCacheSync?: () => Promise<boolean>;
}

/** What one pass did: the keys of the pods it deleted, by why, and what failed. */
export interface GcPassResult {
  terminated: string[];
  outOfService: string[];
  orphaned: string[];
  unscheduledTerminating: string[];
  errors: unknown[];
  /** When the next quarantined node is due, if one is waiting. */
  nextDueInMs: number | undefined;
}

type DeletedReason = 'terminated' | 'outOfService' | 'orphaned' | 'unscheduledTerminating';

/** Runs `fn` on every item, at most `limit` at once; returns the errors thrown. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker()));
  return errors;
}

/**
 * Kubernetes' pod garbage collector. Each pass, over the cached pods and nodes:
 * - terminated pods (Succeeded or Failed) beyond --terminated-pod-gc-threshold are deleted,
 *   evicted ones first, then oldest first by creationTimestamp;
 * - terminating pods on a node that is not Ready and has the out-of-service taint are deleted;
 * - pods bound to a node that no longer exists are marked Failed with a DisruptionTarget condition
 *   (reason DeletionByPodGC) and deleted, once the node has been missing for the quarantine and a
 *   live read of it has confirmed NotFound;
 * - terminating pods that were never scheduled are deleted.
 * Every delete is forced (grace period 0, as no kubelet will finish these pods) and pinned to the
 * pod's uid; a pod not yet finished is set to phase Failed first, so its owner sees it finished.
 *
 * A pass runs every gcPeriodMs, when a Node is deleted, and when a quarantine ends; a pass that
 * fails anywhere is retried with back-off through the queue.
 */
export class PodGcController implements Controller {
  readonly name = POD_GC_CONTROLLER_NAME;
  readonly queue: WorkQueue<string>;
  readonly quarantine: NodeQuarantine;
  readonly terminatedPodThreshold: number;
  readonly gcPeriodMs: number;
  private readonly deleteConcurrency: number;
  private readonly logger: Logger;

  constructor(private readonly deps: PodGcControllerDeps) {
    this.logger = deps.logger;
    this.queue = deps.queue ?? new WorkQueue<string>();
    this.terminatedPodThreshold = deps.terminatedPodThreshold ?? DEFAULT_TERMINATED_POD_THRESHOLD;
    this.gcPeriodMs = deps.gcPeriodMs ?? DEFAULT_GC_PERIOD_MS;
    this.quarantine = new NodeQuarantine(deps.quarantineMs ?? DEFAULT_QUARANTINE_MS);
    this.deleteConcurrency = deps.deleteConcurrency ?? DEFAULT_DELETE_CONCURRENCY;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.logger.info(
      { controller: this.name, terminatedPodThreshold: this.terminatedPodThreshold, gcPeriodMs: this.gcPeriodMs, quarantineMs: this.quarantine.quarantineMs },
      'starting controller',
    );
    const ticker = this.tick(signal);
    await runQueue(this.name, this.queue, () => this.sync(), 1, signal, this.logger);
    await ticker;
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  /** Queues a pass once per period until `signal` aborts. */
  private async tick(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.queue.add(GC_KEY);
      await this.deps.clock.sleep(this.gcPeriodMs, signal);
    }
  }

  // ---- event handlers: they only queue a pass ----

  /** A deleted Node starts its quarantine now, and a pass looks at its pods. */
  nodeHandlers(): EventHandlers<corev1.Node> {
    return {
      onDelete: (node) => {
        if (node.metadata?.name) this.quarantine.note(node.metadata.name, this.deps.clock.now());
        this.queue.add(GC_KEY);
      },
    };
  }

  // ---- the pass ----

  /** One pass; throws when part of it failed, so the queue tries again with back-off. */
  async sync(): Promise<void> {
    const result = await this.gc();
    if (result.nextDueInMs !== undefined) this.queue.addAfter(GC_KEY, result.nextDueInMs);
    if (result.errors.length > 0) {
      const first = result.errors[0] as Error;
      throw new Error(`pod garbage collection: ${result.errors.length} failure(s); first: ${first?.message ?? String(first)}`);
    }
  }

  /** One collection pass over the cached pods and nodes. */
  async gc(): Promise<GcPassResult> {
    const pods = this.deps.pods.list();
    const nodes = new Map(this.deps.nodes.list().map((n) => [n.metadata?.name ?? '', n]));
    const result: GcPassResult = { terminated: [], outOfService: [], orphaned: [], unscheduledTerminating: [], errors: [], nextDueInMs: undefined };
    // A pod that matches two rules is deleted once.
    const handled = new Set<string>();
    const collect = async (reason: DeletedReason, candidates: corev1.Pod[], condition?: corev1.PodCondition): Promise<void> => {
      const todo = candidates.filter((pod) => !handled.has(keyOf(pod)));
      for (const pod of todo) handled.add(keyOf(pod));
      if (todo.length === 0) return;
      const errors = await forEachLimited(todo, this.deleteConcurrency, async (pod) => {
        if (await this.markFailedAndDelete(pod, reason, condition)) result[reason].push(keyOf(pod));
      });
      result.errors.push(...errors);
    };

    const terminated = terminatedPodsToDelete(pods, this.terminatedPodThreshold);
    if (terminated.length > 0) this.logger.info({ count: terminated.length, threshold: this.terminatedPodThreshold }, 'garbage collecting terminated pods');
    await collect('terminated', terminated);
    await collect(
      'outOfService',
      outOfServiceTerminatingPods(pods, (name) => nodes.get(name)),
    );
    const gone = await this.confirmDeletedNodes(pods, new Set(nodes.keys()), result);
    await collect(
      'orphaned',
      pods.filter((pod) => gone.has(pod.spec?.nodeName ?? '')),
      ORPHANED_POD_CONDITION,
    );
    await collect('unscheduledTerminating', unscheduledTerminatingPods(pods));
    for (const list of [result.terminated, result.outOfService, result.orphaned, result.unscheduledTerminating]) list.sort();
    return result;
  }

  /**
   * The nodes pods are bound to that have been missing from the cache for the whole quarantine and
   * that a live read confirms are gone. A node found after all starts its quarantine over.
   */
  private async confirmDeletedNodes(pods: readonly corev1.Pod[], existing: ReadonlySet<string>, result: GcPassResult): Promise<Set<string>> {
    const { due, nextDueInMs } = this.quarantine.review(missingNodeNames(pods, existing), this.deps.clock.now());
    result.nextDueInMs = nextDueInMs;
    const gone = new Set<string>();
    for (const name of due) {
      try {
        await this.deps.nodeClient.get(name);
        this.logger.debug({ node: name }, 'node missing from the cache exists; its pods stay');
        this.quarantine.forget(name);
      } catch (err) {
        if (isNotFound(err)) {
          gone.add(name);
          continue;
        }
        // Still quarantined: the retry of this pass reads it again.
        this.logger.warn({ node: name, err: (err as Error).message }, 'could not read node');
        result.errors.push(err);
      }
    }
    return gone;
  }

  /**
   * Kubernetes' markFailedAndDeletePod: a pod not yet finished gets phase Failed (and `condition`),
   * then it is deleted at once. Returns false when the pod was already gone or replaced.
   */
  private async markFailedAndDelete(pod: corev1.Pod, reason: DeletedReason, condition: corev1.PodCondition | undefined): Promise<boolean> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid;
    this.logger.info({ pod: keyOf(pod), node: pod.spec?.nodeName, reason }, 'force deleting pod');
    let current = pod;
    for (let attempt = 1; ; attempt++) {
      const status = failedStatus(current, condition, formatTime(this.deps.clock.now()));
      if (!status) break;
      try {
        await this.deps.podClient.updateStatus({ ...current, status });
        break;
      } catch (err) {
        if (isNotFound(err)) return false;
        if (!isConflict(err) || attempt >= STATUS_ATTEMPTS) throw err;
      }
      try {
        current = await this.deps.podClient.get(namespace, name);
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
      // Another pod of the same name: not the one we judged.
      if (uid && current.metadata?.uid !== uid) return false;
    }
    try {
      await this.deps.podClient.forceDelete(namespace, name, uid);
    } catch (err) {
      // Gone already, or (the uid precondition) replaced by another pod of the same name.
      if (isNotFound(err) || isConflict(err)) return false;
      throw err;
    }
    return true;
  }
}

/** Builds the collector on the shared Pod and Node informers. */
export function newPodGcController(context: ControllerContext, settings: PodGcSettings = {}): PodGcController {
  const pods = context.informers.informerFor(Pods);
  const nodes = context.informers.informerFor(Nodes);
  const podClient = context.client.resource(Pods);
  const nodeClient = context.client.resource(Nodes);
  const controller = new PodGcController({
    ...settings,
    pods,
    nodes,
    podClient: {
      get: (namespace, name) => podClient.namespace(namespace).get(name),
      updateStatus: (pod) => podClient.namespace(pod.metadata?.namespace).updateStatus(pod),
      forceDelete: async (namespace, name, uid) => {
        await podClient.namespace(namespace).delete(name, { gracePeriodSeconds: 0, ...(uid ? { preconditions: { uid } } : {}) });
      },
    },
    nodeClient: { get: (name) => nodeClient.get(name) },
    logger: context.logger.child({ controller: POD_GC_CONTROLLER_NAME }),
    clock: context.clock,
    waitForCacheSync: async () => (await Promise.all([pods.waitForCacheSync(), nodes.waitForCacheSync()])).every(Boolean),
  });
  nodes.addEventHandler(controller.nodeHandlers());
  return controller;
}

/** A `pod-gc` factory with settings other than Kubernetes' defaults (for tests and embedders). */
export function podGcControllerFactoryWith(settings: PodGcSettings): ControllerFactory {
  return (context) => newPodGcController(context, settings);
}

/** `pod-gc`: deletes orphaned, unscheduled-terminating and excess terminated pods. */
export const podGcControllerFactory: ControllerFactory = (context) =>
  newPodGcController(context, { terminatedPodThreshold: context.options.terminatedPodGcThreshold });
