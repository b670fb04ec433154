import type { KindInfo, Scheme, storagev1 } from '@minik8s/api';
import type { ObjectStore } from '../registry/object-store';
import type { WatchCaches } from '../watch/watch-caches';

/** How the storage admission plugins look StorageClasses up. */
export interface StorageClassLookup {
  get(name: string): Promise<storagev1.StorageClass | undefined>;
  list(): Promise<storagev1.StorageClass[]>;
}

/**
 * StorageClasses as the storage admission plugins read them: from the watch cache when it has
 * them (they change rarely), from etcd otherwise.
 */
export class StorageClassReader implements StorageClassLookup {
  private readonly info: KindInfo;

  constructor(
    private readonly store: ObjectStore,
    scheme: Scheme,
    private readonly caches?: WatchCaches,
  ) {
    const info = scheme.forKind('storage.k8s.io/v1', 'StorageClass');
    if (!info) throw new Error('storage admission needs StorageClass registered');
    this.info = info;
  }

  async get(name: string): Promise<storagev1.StorageClass | undefined> {
    const cached = this.caches?.get(this.info).cached(undefined, name);
    if (cached) return cached.obj as storagev1.StorageClass;
    try {
      return (await this.store.get(this.info, undefined, name)).obj as storagev1.StorageClass;
    } catch {
      return undefined;
    }
  }

  async list(): Promise<storagev1.StorageClass[]> {
    const cached = this.caches?.get(this.info).cachedObjects();
    if (cached) return cached as storagev1.StorageClass[];
    return (await this.store.list(this.info, undefined, {})).items.map((i) => i.obj as storagev1.StorageClass);
  }
}
