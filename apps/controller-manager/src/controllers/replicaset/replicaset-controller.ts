import { isForbidden, isNotFound, LabelSelectorError, type corev1, type OwnerReference, type Selector } from '@minik8s/api';
import { Expectations, keyOf, Pods, splitKey, WorkQueue, type Clock, type EventHandlers, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { controllerRef, getControllerOf } from '../../shared/controller-ref';
import { RealPodControl, type PodControl } from '../../shared/pod-control';
import { runQueue } from '../../shared/queue-worker';
import { isPodActive, isPodReady, podsToDelete } from './active-pods';
import { claimPods } from '../../shared/claim-pods';
import { toError } from '../../shared/multi-error';
import { slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from '../../shared/slow-start';
export { slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from '../../shared/slow-start';
import { calculateStatus, statusUpToDate } from './replica-status';
import { replicaSetKind, replicationControllerKind, type ReplicatedKind, type ReplicatedObject, type ReplicaStatus } from './replicated-kind';

/** At most this many pods are created or deleted per sync (Kubernetes' BurstReplicas). */
export const BURST_REPLICAS = 500;
/** The first batch of a slow-start creation round (Kubernetes' SlowStartInitialBatchSize). */
/** Status writes are retried this many times after a fresh read. */
const STATUS_UPDATE_RETRIES = 1;

/** The API calls on the owner kind itself: a fresh read and the status subresource. */
export interface OwnerClient<T> {
  get(namespace: string, name: string): Promise<T>;
  updateStatus(obj: T): Promise<T>;
}

export interface ReplicaControllerDeps<T extends ReplicatedObject> {
  name: string;
  kind: ReplicatedKind<T>;
  owners: Lister<T>;
  pods: Lister<corev1.Pod>;
  podControl: PodControl;
  ownerClient: OwnerClient<T>;
  logger: Logger;
  clock: Clock;
  concurrentSyncs?: number;
  burstReplicas?: number;
  queue?: WorkQueue<string>;
  expectations?: Expectations;
  /** Resolves once the listers' caches are filled; run() waits for it before its workers start. */
  waitForCacheSync?: () => Promise<boolean>;
}

/** A create refused because the namespace is terminating: nothing to retry (Kubernetes ignores it). */
function isNamespaceTerminating(err: unknown): boolean {
  if (!isForbidden(err)) return false;
  const causes = (err as { details?: { causes?: { type?: string }[] } }).details?.causes ?? [];
  return causes.some((c) => c.type === 'NamespaceTerminating') || /because it is being terminated/.test((err as Error).message);
}

function sameRef(a: OwnerReference | undefined, b: OwnerReference | undefined): boolean {
  return a?.uid === b?.uid && a?.name === b?.name && a?.kind === b?.kind && a?.apiVersion === b?.apiVersion && !!a?.controller === !!b?.controller;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {});
  const y = b ?? {};
  return x.length === Object.keys(y).length && x.every(([k, v]) => y[k] === v);
}

/**
 * Kubernetes' ReplicaSet controller, for ReplicaSets and ReplicationControllers alike (one
 * instance per kind, through a ReplicatedKind adapter). Informer handlers only record
 * expectations and queue keys; `sync(key)` reads the caches, adopts and releases pods, creates or
 * deletes the difference, and writes status.
 */
export class ReplicaController<T extends ReplicatedObject> implements Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  readonly expectations: Expectations;
  private readonly kind: ReplicatedKind<T>;
  private readonly logger: Logger;
  private readonly burstReplicas: number;

  constructor(private readonly deps: ReplicaControllerDeps<T>) {
    this.name = deps.name;
    this.kind = deps.kind;
    this.logger = deps.logger;
    this.queue = deps.queue ?? new WorkQueue<string>();
    this.expectations = deps.expectations ?? new Expectations(deps.clock);
    this.burstReplicas = deps.burstReplicas ?? BURST_REPLICAS;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.logger.info({ controller: this.name }, 'starting controller');
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.logger);
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  // ---- event handlers: they only record expectations and queue keys ----

  /** Handlers for the owner kind's informer. */
  ownerHandlers(): EventHandlers<T> {
    return {
      onAdd: (owner) => this.queue.add(keyOf(owner)),
      onUpdate: (old, cur) => {
        // A delete and re-create under one name that the informer merged into one update.
        if (old.metadata?.uid !== cur.metadata?.uid) this.ownerDeleted(old);
        this.queue.add(keyOf(cur));
      },
      onDelete: (owner) => this.ownerDeleted(owner),
    };
  }

  /** Handlers for the pod informer. */
  podHandlers(): EventHandlers<corev1.Pod> {
    return {
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (old, cur) => this.podUpdated(old, cur),
      onDelete: (pod) => this.podDeleted(pod),
    };
  }

  private ownerDeleted(owner: T): void {
    const key = keyOf(owner);
    // A new owner of the same name starts without the old one's expectations.
    this.expectations.delete(key);
    this.queue.add(key);
  }

  /** The owner a controllerRef points to, if it is one of ours and still the same object. */
  private resolveControllerRef(namespace: string | undefined, ref: OwnerReference): T | undefined {
    if (ref.kind !== this.kind.kind || !ref.name) return undefined;
    const owner = this.deps.owners.get(namespace, ref.name);
    return owner && owner.metadata?.uid === ref.uid ? owner : undefined;
  }

  /** Owners whose selector matches an orphan's labels; an empty or invalid selector matches none. */
  private ownersSelecting(pod: corev1.Pod): T[] {
    const matching = this.deps.owners.list(pod.metadata?.namespace ?? '').filter((owner) => {
      let selector: Selector;
      try {
        selector = this.kind.selector(owner);
      } catch {
        return false;
      }
      return !selector.isEmpty() && selector.matches(pod.metadata?.labels);
    });
    if (matching.length > 1) {
      this.logger.warn({ pod: keyOf(pod), labels: pod.metadata?.labels }, `user error: more than one ${this.kind.kind} selects this pod`);
    }
    return matching;
  }

  private podAdded(pod: corev1.Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // A pod that shows up already terminating (e.g. after a restart) is not a creation.
      this.podDeleted(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const owner = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (!owner) return;
      const key = keyOf(owner);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    // An orphan: whoever selects it may adopt it. No expectation waits for an orphan.
    for (const owner of this.ownersSelecting(pod)) this.queue.add(keyOf(owner));
  }

  private podUpdated(old: corev1.Pod, cur: corev1.Pod): void {
    // Periodic resyncs deliver unchanged objects.
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = !sameLabels(old.metadata?.labels, cur.metadata?.labels);
    if (cur.metadata?.deletionTimestamp) {
      // A graceful delete begins: replace the pod now rather than when it is finally gone.
      this.podDeleted(cur);
      if (labelsChanged) this.podDeleted(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = !sameRef(curRef, oldRef);
    if (refChanged && oldRef) {
      const oldOwner = this.resolveControllerRef(old.metadata?.namespace, oldRef);
      if (oldOwner) this.queue.add(keyOf(oldOwner));
    }
    if (curRef) {
      const owner = this.resolveControllerRef(cur.metadata?.namespace, curRef);
      if (!owner) return;
      const key = keyOf(owner);
      this.queue.add(key);
      // Availability is a matter of time once a pod is ready: look again when it should be.
      const minReadySeconds = this.kind.minReadySeconds(owner);
      if (!isPodReady(old) && isPodReady(cur) && minReadySeconds > 0) this.queue.addAfter(key, (minReadySeconds + 1) * 1000);
      return;
    }
    if (labelsChanged || refChanged) {
      for (const owner of this.ownersSelecting(cur)) this.queue.add(keyOf(owner));
    }
  }

  private podDeleted(pod: corev1.Pod): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const owner = this.resolveControllerRef(pod.metadata?.namespace, ref);
    if (!owner) return;
    const key = keyOf(owner);
    this.expectations.deletionObserved(key, pod.metadata?.uid ?? '');
    this.queue.add(key);
  }

  // ---- the level-triggered sync ----

  /**
   * Brings one owner's pods to its spec and writes its status. Safe to run any number of times;
   * throws to have the key retried with back-off.
   */
  async sync(key: string): Promise<void> {
    const started = this.deps.clock.now();
    const { namespace, name } = splitKey(key);
    const cached = this.deps.owners.get(namespace, name);
    if (!cached) {
      this.logger.debug({ kind: this.kind.kind, key }, 'owner deleted');
      this.expectations.delete(key);
      return;
    }
    // Cached objects are shared; everything below reads it and writes copies.
    const owner: T = { ...cached, apiVersion: this.kind.apiVersion, kind: this.kind.kind };
    const needsSync = this.expectations.satisfied(key);
    let selector: Selector;
    try {
      selector = this.kind.selector(owner);
    } catch (err) {
      // Retrying cannot fix an invalid selector; an update of the object queues it again.
      if (err instanceof LabelSelectorError) {
        this.logger.warn({ kind: this.kind.kind, key, err: err.message }, 'invalid pod selector');
        return;
      }
      throw err;
    }

    // Every active pod in the namespace: those it selects, and those it owns but no longer selects.
    const active = this.deps.pods.list(namespace ?? '').filter(isPodActive);
    const ref = controllerRef(owner, this.kind.apiVersion, this.kind.kind);
    const pods = await claimPods(active, {
      owner,
      ref,
      selector,
      podControl: this.deps.podControl,
      canAdopt: () => this.recheckNotDeleted(owner),
    });

    let manageError: Error | undefined;
    if (needsSync && !owner.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(key, owner, pods, ref);
      } catch (err) {
        manageError = toError(err);
      }
    }

    const replicas = this.kind.replicas(owner);
    const minReadySeconds = this.kind.minReadySeconds(owner);
    const status = calculateStatus({
      status: this.kind.status(owner),
      replicas,
      minReadySeconds,
      templateLabels: this.kind.template(owner).metadata?.labels,
      pods,
      manageError,
      nowMs: this.deps.clock.now(),
    });
    const updated = await this.writeStatus(owner, status);
    const written = this.kind.status(updated);
    // Pods that are ready but not yet available become available with time alone.
    if (!manageError && minReadySeconds > 0 && (written.readyReplicas ?? 0) === replicas && (written.availableReplicas ?? 0) !== replicas) {
      this.queue.addAfter(key, minReadySeconds * 1000);
    }
    this.logger.debug({ kind: this.kind.kind, key, ms: this.deps.clock.now() - started }, 'finished syncing');
    if (manageError) throw manageError;
  }

  /** Kubernetes' RecheckDeletionTimestamp: a fresh read, failing if the owner is gone or going. */
  private async recheckNotDeleted(owner: T): Promise<void> {
    const meta = owner.metadata ?? {};
    const fresh = await this.deps.ownerClient.get(meta.namespace ?? '', meta.name ?? '');
    if (fresh.metadata?.uid !== meta.uid) {
      throw new Error(`original ${this.kind.kind} ${meta.namespace}/${meta.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${meta.uid}`);
    }
    if (fresh.metadata?.deletionTimestamp) {
      throw new Error(`${meta.namespace}/${meta.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  }

  private async manageReplicas(key: string, owner: T, pods: readonly corev1.Pod[], ref: OwnerReference): Promise<void> {
    const namespace = owner.metadata?.namespace ?? '';
    const replicas = this.kind.replicas(owner);
    const diff = pods.length - replicas;
    if (diff < 0) {
      const count = Math.min(-diff, this.burstReplicas);
      // Recorded before the first create, so the informer's sightings always find it.
      this.expectations.expectCreations(key, count);
      this.logger.debug({ kind: this.kind.kind, key, need: replicas, creating: count }, 'too few replicas');
      const template = this.kind.template(owner);
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        try {
          await this.deps.podControl.createPod(namespace, template, owner, ref);
        } catch (err) {
          // Every create would fail while the namespace terminates; nothing to report.
          if (isNamespaceTerminating(err)) return;
          throw err;
        }
      });
      // Creates never attempted (or failed) will never be observed.
      for (let skipped = count - successes; skipped > 0; skipped--) this.expectations.creationFailed(key);
      if (error) throw error;
      return;
    }
    if (diff > 0) {
      const count = Math.min(diff, this.burstReplicas);
      this.logger.debug({ kind: this.kind.kind, key, need: replicas, deleting: count }, 'too many replicas');
      const victims = podsToDelete(pods, this.relatedPods(owner), count, this.deps.clock.now());
      this.expectations.expectDeletions(
        key,
        victims.map((p) => p.metadata?.uid ?? ''),
      );
      const errors: Error[] = [];
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await this.deps.podControl.deletePod(namespace, pod.metadata?.name ?? '', owner);
          } catch (err) {
            // This deletion will never be observed.
            this.expectations.deletionObserved(key, pod.metadata?.uid ?? '');
            if (!isNotFound(err)) errors.push(toError(err));
          }
        }),
      );
      if (errors.length > 0) throw errors[0];
    }
  }

  /**
   * The pods of every owner controlled by the same controller as `owner` (e.g. the ReplicaSets of
   * one Deployment), to prefer deleting pods doubled up on a node. None when it has no controller.
   */
  private relatedPods(owner: T): corev1.Pod[] {
    const controller = getControllerOf(owner);
    if (!controller) return [];
    const namespace = owner.metadata?.namespace ?? '';
    const seen = new Set<string>();
    const related: corev1.Pod[] = [];
    const namespacePods = this.deps.pods.list(namespace);
    for (const sibling of this.deps.owners.list(namespace)) {
      if (getControllerOf(sibling)?.uid !== controller.uid) continue;
      let selector: Selector;
      try {
        selector = this.kind.selector(sibling);
      } catch {
        continue;
      }
      for (const pod of namespacePods) {
        const uid = pod.metadata?.uid ?? '';
        if (seen.has(uid) || !selector.matches(pod.metadata?.labels)) continue;
        seen.add(uid);
        related.push(pod);
      }
    }
    return related;
  }

  /** Writes status unless nothing changed; after a failure, reads the owner once and retries. */
  private async writeStatus(owner: T, status: ReplicaStatus): Promise<T> {
    const generation = owner.metadata?.generation;
    if (statusUpToDate(this.kind.status(owner), status, generation)) return owner;
    const next: ReplicaStatus = { ...status, observedGeneration: generation };
    const meta = owner.metadata ?? {};
    let current = owner;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.ownerClient.updateStatus(this.kind.withStatus(current, next));
      } catch (err) {
        if (attempt >= STATUS_UPDATE_RETRIES) throw err;
        current = await this.deps.ownerClient.get(meta.namespace ?? '', meta.name ?? '');
      }
    }
  }
}

/** Builds the controller for one kind on the shared informers and a real PodControl. */
export function newReplicaController<T extends ReplicatedObject>(
  context: ControllerContext,
  kind: ReplicatedKind<T>,
  name: string,
  component: string,
): ReplicaController<T> {
  const owners = context.informers.informerFor(kind.ref);
  const pods = context.informers.informerFor(Pods);
  const resource = context.client.resource(kind.ref);
  const controller = new ReplicaController<T>({
    name,
    kind,
    owners,
    pods,
    podControl: new RealPodControl(context.client, context.recorder(component)),
    ownerClient: {
      get: (namespace, objName) => resource.namespace(namespace).get(objName),
      updateStatus: (obj) => resource.namespace(obj.metadata?.namespace).updateStatus(obj),
    },
    logger: context.logger.child({ controller: name }),
    clock: context.clock,
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: async () => (await Promise.all([owners.waitForCacheSync(), pods.waitForCacheSync()])).every(Boolean),
  });
  owners.addEventHandler(controller.ownerHandlers());
  pods.addEventHandler(controller.podHandlers());
  return controller;
}

/** `replicaset`: keeps each ReplicaSet's pods at spec.replicas. */
export const replicaSetControllerFactory: ControllerFactory = (context) =>
  newReplicaController(context, replicaSetKind, 'replicaset', 'replicaset-controller');

/** `replicationcontroller`: the same for ReplicationControllers. */
export const replicationControllerFactory: ControllerFactory = (context) =>
  newReplicaController(context, replicationControllerKind, 'replicationcontroller', 'replication-controller');
