import type { ApiObject } from '@minik8s/api';
import { Indexer, keyOf, NAMESPACE_INDEX, type Lister } from '@minik8s/client';

/**
 * A lister over a cache the unit test seeds and edits by hand, answering as an informer's does
 * (`list(namespace)` through the namespace index), so a controller's `sync` reads it unchanged.
 */
export class FakeLister<T extends ApiObject> implements Lister<T> {
  readonly indexer = new Indexer<T>();

  constructor(objects: readonly T[] = []) {
    for (const o of objects) this.indexer.set(o);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.indexer.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    return namespace === undefined ? this.indexer.list() : this.indexer.byIndex(NAMESPACE_INDEX, namespace);
  }

  byIndex(index: string, value: string): T[] {
    return this.indexer.byIndex(index, value);
  }

  set(obj: T): void {
    this.indexer.set(obj);
  }

  delete(obj: T): void {
    this.indexer.delete(keyOf(obj));
  }
}
