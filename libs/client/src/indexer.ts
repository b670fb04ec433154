import type { ApiObject } from '@minik8s/api';
import { keyOf } from './object-key';

export type IndexFunc<T> = (obj: T) => string[];

export const NAMESPACE_INDEX = 'namespace';

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A thread-safe-by-construction (single-threaded) keyed store with secondary indexes. */
export class Indexer<T extends ApiObject> {
  private readonly items = new Map<string, T>();
  private readonly indexFuncs = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndex(NAMESPACE_INDEX, (obj) => [obj.metadata?.namespace ?? '']);
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexFuncs.has(name)) throw new Error(`index ${name} already exists`);
    this.indexFuncs.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.items) this.addToIndex(index, fn, key, obj);
  }

  private addToIndex(index: Map<string, Set<string>>, fn: IndexFunc<T>, key: string, obj: T): void {
    this.addValues(index, fn(obj), key);
  }

  private removeFromIndex(index: Map<string, Set<string>>, fn: IndexFunc<T>, key: string, obj: T): void {
    this.removeValues(index, fn(obj), key);
  }

  set(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    for (const [name, fn] of this.indexFuncs) {
      const index = this.indices.get(name) as Map<string, Set<string>>;
      if (old) {
        // Most updates (a status, a resourceVersion) leave every indexed value as it was.
        const before = fn(old);
        const after = fn(obj);
        if (sameValues(before, after)) continue;
        this.removeValues(index, before, key);
        this.addValues(index, after, key);
        continue;
      }
      this.addToIndex(index, fn, key, obj);
    }
    this.items.set(key, obj);
    return old;
  }

  private addValues(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
    for (const value of values) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private removeValues(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
    for (const value of values) {
      const keys = index.get(value);
      keys?.delete(key);
      if (keys && keys.size === 0) index.delete(value);
    }
  }

  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    for (const [name, fn] of this.indexFuncs) this.removeFromIndex(this.indices.get(name) as Map<string, Set<string>>, fn, key, old);
    this.items.delete(key);
    return old;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  list(): T[] {
    return [...this.items.values()];
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`index ${name} does not exist`);
    return [...(index.get(value) ?? [])].map((key) => this.items.get(key) as T);
  }

  get size(): number {
    return this.items.size;
  }
}
