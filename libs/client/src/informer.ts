import { isGone, type ApiObject, type KindInfo, type ListOptions } from '@minik8s/api';
import type { Logger } from '@minik8s/logging';
import type { ApiClient, WatchStream } from './api-client';
import { realClock, type Clock } from './clock';
import { Indexer, NAMESPACE_INDEX, type IndexFunc } from './indexer';
import { keyOf } from './object-key';

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Calls onUpdate for every cached object this often (0: never), as client-go's resync. */
  resyncMs?: number;
  logger?: Logger;
  clock?: Clock;
}

/** Read access to an informer's cache. Objects are shared: never mutate them. */
export interface Lister<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): T[];
  byIndex(index: string, value: string): T[];
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Lists, then watches from the list's resourceVersion; keeps an indexed cache and calls handlers.
 * A broken stream is re-watched from the last resourceVersion seen; Gone forces a relist, whose
 * differences with the cache are delivered as adds, updates and deletes.
 */
export class Informer<T extends ApiObject> implements Lister<T> {
  private readonly indexer = new Indexer<T>();
  private readonly handlers: EventHandlers<T>[] = [];
  private readonly abort = new AbortController();
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private watch: WatchStream<ApiObject> | undefined;
  private running: Promise<void> | undefined;
  private resourceVersion = '';
  private readonly clock: Clock;

  constructor(
    private readonly client: ApiClient,
    readonly info: KindInfo,
    private readonly options: InformerOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
  }

  addEventHandler(handlers: EventHandlers<T>): void {
    this.handlers.push(handlers);
    // Late handlers see what is already cached, as client-go's shared informers do.
    if (this.synced) for (const obj of this.indexer.list()) handlers.onAdd?.(obj);
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    this.indexer.addIndex(name, fn);
  }

  get lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once the first list is in the cache, false if `timeoutMs` passes first. */
  waitForCacheSync(timeoutMs = 60_000): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.watch?.close();
    await this.running;
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

  private listOptions(): ListOptions {
    return { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector };
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    let needList = true;
    let lastResync = this.clock.now();
    while (!this.abort.signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        this.watch = this.client.watch(this.info, this.options.namespace, {
          ...this.listOptions(),
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
        });
        for await (const event of this.watch) {
          backoffMs = 100;
          const obj = event.object as T;
          const rv = obj.metadata?.resourceVersion;
          if (rv) this.resourceVersion = rv;
          this.options.logger?.trace({ type: event.type, name: obj.metadata?.name, rv }, 'watch event');
          if (event.type === 'BOOKMARK') continue;
          if (event.type === 'DELETED') this.remove(obj);
          else this.upsert(obj);
          if (this.options.resyncMs && this.clock.now() - lastResync >= this.options.resyncMs) {
            lastResync = this.clock.now();
            this.resync();
          }
        }
      } catch (err) {
        if (this.abort.signal.aborted) break;
        if (isGone(err)) {
          this.options.logger?.info({ resource: this.info.resource }, 'watch expired; relisting');
          needList = true;
          continue;
        }
        this.options.logger?.debug({ resource: this.info.resource, err: (err as Error).message }, 'list/watch failed; retrying');
        await this.clock.sleep(backoffMs, this.abort.signal);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async relist(): Promise<void> {
    // The first list may be served from the apiserver's cache; a relist after Gone must be fresh.
    const list = await this.client.list(this.info, this.options.namespace, {
      ...this.listOptions(),
      resourceVersion: this.synced ? '' : '0',
    });
    const seen = new Set<string>();
    for (const item of list.items as T[]) {
      seen.add(keyOf(item));
      this.upsert(item);
    }
    for (const key of this.indexer.keys()) {
      if (!seen.has(key)) {
        const gone = this.indexer.get(key);
        if (gone) this.remove(gone);
      }
    }
    this.resourceVersion = list.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const waiter of this.syncWaiters) waiter();
      this.syncWaiters = [];
    }
  }

  private upsert(obj: T): void {
    const old = this.indexer.set(obj);
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    for (const h of this.handlers) {
      try {
        if (old) h.onUpdate?.(old, obj);
        else h.onAdd?.(obj);
      } catch (err) {
        this.options.logger?.error({ err }, 'informer handler failed');
      }
    }
  }

  private remove(obj: T): void {
    const old = this.indexer.delete(keyOf(obj));
    for (const h of this.handlers) {
      try {
        h.onDelete?.(old ?? obj);
      } catch (err) {
        this.options.logger?.error({ err }, 'informer handler failed');
      }
    }
  }

  private resync(): void {
    for (const obj of this.indexer.list()) for (const h of this.handlers) h.onUpdate?.(obj, obj);
  }
}
