import {
  isAlreadyExists,
  isNotFound,
  selectorFromLabelSelector,
  type ApiObject,
  type appsv1,
  type corev1,
  type OwnerReference,
  type Selector,
} from '@minik8s/api';
import {
  ControllerRevisions,
  keyOf,
  MERGE_PATCH,
  PersistentVolumeClaims,
  Pods,
  splitKey,
  StatefulSets,
  WorkQueue,
  type Clock,
  type EventHandlers,
  type EventType,
  type Lister,
} from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { getControllerOf } from '../../shared/controller-ref';
import { runQueue } from '../../shared/queue-worker';
import { applyRevision, maxRevision, newRevision, revisionMatches, revisionsToPrune, sortRevisions } from './history';
import { computeStatus, countPods, planStatefulSet, statusEqual, type Action } from './plan';
import {
  claimOwnersFor,
  getOrdinal,
  isMemberOf,
  isRunningAndAvailable,
  isRunningAndReady,
  persistentVolumeClaims,
  podRevision,
  POD_INDEX_LABEL,
  setRef,
  STATEFULSET_KIND,
  STATEFULSET_POD_NAME_LABEL,
} from './stateful-pod';

const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** Every API write the controller makes, behind one seam so tests can fake it. */
export interface StatefulSetApi {
  getSet(namespace: string, name: string): Promise<appsv1.StatefulSet>;
  updateSetStatus(set: appsv1.StatefulSet): Promise<appsv1.StatefulSet>;
  createPod(pod: corev1.Pod): Promise<corev1.Pod>;
  deletePod(namespace: string, name: string): Promise<void>;
  patchPod(namespace: string, name: string, patch: unknown): Promise<void>;
  createClaim(claim: corev1.PersistentVolumeClaim): Promise<corev1.PersistentVolumeClaim>;
  patchClaim(namespace: string, name: string, patch: unknown): Promise<void>;
  createRevision(revision: appsv1.ControllerRevision): Promise<appsv1.ControllerRevision>;
  getRevision(namespace: string, name: string): Promise<appsv1.ControllerRevision>;
  updateRevision(revision: appsv1.ControllerRevision): Promise<appsv1.ControllerRevision>;
  deleteRevision(namespace: string, name: string): Promise<void>;
}

export interface EventSink {
  event(obj: ApiObject, type: EventType, reason: string, message: string): Promise<void>;
}

export interface StatefulSetControllerDeps {
  sets: Lister<appsv1.StatefulSet>;
  pods: Lister<corev1.Pod>;
  claims: Lister<corev1.PersistentVolumeClaim>;
  revisions: Lister<appsv1.ControllerRevision>;
  api: StatefulSetApi;
  events: EventSink;
  logger: Logger;
  clock: Clock;
  concurrentSyncs?: number;
  queue?: WorkQueue<string>;
  waitForCacheSync?: () => Promise<boolean>;
}

/** Objects as the API returns them may lack kind; events need it. */
function asSet(set: appsv1.StatefulSet): appsv1.StatefulSet {
  return set.kind ? set : { ...set, apiVersion: 'apps/v1', kind: STATEFULSET_KIND };
}

function ownerRefsPatch(obj: ApiObject, refs: OwnerReference[]): unknown {
  return { metadata: { uid: obj.metadata?.uid, resourceVersion: obj.metadata?.resourceVersion, ownerReferences: refs.length > 0 ? refs : null } };
}

/**
 * Kubernetes' StatefulSet controller: pods with stable ordinal names and identities, one claim
 * per volumeClaimTemplate and ordinal, created in order (OrderedReady) or all at once (Parallel),
 * rolled highest ordinal first down to the partition, with the template history in
 * ControllerRevisions. Handlers only queue set keys; `sync(key)` does the work.
 */
export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  readonly queue: WorkQueue<string>;
  private readonly logger: Logger;

  constructor(private readonly deps: StatefulSetControllerDeps) {
    this.queue = deps.queue ?? new WorkQueue<string>();
    this.logger = deps.logger;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.logger.info({ controller: this.name }, 'starting controller');
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 2, signal, this.logger);
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  // ---- handlers: they only queue keys ----

  setHandlers(): EventHandlers<appsv1.StatefulSet> {
    return {
      onAdd: (set) => this.queue.add(keyOf(set)),
      onUpdate: (_old, cur) => this.queue.add(keyOf(cur)),
      onDelete: (set) => this.queue.add(keyOf(set)),
    };
  }

  podHandlers(): EventHandlers<corev1.Pod> {
    return {
      onAdd: (pod) => this.enqueueForPod(pod),
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        const oldRef = getControllerOf(old);
        if (oldRef && oldRef.uid !== getControllerOf(cur)?.uid) this.enqueueForPod(old);
        this.enqueueForPod(cur);
        // Availability comes with time after readiness.
        const set = this.setOf(cur);
        const minReadySeconds = set?.spec?.minReadySeconds ?? 0;
        if (set && minReadySeconds > 0 && !isRunningAndReady(old) && isRunningAndReady(cur)) this.queue.addAfter(keyOf(set), (minReadySeconds + 1) * 1000);
      },
      onDelete: (pod) => this.enqueueForPod(pod),
    };
  }

  claimHandlers(): EventHandlers<corev1.PersistentVolumeClaim> {
    const enqueue = (claim: corev1.PersistentVolumeClaim): void => {
      const name = claim.metadata?.name ?? '';
      for (const set of this.deps.sets.list(claim.metadata?.namespace ?? '')) {
        const templates = set.spec?.volumeClaimTemplates ?? [];
        if (templates.some((t) => name.startsWith(`${t.metadata?.name ?? ''}-${set.metadata?.name ?? ''}-`))) this.queue.add(keyOf(set));
      }
    };
    return { onUpdate: (_old, cur) => enqueue(cur), onDelete: enqueue };
  }

  revisionHandlers(): EventHandlers<appsv1.ControllerRevision> {
    return {
      onDelete: (revision) => {
        const ref = getControllerOf(revision);
        if (ref?.kind === STATEFULSET_KIND && ref.name) this.queue.add(`${revision.metadata?.namespace}/${ref.name}`);
      },
    };
  }

  private setOf(pod: corev1.Pod): appsv1.StatefulSet | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== STATEFULSET_KIND || !ref.name) return undefined;
    const set = this.deps.sets.get(pod.metadata?.namespace, ref.name);
    return set && set.metadata?.uid === ref.uid ? set : undefined;
  }

  private enqueueForPod(pod: corev1.Pod): void {
    const owner = this.setOf(pod);
    if (owner) {
      this.queue.add(keyOf(owner));
      return;
    }
    if (getControllerOf(pod)) return;
    // An orphan: a set that selects it may adopt it.
    for (const set of this.deps.sets.list(pod.metadata?.namespace ?? '')) {
      const selector = this.selectorOf(set);
      if (selector && !selector.isEmpty() && selector.matches(pod.metadata?.labels) && isMemberOf(set, pod)) this.queue.add(keyOf(set));
    }
  }

  private selectorOf(set: appsv1.StatefulSet): Selector | undefined {
    try {
      return selectorFromLabelSelector(set.spec?.selector);
    } catch {
      return undefined;
    }
  }

  // ---- sync ----

  /** Brings one StatefulSet one step closer to its spec and writes its status. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deps.sets.get(namespace, name);
    if (!cached || cached.metadata?.deletionTimestamp) return;
    const set = asSet(cached);
    const selector = this.selectorOf(set);
    if (!selector || selector.isEmpty()) {
      await this.deps.events.event(set, 'Warning', 'SelectorInvalid', 'the StatefulSet has an invalid or empty selector');
      return;
    }
    const pods = await this.claimPods(set, selector);
    const revisions = this.deps.revisions
      .list(namespace ?? '')
      .filter((r) => getControllerOf(r)?.uid === set.metadata?.uid);
    const { current, update, collisionCount } = await this.revisions(set, revisions);
    const currentSet = applyRevision(set, current);
    const claims = new Map(this.deps.claims.list(namespace ?? '').map((c) => [c.metadata?.name ?? '', c]));
    const nowMs = this.deps.clock.now();
    const plan = planStatefulSet({
      set,
      currentSet,
      currentRevision: current.metadata?.name ?? '',
      updateRevision: update.metadata?.name ?? '',
      pods,
      claims,
      nowMs,
    });
    let failure: unknown;
    try {
      for (const action of plan.actions) await this.execute(set, action, claims);
    } catch (err) {
      failure = err;
    }
    await this.writeStatus(set, pods, current.metadata?.name ?? '', update.metadata?.name ?? '', collisionCount, nowMs);
    if (failure) throw failure;
    await this.truncateHistory(set, pods, revisions, current, update);
  }

  /** Pods of the set: controlled ones that still match, plus adopted orphans; non-matching ones released. */
  private async claimPods(set: appsv1.StatefulSet, selector: Selector): Promise<corev1.Pod[]> {
    const namespace = set.metadata?.namespace ?? '';
    const uid = set.metadata?.uid;
    const claimed: corev1.Pod[] = [];
    for (const pod of this.deps.pods.list(namespace)) {
      const ref = getControllerOf(pod);
      const matches = selector.matches(pod.metadata?.labels) && isMemberOf(set, pod);
      if (ref) {
        if (ref.uid !== uid) continue;
        if (matches) {
          claimed.push(pod);
          continue;
        }
        const refs = (pod.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid);
        await this.ignoreNotFound(this.deps.api.patchPod(namespace, pod.metadata?.name ?? '', ownerRefsPatch(pod, refs)));
        continue;
      }
      if (!matches || pod.metadata?.deletionTimestamp) continue;
      const refs = [...(pod.metadata?.ownerReferences ?? []), setRef(set)];
      await this.deps.api.patchPod(namespace, pod.metadata?.name ?? '', ownerRefsPatch(pod, refs));
      claimed.push(pod);
    }
    return claimed;
  }

  /**
   * getStatefulSetRevisions: the update revision records the spec's template (reused when an
   * equal one exists, renumbered to be the newest, or created, bumping collisionCount on a hash
   * collision); the current revision is the one status names, else the update revision.
   */
  private async revisions(
    set: appsv1.StatefulSet,
    revisions: appsv1.ControllerRevision[],
  ): Promise<{ current: appsv1.ControllerRevision; update: appsv1.ControllerRevision; collisionCount: number }> {
    const sorted = sortRevisions(revisions);
    let collisionCount = set.status?.collisionCount ?? 0;
    const next = maxRevision(sorted) + 1;
    const equal = sorted.filter((r) => revisionMatches(set, r));
    let update: appsv1.ControllerRevision;
    if (equal.length > 0) {
      const last = equal[equal.length - 1];
      update = last === sorted[sorted.length - 1] ? last : await this.deps.api.updateRevision({ ...last, revision: next });
    } else {
      for (;;) {
        const candidate = newRevision(set, next, collisionCount);
        try {
          update = await this.deps.api.createRevision(candidate);
          break;
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          const existing = await this.deps.api.getRevision(candidate.metadata?.namespace ?? '', candidate.metadata?.name ?? '');
          if (revisionMatches(set, existing) && getControllerOf(existing)?.uid === set.metadata?.uid) {
            update = existing;
            break;
          }
          collisionCount++;
        }
      }
    }
    const current = sorted.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  private async ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async execute(set: appsv1.StatefulSet, action: Action, claims: Map<string, corev1.PersistentVolumeClaim>): Promise<void> {
    const setName = set.metadata?.name ?? '';
    const namespace = set.metadata?.namespace ?? '';
    const podName = action.pod.metadata?.name ?? '';
    switch (action.type) {
      case 'create': {
        await this.createMissingClaims(set, action.pod, claims);
        try {
          await this.deps.api.createPod(action.pod);
        } catch (err) {
          await this.deps.events.event(set, 'Warning', 'FailedCreate', `create Pod ${podName} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
          throw err;
        }
        await this.deps.events.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${setName} successful`);
        return;
      }
      case 'delete': {
        try {
          await this.ignoreNotFound(this.deps.api.deletePod(namespace, podName));
        } catch (err) {
          await this.deps.events.event(set, 'Warning', 'FailedDelete', `delete Pod ${podName} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
          throw err;
        }
        this.logger.debug({ statefulset: keyOf(set), pod: podName, reason: action.reason }, 'deleted pod');
        await this.deps.events.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${podName} in StatefulSet ${setName} successful`);
        return;
      }
      case 'repair': {
        await this.createMissingClaims(set, action.pod, claims);
        const ordinal = getOrdinal(action.pod);
        await this.ignoreNotFound(
          this.deps.api.patchPod(namespace, podName, { metadata: { labels: { [STATEFULSET_POD_NAME_LABEL]: podName, [POD_INDEX_LABEL]: String(ordinal) } } }),
        );
        await this.fixClaimOwners(set, action.pod, claims);
        return;
      }
      case 'createClaims':
        await this.createMissingClaims(set, action.pod, claims);
        return;
      case 'claimOwners':
        await this.fixClaimOwners(set, action.pod, claims);
        return;
    }
  }

  /** Creates the pod's claims that do not exist yet, owned as the retention policy says. */
  private async createMissingClaims(set: appsv1.StatefulSet, pod: corev1.Pod, claims: Map<string, corev1.PersistentVolumeClaim>): Promise<void> {
    for (const claim of persistentVolumeClaims(set, getOrdinal(pod)).values()) {
      const name = claim.metadata?.name ?? '';
      if (claims.has(name)) continue;
      const refs = claimOwnersFor(set, pod, claim);
      if (refs && refs.length > 0) claim.metadata = { ...claim.metadata, ownerReferences: refs };
      try {
        const created = await this.deps.api.createClaim(claim);
        claims.set(name, created);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        await this.deps.events.event(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${(err as Error).message}`);
        throw err;
      }
      await this.deps.events.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} success`);
    }
  }

  private async fixClaimOwners(set: appsv1.StatefulSet, pod: corev1.Pod, claims: Map<string, corev1.PersistentVolumeClaim>): Promise<void> {
    for (const want of persistentVolumeClaims(set, getOrdinal(pod)).values()) {
      const claim = claims.get(want.metadata?.name ?? '');
      if (!claim) continue;
      const refs = claimOwnersFor(set, pod, claim);
      if (!refs) continue;
      await this.ignoreNotFound(this.deps.api.patchClaim(claim.metadata?.namespace ?? '', claim.metadata?.name ?? '', ownerRefsPatch(claim, refs)));
    }
  }

  private async writeStatus(
    set: appsv1.StatefulSet,
    pods: corev1.Pod[],
    currentRevision: string,
    updateRevision: string,
    collisionCount: number,
    nowMs: number,
  ): Promise<void> {
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    const counts = countPods(pods, currentRevision, updateRevision, minReadySeconds, nowMs);
    const status = computeStatus(set, counts, currentRevision, updateRevision, collisionCount);
    if (!statusEqual(set.status, status)) {
      try {
        await this.deps.api.updateSetStatus({ ...set, status });
      } catch (err) {
        if (isNotFound(err)) return;
        // A stale resourceVersion: read once and retry.
        const fresh = await this.deps.api.getSet(set.metadata?.namespace ?? '', set.metadata?.name ?? '');
        if (fresh.metadata?.uid !== set.metadata?.uid) return;
        await this.deps.api.updateSetStatus({ ...fresh, status: computeStatus(fresh, counts, currentRevision, updateRevision, collisionCount) });
      }
    }
    if (minReadySeconds > 0 && pods.some((p) => isRunningAndReady(p) && !isRunningAndAvailable(p, minReadySeconds, nowMs))) {
      this.queue.addAfter(keyOf(set), minReadySeconds * 1000);
    }
  }

  private async truncateHistory(
    set: appsv1.StatefulSet,
    pods: corev1.Pod[],
    revisions: appsv1.ControllerRevision[],
    current: appsv1.ControllerRevision,
    update: appsv1.ControllerRevision,
  ): Promise<void> {
    const live = new Set<string>([current.metadata?.name ?? '', update.metadata?.name ?? '']);
    for (const pod of pods) {
      const revision = podRevision(pod);
      if (revision) live.add(revision);
    }
    const limit = set.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
    for (const revision of revisionsToPrune(revisions, live, limit)) {
      await this.ignoreNotFound(this.deps.api.deleteRevision(revision.metadata?.namespace ?? '', revision.metadata?.name ?? ''));
    }
  }
}

/** Builds the controller on the shared informers and the API. */
export function newStatefulSetController(context: ControllerContext): StatefulSetController {
  const sets = context.informers.informerFor(StatefulSets);
  const pods = context.informers.informerFor(Pods);
  const claims = context.informers.informerFor(PersistentVolumeClaims);
  const revisions = context.informers.informerFor(ControllerRevisions);
  const recorder = context.recorder('statefulset-controller');
  const setClient = context.client.resource(StatefulSets);
  const podClient = context.client.resource(Pods);
  const claimClient = context.client.resource(PersistentVolumeClaims);
  const revisionClient = context.client.resource(ControllerRevisions);
  const controller = new StatefulSetController({
    sets,
    pods,
    claims,
    revisions,
    api: {
      getSet: (namespace, name) => setClient.namespace(namespace).get(name),
      updateSetStatus: (set) => setClient.namespace(set.metadata?.namespace).updateStatus(set),
      createPod: (pod) => podClient.namespace(pod.metadata?.namespace).create(pod),
      deletePod: async (namespace, name) => {
        await podClient.namespace(namespace).delete(name);
      },
      patchPod: async (namespace, name, patch) => {
        await podClient.namespace(namespace).patch(name, MERGE_PATCH, patch);
      },
      createClaim: (claim) => claimClient.namespace(claim.metadata?.namespace).create(claim),
      patchClaim: async (namespace, name, patch) => {
        await claimClient.namespace(namespace).patch(name, MERGE_PATCH, patch);
      },
      createRevision: (revision) => revisionClient.namespace(revision.metadata?.namespace).create(revision),
      getRevision: (namespace, name) => revisionClient.namespace(namespace).get(name),
      updateRevision: (revision) => revisionClient.namespace(revision.metadata?.namespace).update(revision),
      deleteRevision: async (namespace, name) => {
        await revisionClient.namespace(namespace).delete(name);
      },
    },
    events: recorder,
    logger: context.logger.child({ controller: 'statefulset' }),
    clock: context.clock,
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: async () =>
      (await Promise.all([sets.waitForCacheSync(), pods.waitForCacheSync(), claims.waitForCacheSync(), revisions.waitForCacheSync()])).every(Boolean),
  });
  sets.addEventHandler(controller.setHandlers());
  pods.addEventHandler(controller.podHandlers());
  claims.addEventHandler(controller.claimHandlers());
  revisions.addEventHandler(controller.revisionHandlers());
  return controller;
}

/** `statefulset`: pods with stable identities and storage, in order. */
export const statefulSetControllerFactory: ControllerFactory = (context) => newStatefulSetController(context);
