import type { ApiObject, FieldError, JsonValue, KindInfo, ListOptions, Scheme, DeleteOptions, Unknown } from '@minik8s/api';
import {
  apiVersionOf,
  deepCopy,
  fieldErrorCauseType,
  FieldPath,
  notSupported,
  formatFieldError,
  isConflict,
  newBadRequest,
  newConflict,
  newInvalid,
  newMethodNotSupported,
  newResourceExpired,
  OPTIMISTIC_LOCK_MESSAGE,
  StatusError,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '@minik8s/api';
import type { Admission } from '../admission/admission';
import type { WatchCaches } from '../watch/watch-caches';
import type { WatchHandle, WatchSink } from '../watch/watch-cache';
import { buildFilter } from './selection';
import { applyPatchOfType } from './patch';
import { formatTime, generatedName, newUid } from './object-meta';
import { NO_CHANGE, type ObjectStore, type StoredObject } from './object-store';
import { decodeContinue, encodeContinue } from './continue-token';

export interface Clock {
  now(): Date;
}

export interface ListResult {
  items: Unknown[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

const MAX_CONFLICT_RETRIES = 10;

export type WithStatus = ApiObject & { status?: unknown; spec?: unknown };

function qualified(info: KindInfo): { group: string; resource: string } {
  return { group: info.group, resource: info.resource };
}

function parseResourceVersion(rv: string | undefined, what: string): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) throw newBadRequest(`${what}: Invalid value: "${rv}": must be a decimal resourceVersion`);
  return Number(rv);
}

/**
 * Kubernetes' generic REST semantics over the object store: create with generateName and
 * defaults, validated updates with optimistic concurrency, status and spec kept apart,
 * patches, graceful and finalizer-aware deletion, paged lists and cached watches.
 */
export class GenericRegistry {
  constructor(
    private readonly store: ObjectStore,
    private readonly scheme: Scheme,
    private readonly caches: WatchCaches,
    private readonly admission: Admission,
    private readonly clock: Clock,
  ) {}

  private invalid(info: KindInfo, name: string, errors: FieldError[]): StatusError {
    return newInvalid(
      { group: info.group, kind: info.kind },
      name,
      errors.map((e) => ({ field: e.field, type: fieldErrorCauseType(e.type), text: formatFieldError(e) })),
    );
  }

  private checkNamespace(info: KindInfo, requestNamespace: string | undefined, obj: ApiObject): void {
    const meta = (obj.metadata ??= {});
    if (!info.namespaced) {
      meta.namespace = undefined;
      return;
    }
    if (meta.namespace && requestNamespace && meta.namespace !== requestNamespace) {
      throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = meta.namespace || requestNamespace;
    if (!meta.namespace) throw newBadRequest('an empty namespace may not be set during creation');
  }

  /** Creates `input`, which the registry takes over and fills in (callers pass a fresh decode). */
  async create(info: KindInfo, namespace: string | undefined, input: ApiObject, dryRun = false): Promise<ApiObject> {
    const obj = input as WithStatus;
    this.checkNamespace(info, namespace, obj);
    const meta = obj.metadata ?? {};
    const wantsGeneratedName = !meta.name && !!meta.generateName;
    for (let attempt = 0; ; attempt++) {
      if (wantsGeneratedName) meta.name = generatedName(meta.generateName ?? '');
      meta.uid = newUid();
      meta.creationTimestamp = formatTime(this.clock.now());
      meta.generation = 1;
      meta.resourceVersion = undefined;
      meta.selfLink = undefined;
      meta.deletionTimestamp = undefined;
      meta.deletionGracePeriodSeconds = undefined;
      obj.metadata = meta;
      info.strategy?.prepareForCreate?.(obj);
      info.strategy?.applyDefaults?.(obj);
      const errors = [...validateObjectMeta(meta, info.namespaced, info.strategy?.nameValidator), ...(info.strategy?.validate?.(obj) ?? [])];
      if (errors.length > 0) throw this.invalid(info, meta.name || meta.generateName || '', errors);
      await this.admission.admit({ operation: 'CREATE', info, obj, dryRun });
      if (dryRun) return obj;
      try {
        return (await this.store.create(info, obj)).obj;
      } catch (err) {
        // A generated name that collides is drawn again, as Kubernetes' clients retry it.
        if (wantsGeneratedName && err instanceof StatusError && err.reason === 'AlreadyExists' && attempt < 5) continue;
        await this.admission.release({ operation: 'CREATE', info, obj, dryRun });
        throw err;
      }
    }
  }

  async get(info: KindInfo, namespace: string | undefined, name: string): Promise<ApiObject> {
    return (await this.store.get(info, namespace, name)).obj;
  }

  async list(info: KindInfo, namespace: string | undefined, options: ListOptions = {}): Promise<ListResult> {
    const filter = buildFilter(info, namespace, options.labelSelector, options.fieldSelector);
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    if (options.resourceVersion === '0' && !options.continue && limit === 0) {
      const snapshot = await this.caches.get(info).snapshot(filter);
      return { items: snapshot.items, resourceVersion: String(snapshot.revision) };
    }
    let startKey: string | undefined;
    let revision = parseResourceVersion(options.resourceVersion === '0' ? undefined : options.resourceVersion, 'resourceVersion');
    if (options.continue) {
      const token = decodeContinue(options.continue);
      startKey = this.store.keys.namespacePrefix(info, namespace) + token.start;
      revision = token.rv;
    }
    const accept = filter.everything ? undefined : (obj: ApiObject) => filter.matches(obj);
    const listed = await this.store
      .listEncoded(info, namespace, { limit, startKey, revision, accept })
      .catch((err: unknown) => {
        if (err instanceof StatusError && err.reason === 'Expired' && options.continue) {
          throw newResourceExpired(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          );
        }
        throw err;
      });
    const result: ListResult = {
      items: listed.items,
      resourceVersion: String(listed.revision),
    };
    if (listed.nextKey) {
      const prefix = this.store.keys.namespacePrefix(info, namespace);
      result.continue = encodeContinue({ rv: listed.revision, start: listed.nextKey.slice(prefix.length) });
    }
    return result;
  }

  async watch(info: KindInfo, namespace: string | undefined, options: ListOptions, sink: WatchSink): Promise<WatchHandle> {
    const filter = buildFilter(info, namespace, options.labelSelector, options.fieldSelector);
    const rv = parseResourceVersion(options.resourceVersion, 'resourceVersion');
    return this.caches.get(info).watch(rv, filter, sink, options.allowWatchBookmarks ?? false);
  }

  /**
   * Reads, transforms and writes the object until the write lands on the revision it read.
   * `expectedRevision` pins the first read: a stale one is a Conflict, not a retry.
   */
  private async guaranteedUpdate(
    info: KindInfo,
    namespace: string | undefined,
    name: string,
    expectedRevision: number | undefined,
    transform: (current: WithStatus) => Promise<WithStatus | typeof NO_CHANGE>,
  ): Promise<ApiObject> {
    for (let attempt = 0; ; attempt++) {
      const { current, fromCache } = await this.readForUpdate(info, namespace, name, expectedRevision, attempt);
      if (expectedRevision !== undefined && current.revision !== expectedRevision) {
        throw newConflict(qualified(info), name, OPTIMISTIC_LOCK_MESSAGE);
      }
      let next: WithStatus | typeof NO_CHANGE;
      try {
        next = await transform(deepCopy(current.obj) as WithStatus);
      } catch (err) {
        // As in Kubernetes' GuaranteedUpdate: a refusal of the watch cache's copy may be a refusal
        // of stale data (a pod bound since, or deleted and made again), so etcd's copy decides.
        if (fromCache && expectedRevision === undefined) continue;
        throw err;
      }
      if (next === NO_CHANGE) return current.obj;
      try {
        const meta = next.metadata ?? {};
        if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0 && this.deletesWhenUnfinalized(info, next)) {
          return (await this.store.remove(info, namespace, name, current.revision)).obj;
        }
        return (await this.store.replace(info, next, current.revision)).obj;
      } catch (err) {
        if (isConflict(err) && expectedRevision === undefined && attempt < MAX_CONFLICT_RETRIES) continue;
        throw err;
      }
    }
  }

  /**
   * The object an update starts from. The first try takes the watch cache's copy when it is the
   * revision the caller names (or the caller names none): a stale copy only costs a Conflict
   * from etcd's compare-and-swap and a second try, which reads etcd.
   */
  private async readForUpdate(
    info: KindInfo,
    namespace: string | undefined,
    name: string,
    expectedRevision: number | undefined,
    attempt: number,
  ): Promise<{ current: StoredObject; fromCache: boolean }> {
    if (attempt === 0) {
      const cached = this.caches.get(info).cached(namespace, name);
      if (cached && (expectedRevision === undefined || cached.revision === expectedRevision)) {
        return { current: { obj: cached.obj, revision: cached.revision }, fromCache: true };
      }
    }
    return { current: await this.store.get(info, namespace, name), fromCache: false };
  }

  /**
   * Whether an update that leaves a terminating object without finalizers removes it. A
   * namespace also waits for its spec.finalizers (the namespace controller); a pod in its grace
   * period stays until its kubelet deletes it with grace 0, so status writes meanwhile land.
   */
  private deletesWhenUnfinalized(info: KindInfo, obj: WithStatus): boolean {
    if (info.group === '' && info.kind === 'Namespace') {
      const spec = obj.spec as { finalizers?: string[] } | undefined;
      return (spec?.finalizers ?? []).length === 0;
    }
    if (info.group === '' && info.kind === 'Pod') return (obj.metadata?.deletionGracePeriodSeconds ?? 0) === 0;
    return true;
  }

  /**
   * What an update changes: its spec (everything but metadata and status; generation follows it),
   * and anything at all (else it is a no-op). One JSON form of each side serves both questions.
   */
  private changesOf(info: KindInfo, next: WithStatus, current: WithStatus): { spec: boolean; any: boolean } {
    const { metadata: nextMeta, status: nextStatus, ...nextRest } = this.scheme.toJson(info, next);
    const { metadata: curMeta, status: curStatus, ...curRest } = this.scheme.toJson(info, { ...current, metadata: { ...current.metadata, resourceVersion: undefined } });
    if (JSON.stringify(nextRest) !== JSON.stringify(curRest)) return { spec: true, any: true };
    return { spec: false, any: JSON.stringify(nextMeta) !== JSON.stringify(curMeta) || JSON.stringify(nextStatus) !== JSON.stringify(curStatus) };
  }


  async update(
    info: KindInfo,
    namespace: string | undefined,
    name: string,
    input: ApiObject,
    subresource = '',
    dryRun = false,
    internal: {
      bypassStrategy?: boolean;
      withStatus?: boolean;
      /**
       * Builds the new object from the stored one (a copy it may change) instead of taking
       * `input`: checks and changes then apply to the very revision the write replaces.
       */
      derive?: (current: WithStatus) => WithStatus;
    } = {},
  ): Promise<ApiObject> {
    if (subresource && subresource !== 'status' && subresource !== 'finalize') {
      throw newMethodNotSupported(qualified(info), `update of ${subresource}`);
    }
    const inputMeta = input.metadata ?? {};
    if (inputMeta.name && inputMeta.name !== name) {
      throw newBadRequest(`the name of the object (${inputMeta.name}) does not match the name on the URL (${name})`);
    }
    if (info.namespaced && inputMeta.namespace && namespace && inputMeta.namespace !== namespace) {
      throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const expected = parseResourceVersion(inputMeta.resourceVersion, 'metadata.resourceVersion');
    // A dry run answers with the object as it would be stored, as Kubernetes does, and writes nothing.
    let wouldStore: WithStatus | undefined;
    const stored = await this.guaranteedUpdate(info, namespace, name, expected, async (current) => {
      const next = internal.derive
        ? withOwnMetadata(internal.derive(current))
        : internal.withStatus
          ? (deepCopy(input) as WithStatus)
          : this.merged(info, subresource, deepCopy(input) as WithStatus, current);
      const meta = next.metadata ?? {};
      // Fields the server owns are carried over; identity and lifecycle cannot be changed by an update.
      meta.name = name;
      meta.namespace = info.namespaced ? namespace : undefined;
      meta.uid = meta.uid || current.metadata?.uid;
      meta.creationTimestamp = current.metadata?.creationTimestamp;
      meta.deletionTimestamp = current.metadata?.deletionTimestamp;
      meta.deletionGracePeriodSeconds = current.metadata?.deletionGracePeriodSeconds;
      meta.generation = current.metadata?.generation;
      meta.resourceVersion = undefined;
      meta.selfLink = undefined;
      next.metadata = meta;
      const strategy = internal.bypassStrategy ? undefined : info.strategy;
      if (!subresource) {
        strategy?.applyDefaults?.(next);
        strategy?.prepareForUpdate?.(next, current);
      }
      const errors = [
        ...validateObjectMeta(meta, info.namespaced, info.strategy?.nameValidator),
        ...validateObjectMetaUpdate(meta, current.metadata ?? {}),
        ...(strategy?.validateUpdate?.(next, current) ?? strategy?.validate?.(next) ?? []),
      ];
      if (errors.length > 0) throw this.invalid(info, name, errors);
      const changes = this.changesOf(info, next, current);
      if (!changes.any) return NO_CHANGE;
      if (changes.spec) meta.generation = (current.metadata?.generation ?? 0) + 1;
      await this.admission.admit({ operation: 'UPDATE', info, obj: next, old: current, dryRun });
      if (dryRun) {
        wouldStore = { ...next, metadata: { ...next.metadata, resourceVersion: current.metadata?.resourceVersion } };
        return NO_CHANGE;
      }
      return next;
    });
    return wouldStore ?? stored;
  }

  /** What an update at `subresource` means: status writes only status, spec writes leave status. */
  private merged(info: KindInfo, subresource: string, next: WithStatus, current: WithStatus): WithStatus {
    if (subresource === 'status') {
      return { ...current, status: next.status };
    }
    if (subresource === 'finalize') {
      return { ...current, spec: next.spec };
    }
    if (info.subresources.includes('status')) next.status = current.status;
    return next;
  }

  async patch(
    info: KindInfo,
    namespace: string | undefined,
    name: string,
    patchType: string,
    patch: Uint8Array,
    subresource = '',
    dryRun = false,
  ): Promise<ApiObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(info, namespace, name);
      const patched = applyPatchOfType(patchType, this.scheme.toJson(info, current.obj) as JsonValue, patch);
      let decoded: ApiObject;
      try {
        decoded = this.scheme.fromJson(patched).obj;
      } catch (err) {
        throw newBadRequest((err as Error).message);
      }
      const pinned = decoded.metadata?.resourceVersion !== current.obj.metadata?.resourceVersion;
      if (!pinned) decoded.metadata = { ...decoded.metadata, resourceVersion: String(current.revision) };
      try {
        return await this.update(info, namespace, name, decoded, subresource, dryRun);
      } catch (err) {
        // Only a patch that did not name a resourceVersion is retried on a concurrent write.
        if (isConflict(err) && !pinned && attempt < MAX_CONFLICT_RETRIES) continue;
        throw err;
      }
    }
  }

  async delete(info: KindInfo, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<ApiObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(info, namespace, name);
      const obj = deepCopy(current.obj) as WithStatus;
      const meta = obj.metadata ?? {};
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw newConflict(qualified(info), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw newConflict(
          qualified(info),
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
        );
      }
      const dryRun = (options.dryRun ?? []).includes('All');
      const plan = this.deletionPlan(info, obj, options);
      try {
        if (plan.immediate) {
          await this.admission.admit({ operation: 'DELETE', info, obj, dryRun });
          if (dryRun) return obj;
          const removed = await this.store.remove(info, namespace, name, current.revision);
          await this.admission.release({ operation: 'DELETE', info, obj: removed.obj, dryRun });
          return removed.obj;
        }
        if (!plan.changed) return current.obj;
        if (dryRun) return obj;
        return (await this.store.replace(info, obj, current.revision)).obj;
      } catch (err) {
        if (isConflict(err) && !pre?.resourceVersion && attempt < MAX_CONFLICT_RETRIES) continue;
        throw err;
      }
    }
  }

  /**
   * Decides, in place, how a delete proceeds: at once, or by marking the object with a
   * deletionTimestamp (graceful pods, pending finalizers, foreground and orphan propagation).
   */
  private deletionPlan(info: KindInfo, obj: WithStatus, options: DeleteOptions): { immediate: boolean; changed: boolean } {
    const meta = (obj.metadata ??= {});
    const finalizers = [...(meta.finalizers ?? [])];
    const propagation = options.propagationPolicy ?? (options.orphanDependents ? 'Orphan' : undefined);
    if (propagation && !['Orphan', 'Background', 'Foreground'].includes(propagation)) {
      throw this.invalid(info, meta.name ?? '', [notSupported(FieldPath.root('propagationPolicy'), propagation, ['Foreground', 'Background', 'Orphan'])]);
    }
    let changed = false;
    const addFinalizer = (f: string): void => {
      if (!finalizers.includes(f)) {
        finalizers.push(f);
        changed = true;
      }
    };
    const removeFinalizer = (f: string): void => {
      const i = finalizers.indexOf(f);
      if (i >= 0) {
        finalizers.splice(i, 1);
        changed = true;
      }
    };
    if (propagation === 'Foreground') {
      addFinalizer('foregroundDeletion');
      removeFinalizer('orphan');
    } else if (propagation === 'Orphan') {
      addFinalizer('orphan');
      removeFinalizer('foregroundDeletion');
    } else if (propagation === 'Background' && meta.deletionTimestamp) {
      removeFinalizer('orphan');
      removeFinalizer('foregroundDeletion');
    }
    const grace = this.gracePeriod(info, obj, options);
    const isNamespace = info.group === '' && info.kind === 'Namespace';
    const namespaceFinalizers = isNamespace ? ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []) : [];
    if (finalizers.length === 0 && grace === 0 && namespaceFinalizers.length === 0) {
      return { immediate: true, changed: false };
    }
    meta.finalizers = finalizers;
    const now = this.clock.now();
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = formatTime(new Date(now.getTime() + grace * 1000));
      meta.deletionGracePeriodSeconds = grace;
      changed = true;
      if (isNamespace) {
        obj.status = { ...(obj.status as object), phase: 'Terminating' };
      }
    } else if (grace < (meta.deletionGracePeriodSeconds ?? 0)) {
      // A second delete may only shorten the grace period.
      meta.deletionTimestamp = formatTime(new Date(now.getTime() + grace * 1000));
      meta.deletionGracePeriodSeconds = grace;
      changed = true;
    }
    return { immediate: false, changed };
  }

  /** Only pods terminate gracefully; a pod that never reached a node, or has finished, goes at once. */
  private gracePeriod(info: KindInfo, obj: WithStatus, options: DeleteOptions): number {
    if (!(info.group === '' && info.kind === 'Pod')) return 0;
    const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const grace = options.gracePeriodSeconds ?? obj.metadata?.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  }

  async deleteCollection(info: KindInfo, namespace: string | undefined, listOptions: ListOptions, options: DeleteOptions): Promise<ListResult> {
    const listed = await this.list(info, namespace, { ...listOptions, limit: 0, continue: undefined });
    const deleted: Unknown[] = [];
    for (const item of listed.items) {
      const { obj } = this.scheme.fromUnknown(item);
      try {
        deleted.push(this.toUnknown(info, await this.delete(info, obj.metadata?.namespace, obj.metadata?.name ?? '', options)));
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
      }
    }
    return { items: deleted, resourceVersion: listed.resourceVersion };
  }

  /** The API encoding of an object this registry returned (cheap for what came from the store). */
  toUnknown(info: KindInfo, obj: ApiObject): Unknown {
    return this.store.toUnknown(info, obj);
  }

  /** apiVersion/kind of objects this registry returns for `info`. */
  apiVersion(info: KindInfo): string {
    return apiVersionOf(info);
  }
}

/** The object with a metadata of its own: update() fills it in, and `current` must stay as stored. */
function withOwnMetadata(obj: WithStatus): WithStatus {
  return { ...obj, metadata: { ...obj.metadata } };
}
