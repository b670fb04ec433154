import {
  apiVersionOf,
  isBadRequest,
  isConflict,
  isNotFound,
  type ApiObject,
  type KindInfo,
  type OwnerReference,
} from '@minik8s/api';
import { JSON_PATCH, WorkQueue, type EventRecorder, type Informer } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import { AbsentOwnerCache } from './absent-owners';
import { OwnershipGraph, type GraphNode, type ObjectIdentity } from './graph';
import {
  garbageCollectedKinds,
  ownerState,
  planDeletingOwner,
  planDependent,
  type ClassifiedReference,
  type DependentAction,
} from './plan';

export const GARBAGE_COLLECTOR_NAME = 'garbage-collector';

/** How often a write that lost a race (a failed JSON-patch test, a Conflict) is tried afresh. */
const PATCH_ATTEMPTS = 3;
/** Longest wait between re-checks of an owner that exists but no informer has shown. */
const MAX_VIRTUAL_RECHECK_MS = 60_000;

type JsonPatchOp = { op: 'test' | 'remove' | 'replace'; path: string; value?: unknown };

/** A precondition the server rejected: the object changed under us, so read it again. */
function lostRace(err: unknown): boolean {
  return isConflict(err) || isBadRequest(err);
}

/**
 * Kubernetes' garbage collector. Informers on every kind that can have owners feed an ownership
 * graph (uid → owners, dependents); a work queue keyed by uid drives `sync`, which reads the
 * object live and:
 * - deletes a dependent whose owners are all gone (verified by a live GET), or drops the
 *   references to the gone owners when some owner remains;
 * - for an owner deleted in the foreground (`foregroundDeletion`), deletes its dependents and
 *   removes the finalizer once no blocking dependent remains;
 * - for an owner deleted with `orphan`, removes its reference from every dependent, then the
 *   finalizer.
 * Everything is rebuilt from the informers' lists, so a restart resumes where it stopped.
 */
export class GarbageCollector implements Controller {
  readonly name = GARBAGE_COLLECTOR_NAME;
  readonly graph: OwnershipGraph;
  private readonly queue = new WorkQueue<string>();
  private readonly informers: Informer<ApiObject>[] = [];
  private readonly absentOwners = new AbsentOwnerCache();
  /** Re-checks so far of virtual owners that exist but are not observed yet. */
  private readonly virtualRechecks = new Map<string, number>();
  private readonly logger: Logger;
  private readonly recorder: EventRecorder;

  constructor(private readonly context: ControllerContext) {
    this.logger = context.logger.child({ controller: GARBAGE_COLLECTOR_NAME });
    this.recorder = context.recorder(GARBAGE_COLLECTOR_NAME);
    const scheme = context.client.scheme;
    // An owner kind we do not know is looked up as namespaced; the lookup then fails and retries.
    this.graph = new OwnershipGraph((apiVersion, kind) => scheme.forKind(apiVersion, kind)?.namespaced ?? true);
    for (const info of garbageCollectedKinds(scheme.all())) {
      const informer = context.informers.informerFor<ApiObject>({ apiVersion: apiVersionOf(info), kind: info.kind });
      informer.addEventHandler({
        onAdd: (obj) => this.observed(info, obj),
        onUpdate: (old, obj) => {
          // A relist can show a new incarnation under the old name.
          if (old.metadata?.uid && old.metadata.uid !== obj.metadata?.uid) this.deleted(info, old);
          this.observed(info, obj);
        },
        onDelete: (obj) => this.deleted(info, obj),
      });
      this.informers.push(informer);
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    // The graph must hold every kind's list before anything is judged absent from it; until
    // then nothing is collected (an unsynced kind would make its owners look absent).
    while (!signal.aborted) {
      const synced = await Promise.all(this.informers.map((i) => i.waitForCacheSync(5_000)));
      if (synced.every(Boolean)) break;
      const pending = this.informers.filter((i) => !i.hasSynced()).map((i) => `${i.info.resource}.${i.info.group}`);
      this.logger.info({ pending }, 'waiting for the graph to sync');
    }
    if (signal.aborted) return;
    this.logger.info({ nodes: this.graph.size, kinds: this.informers.length }, 'ownership graph synced');
    await runQueue(this.name, this.queue, (uid) => this.sync(uid), this.context.options.concurrentSyncs, signal, this.logger);
  }

  /** Work-queue keys waiting right now (for tests and debugging). */
  get queueLength(): number {
    return this.queue.length;
  }

  private identityOf(info: KindInfo, obj: ApiObject): ObjectIdentity | undefined {
    const meta = obj.metadata;
    if (!meta?.uid || !meta.name) return undefined;
    return {
      apiVersion: apiVersionOf(info),
      kind: info.kind,
      namespace: info.namespaced ? meta.namespace : undefined,
      name: meta.name,
      uid: meta.uid,
    };
  }

  private observed(info: KindInfo, obj: ApiObject): void {
    const identity = this.identityOf(info, obj);
    if (!identity) return;
    this.enqueue(this.graph.observe(identity, obj.metadata ?? {}));
  }

  private deleted(info: KindInfo, obj: ApiObject): void {
    const identity = this.identityOf(info, obj);
    if (!identity) return;
    this.gone(identity.uid);
  }

  /** The object of `uid` is known to be gone: drop it and look at whoever depended on it. */
  private gone(uid: string): void {
    const node = this.graph.get(uid);
    if (!node) return;
    if (node.dependents.size > 0) this.absentOwners.add(AbsentOwnerCache.key(node.identity.namespace, uid));
    this.virtualRechecks.delete(uid);
    this.enqueue(this.graph.remove(uid));
  }

  private enqueue(uids: readonly string[]): void {
    for (const uid of uids) this.queue.add(uid);
  }

  private kindInfo(identity: Pick<ObjectIdentity, 'apiVersion' | 'kind'>): KindInfo {
    const info = this.context.client.scheme.forKind(identity.apiVersion, identity.kind);
    if (!info) throw new Error(`kind ${identity.kind} of ${identity.apiVersion} is not known to the garbage collector`);
    return info;
  }

  /** The live object, or undefined when it is gone (NotFound, or the name has another uid). */
  private async getLive(info: KindInfo, namespace: string | undefined, name: string, uid: string): Promise<ApiObject | undefined> {
    try {
      const obj = await this.context.client.get(info, namespace, name);
      return obj.metadata?.uid === uid ? obj : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** One look at one object, by uid. Safe to run any number of times. */
  async sync(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    if (node.virtual) return this.verifyVirtual(node);
    this.virtualRechecks.delete(uid);
    const { identity } = node;
    const info = this.kindInfo(identity);
    const latest = await this.getLive(info, identity.namespace, identity.name, uid);
    if (!latest) {
      // The cache is behind: the object is gone already.
      this.gone(uid);
      return;
    }
    if (latest.metadata?.deletionTimestamp) {
      await this.processDeletingOwner(node, info, latest);
      return;
    }
    const refs = latest.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return;
    const classified = await this.classify(node, latest, refs);
    if (!classified) return;
    const action = planDependent(latest, classified, [...node.dependents]);
    await this.execute(node, info, latest, action);
  }

  /** An owner only named by dependents: gone means its dependents need a look. */
  private async verifyVirtual(node: GraphNode): Promise<void> {
    const { identity } = node;
    const info = this.kindInfo(identity);
    // A cluster-scoped dependent naming a namespaced owner: the reference is invalid (see classify).
    if (info.namespaced && !identity.namespace) return;
    const live = await this.getLive(info, identity.namespace, identity.name, identity.uid);
    if (!live) {
      this.logger.debug({ owner: identity }, 'owner is absent');
      this.gone(identity.uid);
      return;
    }
    // It exists; an informer will show it. Look again later in case none does (an unwatched
    // kind, or an object created and deleted while a watch was down).
    const attempts = this.virtualRechecks.get(identity.uid) ?? 0;
    this.virtualRechecks.set(identity.uid, attempts + 1);
    this.queue.addAfter(identity.uid, Math.min(100 * 2 ** attempts, MAX_VIRTUAL_RECHECK_MS));
  }

  /** Looks every owner up live: solid, dangling, or waiting for its dependents. */
  private async classify(node: GraphNode, item: ApiObject, refs: readonly OwnerReference[]): Promise<ClassifiedReference[] | undefined> {
    const classified: ClassifiedReference[] = [];
    for (const ref of refs) {
      if (!ref.uid) continue;
      const info = this.kindInfo({ apiVersion: ref.apiVersion ?? '', kind: ref.kind ?? '' });
      const namespace = info.namespaced ? node.identity.namespace : undefined;
      if (info.namespaced && !namespace) {
        // As Kubernetes: a cluster-scoped object cannot have a namespaced owner; leave it be.
        this.logger.warn({ object: node.identity, owner: ref }, 'cluster-scoped object refers to a namespaced owner');
        void this.recorder.event(
          item,
          'Warning',
          'OwnerRefInvalidNamespace',
          `ownerRef [${ref.apiVersion}/${ref.kind}, namespace: , name: ${ref.name}, uid: ${ref.uid}] does not exist in namespace ""`,
        );
        return undefined;
      }
      const key = AbsentOwnerCache.key(namespace, ref.uid);
      if (this.absentOwners.has(key)) {
        classified.push({ ref, state: 'dangling' });
        continue;
      }
      const owner = await this.getLive(info, namespace, ref.name ?? '', ref.uid);
      if (!owner) this.absentOwners.add(key);
      classified.push({ ref, state: ownerState(ref, owner) });
    }
    return classified;
  }

  private async execute(node: GraphNode, info: KindInfo, latest: ApiObject, action: DependentAction): Promise<void> {
    const { identity } = node;
    switch (action.type) {
      case 'none':
        return;
      case 'removeOwnerReferences':
        this.logger.debug({ object: identity, owners: action.ownerUids }, 'removing references to gone or deleting owners');
        await this.removeOwnerReferences(info, identity, action.ownerUids, latest);
        return;
      case 'delete': {
        if (action.unblockOwnerReferences) await this.unblockOwnerReferences(info, identity, latest);
        this.logger.debug({ object: identity, propagationPolicy: action.propagationPolicy }, 'deleting dependent');
        try {
          await this.context.client.delete(info, identity.namespace, identity.name, {
            propagationPolicy: action.propagationPolicy,
            preconditions: { uid: identity.uid },
          });
        } catch (err) {
          // Gone already, or the name now belongs to another object: nothing left to delete.
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
        return;
      }
    }
  }

  private async processDeletingOwner(node: GraphNode, info: KindInfo, latest: ApiObject): Promise<void> {
    const dependents = [...node.dependents].map((dep) => ({
      uid: dep.uid,
      blocking: dep.referenceTo(node.uid)?.blockOwnerDeletion === true,
      deletingDependents: dep.deletingDependents,
      beingDeleted: dep.beingDeleted,
    }));
    for (const step of planDeletingOwner(latest, dependents)) {
      switch (step.type) {
        case 'orphanDependents':
          this.logger.debug({ owner: node.identity, dependents: step.dependentUids.length }, 'orphaning dependents');
          await Promise.all(
            step.dependentUids.map(async (uid) => {
              const dep = this.graph.get(uid);
              if (!dep || dep.virtual) return;
              await this.removeOwnerReferences(this.kindInfo(dep.identity), dep.identity, [node.uid]);
            }),
          );
          break;
        case 'removeFinalizer':
          this.logger.debug({ owner: node.identity, finalizer: step.finalizer }, 'removing finalizer');
          await this.removeFinalizer(info, node.identity, step.finalizer, latest);
          break;
        case 'enqueue':
          this.enqueue(step.uids);
          break;
      }
    }
  }

  /**
   * Applies a JSON patch built from the object's current state, guarded by `test` operations so
   * it lands only on the state it was built from; a lost race reads the object again.
   * `build` returns no operations when there is nothing to change.
   */
  private async patchGuarded(
    info: KindInfo,
    identity: ObjectIdentity,
    build: (obj: ApiObject) => JsonPatchOp[],
    current?: ApiObject,
  ): Promise<void> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
      const obj = attempt === 0 && current ? current : await this.getLive(info, identity.namespace, identity.name, identity.uid);
      if (!obj) return;
      const ops = build(obj);
      if (ops.length === 0) return;
      try {
        await this.context.client.patch(info, identity.namespace, identity.name, JSON_PATCH, [
          { op: 'test', path: '/metadata/uid', value: identity.uid },
          ...ops,
        ]);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!lostRace(err)) throw err;
        lastErr = err;
      }
    }
    throw lastErr;
  }

  private removeOwnerReferences(info: KindInfo, identity: ObjectIdentity, ownerUids: readonly string[], current?: ApiObject): Promise<void> {
    return this.patchGuarded(
      info,
      identity,
      (obj) => {
        const refs = obj.metadata?.ownerReferences ?? [];
        const ops: JsonPatchOp[] = [];
        // From the end, so earlier indices stay valid.
        for (let i = refs.length - 1; i >= 0; i--) {
          if (!ownerUids.includes(refs[i].uid ?? '')) continue;
          ops.push({ op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: refs[i].uid });
          ops.push({ op: 'remove', path: `/metadata/ownerReferences/${i}` });
        }
        return ops;
      },
      current,
    );
  }

  /** Sets blockOwnerDeletion=false on every reference, to break a possible foreground cycle. */
  private unblockOwnerReferences(info: KindInfo, identity: ObjectIdentity, current: ApiObject): Promise<void> {
    return this.patchGuarded(
      info,
      identity,
      (obj) =>
        (obj.metadata?.ownerReferences ?? []).flatMap((ref, i): JsonPatchOp[] =>
          ref.blockOwnerDeletion === true
            ? [
                { op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: ref.uid },
                { op: 'replace', path: `/metadata/ownerReferences/${i}/blockOwnerDeletion`, value: false },
              ]
            : [],
        ),
      current,
    );
  }

  private removeFinalizer(info: KindInfo, identity: ObjectIdentity, finalizer: string, current: ApiObject): Promise<void> {
    return this.patchGuarded(
      info,
      identity,
      (obj) => {
        const finalizers = obj.metadata?.finalizers ?? [];
        const ops: JsonPatchOp[] = [];
        for (let i = finalizers.length - 1; i >= 0; i--) {
          if (finalizers[i] !== finalizer) continue;
          ops.push({ op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer });
          ops.push({ op: 'remove', path: `/metadata/finalizers/${i}` });
        }
        return ops;
      },
      current,
    );
  }
}

/** The controller-manager's factory for the garbage collector (`--controllers=garbage-collector`). */
export const newGarbageCollectorController: ControllerFactory = (context) => new GarbageCollector(context);
