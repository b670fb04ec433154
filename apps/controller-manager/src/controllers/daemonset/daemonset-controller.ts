import {
  isAlreadyExists,
  isForbidden,
  isNotFound,
  LabelSelectorError,
  selectorFromLabelSelector,
  type ApiObject,
  type appsv1,
  type corev1,
  type OwnerReference,
  type Selector,
} from '@minik8s/api';
import {
  ControllerRevisions,
  DaemonSets,
  keyOf,
  MERGE_PATCH,
  Nodes,
  Pods,
  splitKey,
  WorkQueue,
  type Clock,
  type EventHandlers,
  type EventType,
  type Lister,
} from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { controllerRef, getControllerOf } from '../../shared/controller-ref';
import { RealPodControl, type PodControl } from '../../shared/pod-control';
import { runQueue } from '../../shared/queue-worker';
import { isPodAvailable, isPodReady } from '../../shared/pod-conditions';
import { MultiError, toError } from '../../shared/multi-error';
import { slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from '../../shared/slow-start';
import { claimObjects } from '../../shared/claim';
import { DaemonExpectations } from './daemon-expectations';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  createPodTemplate,
  groupByNode,
  isPodUpdated,
  nodeNameAffinity,
  oldestFirst,
  templateGeneration,
} from './daemon-pods';
import { calculateCounts, statusUpToDate, withCounts } from './daemon-status';
import { FailedPodsBackoff } from './failed-pods-backoff';
import { computeHash, maxRevision, revisionHash, revisionMatches, revisionPatch, revisionsToDelete, revisionToKeep } from './history';
import { nodeShouldRunDaemonPod, type NodeFit } from './node-eligibility';
import { shouldIgnoreNodeUpdate } from './node-updates';
import { allowsSurge, isRollingUpdate, planRollingUpdate, updateLimits, type UpdateLimits } from './rolling-update';

/** At most this many pods are created or deleted per sync (Kubernetes' BurstReplicas for DaemonSets). */
export const DAEMON_BURST_REPLICAS = 250;
/** Status writes are retried this many times after a fresh read. */
const STATUS_UPDATE_RETRIES = 1;
/** How often expired failed-pod back-off entries are dropped. */
const BACKOFF_GC_INTERVAL_MS = 60_000;
/** revisionHistoryLimit when unset (the apiserver defaults it to 10). */
const DEFAULT_REVISION_HISTORY_LIMIT = 10;

export const DAEMONSET_API_VERSION = 'apps/v1';
export const DAEMONSET_KIND = 'DaemonSet';

/** Event reasons of the DaemonSet controller (pod creations and deletions come from PodControl). */
export const SELECTING_ALL_REASON = 'SelectingAll';
export const FAILED_DAEMON_POD_REASON = 'FailedDaemonPod';
export const SUCCEEDED_DAEMON_POD_REASON = 'SucceededDaemonPod';

/** The API calls on DaemonSets themselves: a fresh read and the status subresource. */
export interface DaemonSetClient {
  get(namespace: string, name: string): Promise<appsv1.DaemonSet>;
  updateStatus(ds: appsv1.DaemonSet): Promise<appsv1.DaemonSet>;
}

/** Kubernetes' ControllerRevisionControlInterface, plus the reads and updates history needs. */
export interface RevisionControl {
  create(namespace: string, revision: appsv1.ControllerRevision): Promise<appsv1.ControllerRevision>;
  get(namespace: string, name: string): Promise<appsv1.ControllerRevision>;
  update(revision: appsv1.ControllerRevision): Promise<appsv1.ControllerRevision>;
  patch(namespace: string, name: string, patch: unknown): Promise<void>;
  delete(namespace: string, name: string): Promise<void>;
}

/** Where the controller's own events go (an EventRecorder). */
export interface EventSink {
  event(obj: ApiObject, type: EventType, reason: string, message: string): Promise<void>;
}

export interface DaemonSetControllerDeps {
  daemonSets: Lister<appsv1.DaemonSet>;
  pods: Lister<corev1.Pod>;
  nodes: Lister<corev1.Node>;
  revisions: Lister<appsv1.ControllerRevision>;
  podControl: PodControl;
  dsClient: DaemonSetClient;
  revisionControl: RevisionControl;
  events: EventSink;
  logger: Logger;
  clock: Clock;
  concurrentSyncs?: number;
  burstReplicas?: number;
  queue?: WorkQueue<string>;
  expectations?: DaemonExpectations;
  failedPodsBackoff?: FailedPodsBackoff;
  /** Resolves once the listers' caches are filled; run() waits for it before its workers start. */
  waitForCacheSync?: () => Promise<boolean>;
}

/** What manage decided for one node. */
interface NodeActions {
  create: boolean;
  delete: corev1.Pod[];
}

function sameRef(a: OwnerReference | undefined, b: OwnerReference | undefined): boolean {
  return a?.uid === b?.uid && a?.name === b?.name && a?.kind === b?.kind && a?.apiVersion === b?.apiVersion && !!a?.controller === !!b?.controller;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {});
  const y = b ?? {};
  return x.length === Object.keys(y).length && x.every(([k, v]) => y[k] === v);
}

/** A create refused because the namespace is terminating: all further creates would fail too. */
function isNamespaceTerminating(err: unknown): boolean {
  if (!isForbidden(err)) return false;
  const causes = (err as { details?: { causes?: { type?: string }[] } }).details?.causes ?? [];
  return causes.some((c) => c.type === 'NamespaceTerminating') || /because it is being terminated/.test((err as Error).message);
}

/** A DaemonSet's selector that selects every pod: present but without any requirement. */
function selectsAll(ds: appsv1.DaemonSet): boolean {
  const sel = ds.spec?.selector;
  return !!sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

/**
 * Kubernetes' DaemonSet controller: one pod on every node that should run one. Informer
 * handlers (DaemonSets, pods, nodes, ControllerRevisions) only record expectations and queue
 * DaemonSet keys; `sync(key)` records the template in a ControllerRevision, creates and deletes
 * pods node by node, rolls old pods (RollingUpdate) within maxUnavailable/maxSurge, prunes old
 * revisions, and writes status.
 */
export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  readonly queue: WorkQueue<string>;
  readonly expectations: DaemonExpectations;
  readonly failedPodsBackoff: FailedPodsBackoff;
  private readonly logger: Logger;
  private readonly burstReplicas: number;

  constructor(private readonly deps: DaemonSetControllerDeps) {
    this.logger = deps.logger;
    this.queue = deps.queue ?? new WorkQueue<string>();
    this.expectations = deps.expectations ?? new DaemonExpectations(deps.clock);
    this.failedPodsBackoff = deps.failedPodsBackoff ?? new FailedPodsBackoff(deps.clock);
    this.burstReplicas = deps.burstReplicas ?? DAEMON_BURST_REPLICAS;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.logger.info({ controller: this.name }, 'starting controller');
    // Housekeeping only, so real time is fine here (a fake clock's sleep must not spin a loop).
    const gc = setInterval(() => this.failedPodsBackoff.gc(), BACKOFF_GC_INTERVAL_MS);
    gc.unref();
    try {
      await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 2, signal, this.logger);
    } finally {
      clearInterval(gc);
    }
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  // ---- event handlers: they only record expectations and queue keys ----

  daemonSetHandlers(): EventHandlers<appsv1.DaemonSet> {
    return {
      onAdd: (ds) => this.queue.add(keyOf(ds)),
      onUpdate: (old, cur) => {
        // A delete and re-create under one name that the informer merged into one update.
        if (old.metadata?.uid !== cur.metadata?.uid) this.daemonSetDeleted(old);
        this.queue.add(keyOf(cur));
      },
      onDelete: (ds) => this.daemonSetDeleted(ds),
    };
  }

  podHandlers(): EventHandlers<corev1.Pod> {
    return {
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (old, cur) => this.podUpdated(old, cur),
      onDelete: (pod) => this.podDeleted(pod),
    };
  }

  nodeHandlers(): EventHandlers<corev1.Node> {
    return {
      onAdd: (node) => {
        for (const ds of this.deps.daemonSets.list()) {
          if (nodeShouldRunDaemonPod(node, ds).shouldRun) this.queue.add(keyOf(ds));
        }
      },
      onUpdate: (old, cur) => {
        if (shouldIgnoreNodeUpdate(old, cur)) return;
        for (const ds of this.deps.daemonSets.list()) {
          const before = nodeShouldRunDaemonPod(old, ds);
          const after = nodeShouldRunDaemonPod(cur, ds);
          if (before.shouldRun !== after.shouldRun || before.shouldContinueRunning !== after.shouldContinueRunning) this.queue.add(keyOf(ds));
        }
      },
      // Kubernetes leaves this to the pod GC's deletions; looking at once keeps status current.
      onDelete: (node) => {
        for (const ds of this.deps.daemonSets.list()) {
          const fit = nodeShouldRunDaemonPod(node, ds);
          if (fit.shouldRun || fit.shouldContinueRunning) this.queue.add(keyOf(ds));
        }
      },
    };
  }

  revisionHandlers(): EventHandlers<appsv1.ControllerRevision> {
    return {
      onAdd: (revision) => {
        if (revision.metadata?.deletionTimestamp) {
          this.revisionDeleted(revision);
          return;
        }
        // One of ours is what this controller just created: nothing to do. An orphan may be adopted.
        if (getControllerOf(revision)) return;
        for (const ds of this.daemonSetsSelecting(revision)) this.queue.add(keyOf(ds));
      },
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        const curRef = getControllerOf(cur);
        const oldRef = getControllerOf(old);
        const refChanged = !sameRef(curRef, oldRef);
        if (refChanged && oldRef) {
          const ds = this.resolveControllerRef(old.metadata?.namespace, oldRef);
          if (ds) this.queue.add(keyOf(ds));
        }
        if (curRef) {
          const ds = this.resolveControllerRef(cur.metadata?.namespace, curRef);
          if (ds) this.queue.add(keyOf(ds));
          return;
        }
        if (refChanged || !sameLabels(old.metadata?.labels, cur.metadata?.labels)) {
          for (const ds of this.daemonSetsSelecting(cur)) this.queue.add(keyOf(ds));
        }
      },
      onDelete: (revision) => this.revisionDeleted(revision),
    };
  }

  private daemonSetDeleted(ds: appsv1.DaemonSet): void {
    const key = keyOf(ds);
    // A new DaemonSet of the same name starts without the old one's expectations.
    this.expectations.delete(key);
    this.queue.add(key);
  }

  private revisionDeleted(revision: appsv1.ControllerRevision): void {
    const ref = getControllerOf(revision);
    if (!ref) return;
    const ds = this.resolveControllerRef(revision.metadata?.namespace, ref);
    if (ds) this.queue.add(keyOf(ds));
  }

  /** The DaemonSet a controllerRef points to, if it is still the same object. */
  private resolveControllerRef(namespace: string | undefined, ref: OwnerReference): appsv1.DaemonSet | undefined {
    if (ref.kind !== DAEMONSET_KIND || !ref.name) return undefined;
    const ds = this.deps.daemonSets.get(namespace, ref.name);
    return ds && ds.metadata?.uid === ref.uid ? ds : undefined;
  }

  /** DaemonSets of the object's namespace whose selector matches its labels; an empty or invalid selector matches none. */
  private daemonSetsSelecting(obj: ApiObject): appsv1.DaemonSet[] {
    const matching = this.deps.daemonSets.list(obj.metadata?.namespace ?? '').filter((ds) => {
      let selector: Selector;
      try {
        selector = selectorFromLabelSelector(ds.spec?.selector);
      } catch {
        return false;
      }
      return !selector.isEmpty() && selector.matches(obj.metadata?.labels);
    });
    if (matching.length > 1) {
      this.logger.warn({ object: keyOf(obj), labels: obj.metadata?.labels }, 'user error: more than one DaemonSet selects this object');
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
      const ds = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (!ds) return;
      const key = keyOf(ds);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    // An orphan: whoever selects it may adopt it. No expectation waits for an orphan.
    for (const ds of this.daemonSetsSelecting(pod)) this.queue.add(keyOf(ds));
  }

  private podUpdated(old: corev1.Pod, cur: corev1.Pod): void {
    // Periodic resyncs deliver unchanged objects.
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    if (cur.metadata?.deletionTimestamp) {
      // A graceful delete begins: it counts as the deletion the controller waits for.
      this.podDeleted(cur);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = !sameRef(curRef, oldRef);
    if (refChanged && oldRef) {
      const oldDs = this.resolveControllerRef(old.metadata?.namespace, oldRef);
      if (oldDs) this.queue.add(keyOf(oldDs));
    }
    if (curRef) {
      const ds = this.resolveControllerRef(cur.metadata?.namespace, curRef);
      if (!ds) return;
      const key = keyOf(ds);
      this.queue.add(key);
      // Availability is a matter of time once a pod is ready: look again when it should be.
      const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReadySeconds > 0) this.queue.addAfter(key, (minReadySeconds + 1) * 1000);
      return;
    }
    if (refChanged || !sameLabels(old.metadata?.labels, cur.metadata?.labels)) {
      for (const ds of this.daemonSetsSelecting(cur)) this.queue.add(keyOf(ds));
    }
  }

  private podDeleted(pod: corev1.Pod): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const ds = this.resolveControllerRef(pod.metadata?.namespace, ref);
    if (!ds) return;
    const key = keyOf(ds);
    this.expectations.deletionObserved(key, pod.metadata?.uid ?? '');
    this.queue.add(key);
  }

  // ---- the level-triggered sync ----

  /**
   * Brings one DaemonSet's pods to its nodes and writes its status. Safe to run any number of
   * times; throws to have the key retried with back-off.
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deps.daemonSets.get(namespace, name);
    if (!cached) {
      this.logger.debug({ key }, 'daemon set deleted');
      this.expectations.delete(key);
      return;
    }
    // Cached objects are shared; everything below reads it and writes copies.
    const ds: appsv1.DaemonSet = { ...cached, apiVersion: DAEMONSET_API_VERSION, kind: DAEMONSET_KIND };
    const nodes = this.deps.nodes.list();

    if (selectsAll(ds)) {
      await this.deps.events.event(ds, 'Warning', SELECTING_ALL_REASON, 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(ds.spec?.selector);
    } catch (err) {
      // Retrying cannot fix an invalid selector; an update of the object queues it again.
      if (err instanceof LabelSelectorError) {
        this.logger.warn({ key, err: err.message }, 'invalid pod selector');
        return;
      }
      throw err;
    }
    // Its pods and revisions may be going or orphaned by the garbage collector: status cannot
    // be trusted any more, so nothing is done at all.
    if (ds.metadata?.deletionTimestamp) return;

    const pods = await this.claimPods(ds, selector);
    const { cur, old } = await this.constructHistory(ds, selector, pods);
    const hash = revisionHash(cur) ?? '';

    if (!this.expectations.satisfied(key)) {
      // Only status; observedGeneration stays, as this generation was not acted on.
      await this.updateStatus(ds, key, nodes, pods, hash, false);
      return;
    }

    let err: unknown;
    try {
      await this.updateDaemonSet(ds, key, nodes, pods, hash, old);
    } catch (e) {
      err = e;
    }
    try {
      await this.updateStatus(ds, key, nodes, pods, hash, true);
    } catch (statusErr) {
      if (err === undefined) throw statusErr;
      this.logger.warn({ key, err: toError(statusErr).message }, 'failed to update status');
    }
    if (err !== undefined) throw err;
  }

  /** The daemon set's pods, after adopting matching orphans and releasing those it no longer selects. */
  private claimPods(ds: appsv1.DaemonSet, selector: Selector): Promise<corev1.Pod[]> {
    const namespace = ds.metadata?.namespace ?? '';
    return claimObjects(this.deps.pods.list(namespace), {
      owner: ds,
      ref: this.ref(ds),
      selector,
      kind: 'Pod',
      patch: (pod, patch) => this.deps.podControl.patchPod(namespace, pod.metadata?.name ?? '', patch),
      canAdopt: () => this.recheckNotDeleted(ds),
    });
  }

  private ref(ds: appsv1.DaemonSet): OwnerReference {
    return controllerRef(ds, DAEMONSET_API_VERSION, DAEMONSET_KIND);
  }

  /** RecheckDeletionTimestamp: a fresh read must find the same DaemonSet, not being deleted. */
  private async recheckNotDeleted(ds: appsv1.DaemonSet): Promise<void> {
    const meta = ds.metadata ?? {};
    const fresh = await this.deps.dsClient.get(meta.namespace ?? '', meta.name ?? '');
    if (fresh.metadata?.uid !== meta.uid) {
      throw new Error(`original DaemonSet ${meta.namespace}/${meta.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${meta.uid}`);
    }
    if (fresh.metadata?.deletionTimestamp) {
      throw new Error(`DaemonSet ${meta.namespace}/${meta.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  }

  private async updateDaemonSet(ds: appsv1.DaemonSet, key: string, nodes: corev1.Node[], pods: corev1.Pod[], hash: string, old: appsv1.ControllerRevision[]): Promise<void> {
    await this.manage(ds, key, nodes, pods, hash);
    // Roll only once the cache has caught up with what manage did.
    if (this.expectations.satisfied(key) && isRollingUpdate(ds)) {
      await this.rollingUpdate(ds, key, nodes, pods, hash);
    }
    try {
      await this.cleanupHistory(ds, old, pods);
    } catch (err) {
      throw new Error(`failed to clean up revisions of DaemonSet: ${toError(err).message}`);
    }
  }

  // ---- manage: one pod per node that should run one ----

  /**
   * For every node: create the missing daemon pod, delete pods on nodes that must not run one,
   * failed or finished pods, and extra pods; then delete unscheduled pods aimed at nodes that
   * no longer exist.
   */
  private async manage(ds: appsv1.DaemonSet, key: string, nodes: corev1.Node[], pods: corev1.Pod[], hash: string): Promise<void> {
    const byNode = groupByNode(pods, false);
    const nodesNeedingPods: string[] = [];
    const podsToDelete: corev1.Pod[] = [];
    for (const node of nodes) {
      const actions = await this.podsShouldBeOnNode(ds, key, node, byNode, hash);
      if (actions.create) nodesNeedingPods.push(node.metadata?.name ?? '');
      podsToDelete.push(...actions.delete);
    }
    // Such pods are never scheduled, and the pod GC only removes pods bound to missing nodes.
    const existing = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    for (const [nodeName, nodePods] of byNode) {
      if (existing.has(nodeName)) continue;
      for (const pod of nodePods) if (!pod.spec?.nodeName && !pod.metadata?.deletionTimestamp) podsToDelete.push(pod);
    }
    await this.syncNodes(ds, key, podsToDelete, nodesNeedingPods, hash);
  }

  private async podsShouldBeOnNode(ds: appsv1.DaemonSet, key: string, node: corev1.Node, byNode: Map<string, corev1.Pod[]>, hash: string): Promise<NodeActions> {
    const nodeName = node.metadata?.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const pods = byNode.get(nodeName);
    const actions: NodeActions = { create: false, delete: [] };
    if (shouldRun && !pods) {
      actions.create = true;
      return actions;
    }
    if (!shouldContinueRunning) {
      // It must not run here: every pod on the node goes.
      for (const pod of pods ?? []) if (!pod.metadata?.deletionTimestamp) actions.delete.push(pod);
      return actions;
    }
    const running: corev1.Pod[] = [];
    for (const pod of pods ?? []) {
      if (pod.metadata?.deletionTimestamp) continue;
      const where = `${pod.metadata?.namespace}/${pod.metadata?.name} on node ${nodeName}`;
      const phase = pod.status?.phase;
      if (phase === 'Failed') {
        // The kubelet may keep rejecting it: back off rather than fight in a hot loop.
        const backoffKey = `${ds.metadata?.uid}/${ds.status?.observedGeneration ?? 0}/${nodeName}`;
        if (this.failedPodsBackoff.inBackoff(backoffKey)) {
          const delay = this.failedPodsBackoff.delayMs(backoffKey);
          this.logger.debug({ key, pod: pod.metadata?.name, node: nodeName, delayMs: delay }, 'deleting failed pod limited by back-off');
          this.queue.addAfter(key, delay);
          continue;
        }
        this.failedPodsBackoff.next(backoffKey);
        await this.deps.events.event(ds, 'Warning', FAILED_DAEMON_POD_REASON, `Found failed daemon pod ${where}, will try to kill it`);
        actions.delete.push(pod);
      } else if (phase === 'Succeeded') {
        await this.deps.events.event(ds, 'Normal', SUCCEEDED_DAEMON_POD_REASON, `Found succeeded daemon pod ${where}, will try to delete it`);
        actions.delete.push(pod);
      } else {
        running.push(pod);
      }
    }
    if (!allowsSurge(ds)) {
      // One pod per node: the oldest stays.
      if (running.length > 1) actions.delete.push(...oldestFirst(running).slice(1));
      return actions;
    }
    if (running.length <= 1) {
      // Surging keeps at least one pod that is not being deleted on the node.
      if (running.length === 0 && shouldRun) actions.create = true;
      return actions;
    }
    // With surge, an old and a new pod may share the node while the new one becomes available:
    // the oldest of each kind is kept, every other pod goes; an old pod that is not ready, or
    // whose replacement is available, goes too.
    const generation = templateGeneration(ds);
    let oldestNew: corev1.Pod | undefined;
    let oldestOld: corev1.Pod | undefined;
    for (const pod of oldestFirst(running)) {
      if (isPodUpdated(pod, hash, generation)) {
        if (!oldestNew) {
          oldestNew = pod;
          continue;
        }
      } else if (!oldestOld) {
        oldestOld = pod;
        continue;
      }
      actions.delete.push(pod);
    }
    if (oldestNew && oldestOld) {
      if (!isPodReady(oldestOld)) actions.delete.push(oldestOld);
      else if (isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, this.deps.clock.now())) actions.delete.push(oldestOld);
    }
    return actions;
  }

  /**
   * Creates pods on `nodesNeedingPods` (in slow-start batches, each pinned to its node by node
   * affinity) and deletes `podsToDelete`, at most burstReplicas of each, after recording what
   * the informer should see.
   */
  private async syncNodes(ds: appsv1.DaemonSet, key: string, podsToDelete: corev1.Pod[], nodesNeedingPods: string[], hash: string): Promise<void> {
    const namespace = ds.metadata?.namespace ?? '';
    const createCount = Math.min(nodesNeedingPods.length, this.burstReplicas);
    const victims = podsToDelete.slice(0, this.burstReplicas);
    this.expectations.set(
      key,
      createCount,
      victims.map((p) => p.metadata?.uid ?? ''),
    );
    const errors: Error[] = [];

    if (createCount > 0) {
      this.logger.debug({ key, nodes: nodesNeedingPods.slice(0, createCount) }, 'creating daemon pods');
      const template = createPodTemplate(ds.spec?.template, templateGeneration(ds), hash);
      const ref = this.ref(ds);
      let next = 0;
      const { error } = await slowStartBatch(createCount, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        const nodeName = nodesNeedingPods[next++];
        const podTemplate: corev1.PodTemplateSpec = {
          ...template,
          spec: { ...template.spec, affinity: nodeNameAffinity(template.spec?.affinity, nodeName) },
        };
        try {
          await this.deps.podControl.createPod(namespace, podTemplate, ds, ref);
        } catch (err) {
          // This creation will never be observed.
          this.expectations.creationFailed(key);
          // A terminating namespace refuses every pod; nothing to retry.
          if (isNamespaceTerminating(err)) return;
          throw err;
        }
      });
      // Creations never attempted after a failed batch will not be observed either.
      for (let skipped = createCount - next; skipped > 0; skipped--) this.expectations.creationFailed(key);
      if (error) errors.push(error);
    }

    if (victims.length > 0) {
      this.logger.debug({ key, pods: victims.map((p) => p.metadata?.name) }, 'deleting daemon pods');
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await this.deps.podControl.deletePod(namespace, pod.metadata?.name ?? '', ds);
          } catch (err) {
            // This deletion will never be observed.
            this.expectations.deletionObserved(key, pod.metadata?.uid ?? '');
            if (!isNotFound(err)) errors.push(toError(err));
          }
        }),
      );
    }
    if (errors.length > 0) throw errors.length === 1 ? errors[0] : new MultiError(errors);
  }

  // ---- RollingUpdate ----

  private async rollingUpdate(ds: appsv1.DaemonSet, key: string, nodes: corev1.Node[], pods: corev1.Pod[], hash: string): Promise<void> {
    const byNode = groupByNode(pods, false);
    const fits = new Map<string, NodeFit>();
    let desired = 0;
    for (const node of nodes) {
      const nodeName = node.metadata?.name ?? '';
      const fit = nodeShouldRunDaemonPod(node, ds);
      fits.set(nodeName, fit);
      if (!fit.shouldRun) continue;
      desired++;
      if (!byNode.has(nodeName)) byNode.set(nodeName, []);
    }
    let limits: UpdateLimits;
    try {
      limits = updateLimits(ds, desired);
    } catch (err) {
      throw new Error(`couldn't get unavailable numbers: ${toError(err).message}`);
    }
    const plan = planRollingUpdate({
      nodeToPods: byNode,
      shouldRun: (nodeName) => fits.get(nodeName)?.shouldRun ?? false,
      desired,
      limits,
      hash,
      generation: templateGeneration(ds),
      minReadySeconds: ds.spec?.minReadySeconds ?? 0,
      nowMs: this.deps.clock.now(),
    });
    if (plan.podsToDelete.length === 0 && plan.nodesToCreate.length === 0) return;
    this.logger.debug({ key, delete: plan.podsToDelete.map((p) => p.metadata?.name), create: plan.nodesToCreate, ...limits }, 'rolling update step');
    await this.syncNodes(ds, key, plan.podsToDelete, plan.nodesToCreate, hash);
  }

  // ---- history: ControllerRevisions ----

  /**
   * The revision recording the current template (created if missing, deduplicated, numbered
   * above every old one) and the old revisions. Revisions without the hash label get their name
   * as hash.
   */
  private async constructHistory(
    ds: appsv1.DaemonSet,
    selector: Selector,
    pods: corev1.Pod[],
  ): Promise<{ cur: appsv1.ControllerRevision; old: appsv1.ControllerRevision[] }> {
    const namespace = ds.metadata?.namespace ?? '';
    const revisions = await claimObjects(this.deps.revisions.list(namespace), {
      owner: ds,
      ref: this.ref(ds),
      selector,
      kind: 'ControllerRevision',
      patch: (revision, patch) => this.deps.revisionControl.patch(namespace, revision.metadata?.name ?? '', patch),
      canAdopt: () => this.recheckNotDeleted(ds),
    });
    const current: appsv1.ControllerRevision[] = [];
    const old: appsv1.ControllerRevision[] = [];
    for (let revision of revisions) {
      if (revisionHash(revision) === undefined) {
        const meta = revision.metadata ?? {};
        revision = await this.deps.revisionControl.update({
          ...revision,
          metadata: { ...meta, labels: { ...(meta.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: meta.name ?? '' } },
        });
      }
      (revisionMatches(ds, revision) ? current : old).push(revision);
    }
    const next = maxRevision(old) + 1;
    if (current.length === 0) return { cur: await this.snapshot(ds, next), old };
    let cur = await this.dedupCurrent(ds, current, pods);
    if ((cur.revision ?? 0) < next) cur = await this.deps.revisionControl.update({ ...cur, metadata: { ...cur.metadata }, revision: next });
    return { cur, old };
  }

  /** Keeps one of several revisions of the current template, relabelling pods to its hash first. */
  private async dedupCurrent(ds: appsv1.DaemonSet, current: appsv1.ControllerRevision[], pods: corev1.Pod[]): Promise<appsv1.ControllerRevision> {
    if (current.length === 1) return current[0];
    const keep = revisionToKeep(current);
    const keepHash = revisionHash(keep) ?? '';
    const namespace = ds.metadata?.namespace ?? '';
    for (const pod of pods) {
      if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === keepHash) continue;
      await this.deps.podControl.patchPod(namespace, pod.metadata?.name ?? '', { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: keepHash } } });
    }
    for (const revision of current) {
      if (revision.metadata?.name === keep.metadata?.name) continue;
      await this.deps.revisionControl.delete(namespace, revision.metadata?.name ?? '');
    }
    return keep;
  }

  /**
   * Records the current template as revision `revision`, named `<ds>-<hash>`. A different
   * revision already holding that name is a hash collision: status.collisionCount goes up and
   * the sync is retried with the next hash.
   */
  private async snapshot(ds: appsv1.DaemonSet, revision: number): Promise<appsv1.ControllerRevision> {
    const meta = ds.metadata ?? {};
    const namespace = meta.namespace ?? '';
    const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
    const name = `${meta.name}-${hash}`;
    const history: appsv1.ControllerRevision = {
      metadata: {
        name,
        namespace,
        labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
        annotations: { ...(meta.annotations ?? {}) },
        ownerReferences: [this.ref(ds)],
      },
      data: { raw: revisionPatch(ds) },
      revision,
    };
    try {
      return await this.deps.revisionControl.create(namespace, history);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.deps.revisionControl.get(namespace, name);
      if (revisionMatches(ds, existing)) return existing;
      const fresh = await this.deps.dsClient.get(namespace, meta.name ?? '');
      const count = fresh.status?.collisionCount;
      if (count !== ds.status?.collisionCount) {
        throw new Error(`found a stale collision count (${ds.status?.collisionCount}, expected ${count}) of DaemonSet "${meta.name}" while processing; will retry until it is updated`);
      }
      await this.deps.dsClient.updateStatus({ ...fresh, status: { ...(fresh.status ?? {}), collisionCount: (count ?? 0) + 1 } });
      this.logger.info({ daemonset: `${namespace}/${meta.name}`, collisionCount: (count ?? 0) + 1 }, 'hash collision; collisionCount bumped');
      throw err;
    }
  }

  /** Deletes the oldest old revisions beyond revisionHistoryLimit that no pod still runs. */
  private async cleanupHistory(ds: appsv1.DaemonSet, old: appsv1.ControllerRevision[], pods: corev1.Pod[]): Promise<void> {
    const limit = ds.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
    if (old.length <= limit) return;
    const live = new Set<string>();
    for (const podsOnNode of groupByNode(pods, true).values()) {
      for (const pod of podsOnNode) {
        const hash = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
        if (hash) live.add(hash);
      }
    }
    const namespace = ds.metadata?.namespace ?? '';
    for (const revision of revisionsToDelete(old, limit, live)) {
      await this.deps.revisionControl.delete(namespace, revision.metadata?.name ?? '');
    }
  }

  // ---- status ----

  /** Writes the counts unless nothing changed; after a failure, reads the DaemonSet once and retries. */
  private async updateStatus(ds: appsv1.DaemonSet, key: string, nodes: corev1.Node[], pods: corev1.Pod[], hash: string, observe: boolean): Promise<void> {
    const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
    const counts = calculateCounts({
      nodes,
      fit: (node) => nodeShouldRunDaemonPod(node, ds),
      nodeToPods: groupByNode(pods, false),
      hash,
      generation: templateGeneration(ds),
      minReadySeconds,
      nowMs: this.deps.clock.now(),
    });
    const generation = ds.metadata?.generation;
    if (!statusUpToDate(ds.status, counts, generation)) {
      const meta = ds.metadata ?? {};
      let current = ds;
      for (let attempt = 0; ; attempt++) {
        try {
          await this.deps.dsClient.updateStatus({ ...current, status: withCounts(current.status, counts, observe ? generation : undefined) });
          break;
        } catch (err) {
          if (attempt >= STATUS_UPDATE_RETRIES) throw new Error(`error storing status for daemon set ${key}: ${toError(err).message}`);
          current = await this.deps.dsClient.get(meta.namespace ?? '', meta.name ?? '');
        }
      }
    }
    // Availability comes with time: look again once it may have.
    if (minReadySeconds > 0 && counts.numberReady !== counts.numberAvailable) this.queue.addAfter(key, minReadySeconds * 1000);
  }
}

/** Builds the controller on the shared informers, a real PodControl and the API. */
export function newDaemonSetController(context: ControllerContext): DaemonSetController {
  const daemonSets = context.informers.informerFor(DaemonSets);
  const pods = context.informers.informerFor(Pods);
  const nodes = context.informers.informerFor(Nodes);
  const revisions = context.informers.informerFor(ControllerRevisions);
  const recorder = context.recorder('daemonset-controller');
  const dsResource = context.client.resource(DaemonSets);
  const revisionResource = context.client.resource(ControllerRevisions);
  const controller = new DaemonSetController({
    daemonSets,
    pods,
    nodes,
    revisions,
    podControl: new RealPodControl(context.client, recorder),
    dsClient: {
      get: (namespace, name) => dsResource.namespace(namespace).get(name),
      updateStatus: (ds) => dsResource.namespace(ds.metadata?.namespace).updateStatus(ds),
    },
    revisionControl: {
      create: (namespace, revision) => revisionResource.namespace(namespace).create(revision),
      get: (namespace, name) => revisionResource.namespace(namespace).get(name),
      update: (revision) => revisionResource.namespace(revision.metadata?.namespace).update(revision),
      patch: async (namespace, name, patch) => {
        await revisionResource.namespace(namespace).patch(name, MERGE_PATCH, patch);
      },
      delete: async (namespace, name) => {
        await revisionResource.namespace(namespace).delete(name);
      },
    },
    events: recorder,
    logger: context.logger.child({ controller: 'daemonset' }),
    clock: context.clock,
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: async () =>
      (await Promise.all([daemonSets.waitForCacheSync(), pods.waitForCacheSync(), nodes.waitForCacheSync(), revisions.waitForCacheSync()])).every(Boolean),
  });
  daemonSets.addEventHandler(controller.daemonSetHandlers());
  pods.addEventHandler(controller.podHandlers());
  nodes.addEventHandler(controller.nodeHandlers());
  revisions.addEventHandler(controller.revisionHandlers());
  return controller;
}

/** `daemonset`: one pod of each DaemonSet on every node that should run it. */
export const daemonSetControllerFactory: ControllerFactory = (context) => newDaemonSetController(context);
