import type { KindInfo } from '@minik8s/api';
import type { EtcdStore } from '@minik8s/storage';
import type { ObjectStore } from '../registry/object-store';
import { WatchCache, type WatchCacheOptions } from './watch-cache';

/** One WatchCache per resource, created on first use and shared by every watch of it. */
export class WatchCaches {
  private readonly caches = new Map<KindInfo, WatchCache>();

  constructor(
    private readonly store: ObjectStore,
    private readonly etcd: EtcdStore,
    private readonly options: WatchCacheOptions,
  ) {}

  get(info: KindInfo): WatchCache {
    let cache = this.caches.get(info);
    if (!cache) {
      cache = new WatchCache(info, this.store, this.etcd, this.options);
      this.caches.set(info, cache);
      void cache.start();
    }
    return cache;
  }

  /** Starts the caches of `kinds` and resolves when all hold a snapshot. */
  async startAll(kinds: readonly KindInfo[]): Promise<void> {
    await Promise.all(kinds.map((info) => this.get(info).start()));
  }

  all(): WatchCache[] {
    return [...this.caches.values()];
  }

  get ready(): boolean {
    return this.all().every((cache) => cache.ready);
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((cache) => cache.stop()));
  }
}
