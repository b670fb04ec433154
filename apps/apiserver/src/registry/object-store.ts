import type { ApiObject, KindInfo, Scheme } from '@minik8s/api';
import { newAlreadyExists, newConflict, newNotFound, OPTIMISTIC_LOCK_MESSAGE } from '@minik8s/api';
import type { EtcdStore, KeyValue } from '@minik8s/storage';
import type { ObjectKeys } from './object-keys';

export interface StoredObject {
  obj: ApiObject;
  revision: number;
}

/** Thrown inside a guaranteed update to leave the object as it is. */
export const NO_CHANGE = Symbol('no-change');

export interface ListedObjects {
  items: StoredObject[];
  revision: number;
  /** First key not yet returned, when the page was cut short. */
  nextKey?: string;
}

function resourceOf(info: KindInfo): { group: string; resource: string } {
  return { group: info.group, resource: info.resource };
}

/**
 * Typed objects over etcd: the value is the protobuf encoding with resourceVersion left out, and
 * resourceVersion comes back as the key's mod_revision.
 */
export class ObjectStore {
  constructor(
    readonly etcd: EtcdStore,
    readonly scheme: Scheme,
    readonly keys: ObjectKeys,
  ) {}

  decode(info: KindInfo, kv: Pick<KeyValue, 'value' | 'modRevision'>): ApiObject {
    const obj = this.scheme.decode(info, kv.value);
    obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(kv.modRevision) };
    return obj;
  }

  encode(info: KindInfo, obj: ApiObject): Uint8Array {
    return this.scheme.encode(info, { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } });
  }

  async get(info: KindInfo, namespace: string | undefined, name: string): Promise<StoredObject> {
    const kv = await this.etcd.get(this.keys.key(info, namespace, name));
    if (!kv) throw newNotFound(resourceOf(info), name);
    return { obj: this.decode(info, kv), revision: kv.modRevision };
  }

  async create(info: KindInfo, obj: ApiObject): Promise<StoredObject> {
    const name = obj.metadata?.name ?? '';
    const result = await this.etcd.create(this.keys.key(info, obj.metadata?.namespace, name), this.encode(info, obj));
    if (!result.ok) throw newAlreadyExists(resourceOf(info), name);
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(result.revision) } };
    return { obj: stored, revision: result.revision };
  }

  /** Writes `obj` over the stored object if it is still at `expectedRevision`; Conflict otherwise. */
  async replace(info: KindInfo, obj: ApiObject, expectedRevision: number): Promise<StoredObject> {
    const name = obj.metadata?.name ?? '';
    const result = await this.etcd.update(this.keys.key(info, obj.metadata?.namespace, name), this.encode(info, obj), expectedRevision);
    if (!result.ok) {
      if (!result.current) throw newNotFound(resourceOf(info), name);
      throw newConflict(resourceOf(info), name, OPTIMISTIC_LOCK_MESSAGE);
    }
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(result.revision) } };
    return { obj: stored, revision: result.revision };
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
  async list(
    info: KindInfo,
    namespace: string | undefined,
    options: { limit?: number; startKey?: string; revision?: number; accept?: (obj: ApiObject) => boolean },
  ): Promise<ListedObjects> {
    const prefix = this.keys.namespacePrefix(info, namespace);
    const limit = options.limit ?? 0;
    const items: StoredObject[] = [];
    let startKey = options.startKey;
    let revision = options.revision;
    // Whole lists are read in pages too, so no single etcd reply grows with the collection.
    const pageSize = limit > 0 ? Math.max(limit + 1, 100) : 1000;
    for (;;) {
      const page = await this.etcd.list(prefix, { limit: pageSize, startKey, revision });
      revision = revision ?? page.revision;
      for (let i = 0; i < page.kvs.length; i++) {
        const kv = page.kvs[i];
        const obj = this.decode(info, kv);
        if (options.accept && !options.accept(obj)) continue;
        if (limit > 0 && items.length === limit) {
          return { items, revision, nextKey: kv.key };
        }
        items.push({ obj, revision: kv.modRevision });
      }
      if (!page.more || page.kvs.length === 0) return { items, revision };
      startKey = page.kvs[page.kvs.length - 1].key + '\x00';
    }
  }
}
