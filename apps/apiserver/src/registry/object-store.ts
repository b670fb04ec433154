import type { ApiObject, KindInfo, Scheme, Unknown } from '@minik8s/api';
import {
  apiVersionOf,
  newAlreadyExists,
  newConflict,
  newNotFound,
  OPTIMISTIC_LOCK_MESSAGE,
  resourceVersionSpliceWorks,
  spliceResourceVersion,
} from '@minik8s/api';
import type { EtcdStore, KeyValue } from '@minik8s/storage';
import type { ObjectKeys } from './object-keys';

export interface StoredObject {
  obj: ApiObject;
  revision: number;
}

export interface ObjectStoreOptions {
  /** Seconds after its last write that etcd drops an object of this kind by itself (Events: --event-ttl); none when undefined. */
  ttlSeconds?: (info: KindInfo) => number | undefined;
}

/** Far more than the writes in flight at once; what lingers past it is dropped, oldest first. */
const MAX_WRITTEN = 1024;

/** Thrown inside a guaranteed update to leave the object as it is. */
export const NO_CHANGE = Symbol('no-change');

export interface ListedObjects {
  items: StoredObject[];
  revision: number;
  /** First key not yet returned, when the page was cut short. */
  nextKey?: string;
}

export interface ListedEncoded {
  items: Unknown[];
  revision: number;
  nextKey?: string;
}

export interface ListScanOptions {
  limit?: number;
  startKey?: string;
  revision?: number;
  accept?: (obj: ApiObject) => boolean;
}

function resourceOf(info: KindInfo): { group: string; resource: string } {
  return { group: info.group, resource: info.resource };
}

/** The stored bytes (without resourceVersion) behind an object the store handed out. */
interface StoredEncoding {
  value: Uint8Array;
  revision: number;
}

/**
 * Typed objects over etcd: the value is the protobuf encoding with resourceVersion left out, and
 * resourceVersion comes back as the key's mod_revision.
 */
export class ObjectStore {
  /**
   * Objects this store read or wrote, with the bytes etcd holds for them: their API encoding is
   * those bytes with the resourceVersion spliced in, not a second full encode. Only fresh objects
   * that nobody edits in place are remembered (the registry clones before it changes anything).
   */
  private readonly encodings = new WeakMap<ApiObject, StoredEncoding>();
  private readonly spliceable = new Map<KindInfo, boolean>();
  /**
   * What this store just wrote, by key, until the watch cache sees the write come back from
   * etcd: it takes the object from here instead of decoding the value it already was.
   */
  private readonly written = new Map<string, StoredObject>();

  constructor(
    readonly etcd: EtcdStore,
    readonly scheme: Scheme,
    readonly keys: ObjectKeys,
    private readonly options: ObjectStoreOptions = {},
  ) {}

  decode(info: KindInfo, kv: { value: Uint8Array; modRevision: number }): ApiObject {
    const obj = this.scheme.decode(info, kv.value);
    // A fresh decode is ours to complete in place.
    (obj.metadata ??= {}).resourceVersion = String(kv.modRevision);
    this.encodings.set(obj, { value: kv.value, revision: kv.modRevision });
    return obj;
  }

  encode(info: KindInfo, obj: ApiObject): Uint8Array {
    return this.scheme.encode(info, { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } });
  }

  /** The API encoding of `obj`: spliced from its stored bytes when this store knows them. */
  toUnknown(info: KindInfo, obj: ApiObject): Unknown {
    const stored = this.encodings.get(obj);
    const resourceVersion = obj.metadata?.resourceVersion;
    if (stored && resourceVersion === String(stored.revision) && this.canSplice(info)) {
      return { apiVersion: apiVersionOf(info), kind: info.kind, raw: spliceResourceVersion(stored.value, resourceVersion) };
    }
    return this.scheme.toUnknown(info, obj);
  }

  /** The API encoding of a stored value at `revision`, without decoding it where the kind allows. */
  valueToUnknown(info: KindInfo, value: Uint8Array, revision: number): Unknown {
    if (!this.canSplice(info)) return this.toUnknown(info, this.decode(info, { value, modRevision: revision }));
    return { apiVersion: apiVersionOf(info), kind: info.kind, raw: spliceResourceVersion(value, String(revision)) };
  }

  private canSplice(info: KindInfo): boolean {
    let works = this.spliceable.get(info);
    if (works === undefined) {
      works = resourceVersionSpliceWorks((obj) => this.scheme.encode(info, obj), (bytes) => this.scheme.decode(info, bytes));
      this.spliceable.set(info, works);
    }
    return works;
  }

  private stored(key: string, obj: ApiObject, value: Uint8Array, revision: number): StoredObject {
    const stored = { obj: { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } }, revision };
    this.encodings.set(stored.obj, { value, revision });
    this.written.delete(key);
    this.written.set(key, stored);
    // Writes whose events never come back (a watch cache restarting) must not pile up.
    if (this.written.size > MAX_WRITTEN) {
      for (const old of this.written.keys()) {
        this.written.delete(old);
        if (this.written.size <= MAX_WRITTEN / 2) break;
      }
    }
    return stored;
  }

  /** The last write of this store at `key` that its watch event has not yet brought back, if any. */
  pendingWrite(key: string): StoredObject | undefined {
    return this.written.get(key);
  }

  /**
   * The object this store wrote at `key` and `revision`, once: what a watch event of that write
   * decodes to, already decoded. Undefined for anyone else's write.
   */
  takeWritten(key: string, revision: number): ApiObject | undefined {
    const stored = this.written.get(key);
    if (!stored) return undefined;
    if (stored.revision <= revision) this.written.delete(key);
    return stored.revision === revision ? stored.obj : undefined;
  }

  async get(info: KindInfo, namespace: string | undefined, name: string): Promise<StoredObject> {
    const kv = await this.etcd.get(this.keys.key(info, namespace, name));
    if (!kv) throw newNotFound(resourceOf(info), name);
    return { obj: this.decode(info, kv), revision: kv.modRevision };
  }

  async create(info: KindInfo, obj: ApiObject): Promise<StoredObject> {
    const name = obj.metadata?.name ?? '';
    const value = this.encode(info, obj);
    const key = this.keys.key(info, obj.metadata?.namespace, name);
    const result = await this.etcd.create(key, value, { ttlSeconds: this.options.ttlSeconds?.(info) });
    if (!result.ok) throw newAlreadyExists(resourceOf(info), name);
    return this.stored(key, obj, value, result.revision);
  }

  /** Writes `obj` over the stored object if it is still at `expectedRevision`; Conflict otherwise. */
  async replace(info: KindInfo, obj: ApiObject, expectedRevision: number): Promise<StoredObject> {
    const name = obj.metadata?.name ?? '';
    const value = this.encode(info, obj);
    const key = this.keys.key(info, obj.metadata?.namespace, name);
    const result = await this.etcd.update(key, value, expectedRevision, { ttlSeconds: this.options.ttlSeconds?.(info) });
    if (!result.ok) {
      if (!result.current) throw newNotFound(resourceOf(info), name);
      throw newConflict(resourceOf(info), name, OPTIMISTIC_LOCK_MESSAGE);
    }
    return this.stored(key, obj, value, result.revision);
  }

  /** Removes the object if it is still at `expectedRevision`; returns its last state. */
  async remove(info: KindInfo, namespace: string | undefined, name: string, expectedRevision: number): Promise<StoredObject> {
    const result = await this.etcd.delete(this.keys.key(info, namespace, name), expectedRevision);
    if (!result.ok) {
      if (!result.current) throw newNotFound(resourceOf(info), name);
      throw newConflict(resourceOf(info), name, OPTIMISTIC_LOCK_MESSAGE);
    }
    const obj = this.decode(info, { value: result.deleted.value, modRevision: result.revision });
    return { obj, revision: result.revision };
  }

  /**
   * Reads objects in key order from `startKey`, keeping those `accept` takes, until `limit` are
   * kept (0: all). Every page is read at one revision so a paged list is one snapshot.
   */
  async list(info: KindInfo, namespace: string | undefined, options: ListScanOptions): Promise<ListedObjects> {
    return this.scan(info, namespace, options, (kv) => {
      const obj = this.decode(info, kv);
      return !options.accept || options.accept(obj) ? { obj, revision: kv.modRevision } : undefined;
    });
  }

  /**
   * `list` in API encoding. Without `accept` nothing is decoded: each item is the stored bytes
   * with its resourceVersion spliced in.
   */
  async listEncoded(info: KindInfo, namespace: string | undefined, options: ListScanOptions): Promise<ListedEncoded> {
    const accept = options.accept;
    if (accept || !this.canSplice(info)) {
      const listed = await this.list(info, namespace, options);
      return { ...listed, items: listed.items.map((item) => this.toUnknown(info, item.obj)) };
    }
    return this.scan(info, namespace, options, (kv) => this.valueToUnknown(info, kv.value, kv.modRevision));
  }

  private async scan<T>(
    info: KindInfo,
    namespace: string | undefined,
    options: ListScanOptions,
    take: (kv: KeyValue) => T | undefined,
  ): Promise<{ items: T[]; revision: number; nextKey?: string }> {
    const prefix = this.keys.namespacePrefix(info, namespace);
    const limit = options.limit ?? 0;
    const items: T[] = [];
    let startKey = options.startKey;
    let revision = options.revision;
    // Whole lists are read in pages too, so no single etcd reply grows with the collection.
    const pageSize = limit > 0 ? Math.max(limit + 1, 100) : 1000;
    for (;;) {
      const page = await this.etcd.list(prefix, { limit: pageSize, startKey, revision });
      revision = revision ?? page.revision;
      for (let i = 0; i < page.kvs.length; i++) {
        const kv = page.kvs[i];
        const item = take(kv);
        if (item === undefined) continue;
        if (limit > 0 && items.length === limit) {
          return { items, revision, nextKey: kv.key };
        }
        items.push(item);
      }
      if (!page.more || page.kvs.length === 0) return { items, revision };
      startKey = page.kvs[page.kvs.length - 1].key + '\x00';
    }
  }
}
