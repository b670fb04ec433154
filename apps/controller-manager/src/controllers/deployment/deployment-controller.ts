import { LabelSelectorError, selectorFromLabelSelector, type appsv1, type corev1, type OwnerReference, type Selector } from '@minik8s/api';
import { Deployments, keyOf, Pods, ReplicaSets, splitKey, WorkQueue, type Clock, type EventHandlers, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { controllerRef, getControllerOf, isControlledBy } from '../../shared/controller-ref';
import { runQueue } from '../../shared/queue-worker';
import { claimReplicaSets } from './claim-replica-sets';
import { ApiDeploymentClient, type DeploymentClient, type EventSink } from './deployment-client';
import { DeploymentSync } from './deployment-sync';
import { RECREATE } from './rollout-math';

type ReplicaSet = appsv1.ReplicaSet;
type Deployment = appsv1.Deployment;

export const DEPLOYMENT_CONTROLLER_NAME = 'deployment';
const EVENT_COMPONENT = 'deployment-controller';

export interface DeploymentControllerDeps {
  deployments: Lister<Deployment>;
  replicaSets: Lister<ReplicaSet>;
  pods: Lister<corev1.Pod>;
  client: DeploymentClient;
  events: EventSink;
  logger: Logger;
  clock: Clock;
  concurrentSyncs?: number;
  queue?: WorkQueue<string>;
  /** Queues `key` again after `ms` (progress-deadline checks). Default: `queue.addAfter`. */
  requeueAfter?: (key: string, ms: number) => void;
  /** Resolves once the listers' caches are filled; run() waits for it before its workers start. */
  waitForCacheSync?: () => Promise<boolean>;
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
 * Kubernetes' Deployment controller: rolls a Deployment's pod template out through ReplicaSets
 * (RollingUpdate within maxSurge/maxUnavailable, or Recreate), keeps their revisions, scales them
 * proportionally, pauses, rolls back, prunes history and reports progress. It writes Deployments
 * and ReplicaSets only; pods are the ReplicaSet controller's. Handlers only queue keys;
 * `sync(key)` does the work from the caches.
 */
export class DeploymentController implements Controller {
  readonly name = DEPLOYMENT_CONTROLLER_NAME;
  readonly queue: WorkQueue<string>;
  private readonly logger: Logger;

  constructor(private readonly deps: DeploymentControllerDeps) {
    this.queue = deps.queue ?? new WorkQueue<string>();
    this.logger = deps.logger;
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

  // ---- event handlers: they only queue keys ----

  deploymentHandlers(): EventHandlers<Deployment> {
    return {
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_old, cur) => this.enqueue(cur),
      onDelete: (d) => this.enqueue(d),
    };
  }

  replicaSetHandlers(): EventHandlers<ReplicaSet> {
    return {
      onAdd: (rs) => this.replicaSetAdded(rs),
      onUpdate: (old, cur) => this.replicaSetUpdated(old, cur),
      onDelete: (rs) => this.replicaSetDeleted(rs),
    };
  }

  /** Only deletions matter: a Recreate rollout waits for its old pods to be gone. */
  podHandlers(): EventHandlers<corev1.Pod> {
    return { onDelete: (pod) => this.podDeleted(pod) };
  }

  private enqueue(d: Deployment): void {
    this.queue.add(keyOf(d));
  }

  /** The Deployment a controllerRef points to, if it is one and still the same object. */
  private resolveControllerRef(namespace: string | undefined, ref: OwnerReference): Deployment | undefined {
    if (ref.kind !== 'Deployment' || !ref.name) return undefined;
    const d = this.deps.deployments.get(namespace, ref.name);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose selector matches an orphan ReplicaSet's labels (empty or invalid ones match none). */
  private deploymentsSelecting(rs: ReplicaSet): Deployment[] {
    if (Object.keys(rs.metadata?.labels ?? {}).length === 0) return [];
    const matching = this.deps.deployments.list(rs.metadata?.namespace ?? '').filter((d) => {
      let selector: Selector;
      try {
        selector = selectorFromLabelSelector(d.spec?.selector);
      } catch {
        return false;
      }
      return !selector.isEmpty() && selector.matches(rs.metadata?.labels);
    });
    if (matching.length > 1) {
      this.logger.info({ replicaSet: keyOf(rs), labels: rs.metadata?.labels }, 'user error: more than one deployment is selecting replica set');
    }
    return matching;
  }

  private replicaSetAdded(rs: ReplicaSet): void {
    if (rs.metadata?.deletionTimestamp) {
      // Seen for the first time already going (e.g. after a restart).
      this.replicaSetDeleted(rs);
      return;
    }
    const ref = getControllerOf(rs);
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata?.namespace, ref);
      if (d) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsSelecting(rs)) this.enqueue(d);
  }

  private replicaSetUpdated(old: ReplicaSet, cur: ReplicaSet): void {
    // Periodic resyncs deliver unchanged objects.
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = !sameRef(curRef, oldRef);
    if (refChanged && oldRef) {
      const d = this.resolveControllerRef(old.metadata?.namespace, oldRef);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.resolveControllerRef(cur.metadata?.namespace, curRef);
      if (d) this.enqueue(d);
      return;
    }
    if (refChanged || !sameLabels(old.metadata?.labels, cur.metadata?.labels)) {
      for (const d of this.deploymentsSelecting(cur)) this.enqueue(d);
    }
  }

  private replicaSetDeleted(rs: ReplicaSet): void {
    const ref = getControllerOf(rs);
    if (!ref) return;
    const d = this.resolveControllerRef(rs.metadata?.namespace, ref);
    if (d) this.enqueue(d);
  }

  /** The Deployment behind a pod: the pod's ReplicaSet's controller. */
  private deploymentForPod(pod: corev1.Pod): Deployment | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet' || !ref.name) return undefined;
    const rs = this.deps.replicaSets.get(pod.metadata?.namespace, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
    const rsRef = getControllerOf(rs);
    return rsRef ? this.resolveControllerRef(rs.metadata?.namespace, rsRef) : undefined;
  }

  private podDeleted(pod: corev1.Pod): void {
    const d = this.deploymentForPod(pod);
    if (!d || d.spec?.strategy?.type !== RECREATE) return;
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(d.spec?.selector);
    } catch {
      return;
    }
    const owned = this.deps.replicaSets.list(d.metadata?.namespace ?? '').filter((rs) => isControlledBy(rs, d) && selector.matches(rs.metadata?.labels));
    const podMap = this.podMapFor(d, selector, owned);
    // Sync once this Deployment has no more pods.
    if ([...podMap.values()].every((pods) => pods.length === 0)) this.enqueue(d);
  }

  // ---- the level-triggered sync ----

  /**
   * The Deployment's pods by the uid of their controlling ReplicaSet, for the ReplicaSets in
   * `rsList`; terminating and finished pods included (Recreate must see them).
   */
  private podMapFor(d: Deployment, selector: Selector, rsList: readonly ReplicaSet[]): Map<string, corev1.Pod[]> {
    const podMap = new Map<string, corev1.Pod[]>(rsList.map((rs) => [rs.metadata?.uid ?? '', []]));
    for (const pod of this.deps.pods.list(d.metadata?.namespace ?? '')) {
      if (!selector.matches(pod.metadata?.labels)) continue;
      const uid = getControllerOf(pod)?.uid;
      if (uid) podMap.get(uid)?.push(pod);
    }
    return podMap;
  }

  /**
   * Brings one Deployment's ReplicaSets a step closer to its spec and writes its status. Safe to
   * run any number of times; throws to have the key retried with back-off.
   */
  async sync(key: string): Promise<void> {
    const started = this.deps.clock.now();
    const { namespace, name } = splitKey(key);
    const cached = this.deps.deployments.get(namespace, name);
    if (!cached) {
      this.logger.debug({ deployment: key }, 'deployment has been deleted');
      return;
    }
    // The cache's object is shared: the sync works on its own copy.
    const d: Deployment = { ...structuredClone(cached), apiVersion: 'apps/v1', kind: 'Deployment' };

    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(d.spec?.selector);
    } catch (err) {
      // Retrying cannot fix an invalid selector (validation rejects it); an update queues it again.
      if (err instanceof LabelSelectorError) {
        this.logger.warn({ deployment: key, err: err.message }, 'invalid label selector');
        return;
      }
      throw err;
    }
    if (selector.isEmpty()) {
      await this.deps.events.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await this.deps.client.updateDeploymentStatus({ ...d, status: { ...d.status, observedGeneration: d.metadata?.generation } });
      }
      return;
    }

    const rsList = await claimReplicaSets(this.deps.replicaSets.list(namespace ?? ''), {
      deployment: d,
      selector,
      ref: controllerRef(d, 'apps/v1', 'Deployment'),
      patch: (ns, rsName, patch) => this.deps.client.patchReplicaSet(ns, rsName, patch),
      canAdopt: () => this.recheckNotDeleted(d),
    });
    const podMap = this.podMapFor(d, selector, rsList);
    const run = new DeploymentSync(
      {
        key,
        client: this.deps.client,
        events: this.deps.events,
        logger: this.logger,
        clock: this.deps.clock,
        replicaSets: this.deps.replicaSets,
        // The queue keeps the soonest of several delayed adds of a key.
        requeueAfter: (k, ms) => (this.deps.requeueAfter ? this.deps.requeueAfter(k, ms) : this.queue.addAfter(k, ms)),
        requeueRateLimited: (k) => this.queue.addRateLimited(k),
      },
      d,
      rsList,
      podMap,
    );
    await run.run();
    this.logger.debug({ deployment: key, ms: this.deps.clock.now() - started }, 'finished syncing deployment');
  }

  /** RecheckDeletionTimestamp: a fresh read, failing if the Deployment is gone, replaced or going. */
  private async recheckNotDeleted(d: Deployment): Promise<void> {
    const meta = d.metadata ?? {};
    const fresh = await this.deps.client.getDeployment(meta.namespace ?? '', meta.name ?? '');
    if (fresh.metadata?.uid !== meta.uid) {
      throw new Error(`original Deployment ${meta.namespace}/${meta.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${meta.uid}`);
    }
    if (fresh.metadata?.deletionTimestamp) {
      throw new Error(`${meta.namespace}/${meta.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  }
}

/** Builds the controller on the shared informers and the API. */
export function newDeploymentController(context: ControllerContext): DeploymentController {
  const deployments = context.informers.informerFor(Deployments);
  const replicaSets = context.informers.informerFor(ReplicaSets);
  const pods = context.informers.informerFor(Pods);
  const controller = new DeploymentController({
    deployments,
    replicaSets,
    pods,
    client: new ApiDeploymentClient(context.client),
    events: context.recorder(EVENT_COMPONENT),
    logger: context.logger.child({ controller: DEPLOYMENT_CONTROLLER_NAME }),
    clock: context.clock,
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: async () =>
      (await Promise.all([deployments.waitForCacheSync(), replicaSets.waitForCacheSync(), pods.waitForCacheSync()])).every(Boolean),
  });
  deployments.addEventHandler(controller.deploymentHandlers());
  replicaSets.addEventHandler(controller.replicaSetHandlers());
  pods.addEventHandler(controller.podHandlers());
  return controller;
}

/** `deployment`: rolls Deployments out through ReplicaSets. */
export const deploymentControllerFactory: ControllerFactory = (context) => newDeploymentController(context);
