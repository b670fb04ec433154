import type { ApiObject, KindInfo, StatusError, Unknown } from '@minik8s/api';
import { newResourceExpired, newServiceUnavailable } from '@minik8s/api';
import type { Logger } from '@minik8s/logging';
import type { EtcdStore, StoreEvent, StoreWatch } from '@minik8s/storage';
import type { ObjectStore } from '../registry/object-store';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** What a client watch receives; `send` must not block. */
export interface WatchSink {
  send(type: WatchEventType, object: Unknown): void;
  close(err?: StatusError): void;
}

/** Which objects a watch wants. */
export interface WatchFilter {
  namespace?: string;
  matches(obj: ApiObject): boolean;
}

export interface WatchHandle {
  stop(): void;
}

interface CachedObject {
  obj: ApiObject;
  revision: number;
  encoded?: Unknown;
}

interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  revision: number;
  /** The object after the event; for DELETED its last state, at the deletion's revision. */
  obj: ApiObject;
  prev?: ApiObject;
  encoded?: Unknown;
}

interface CacheWatcher {
  fromRevision: number;
  filter: WatchFilter;
  sink: WatchSink;
  bookmarks: boolean;
}

export interface WatchCacheOptions {
  /** How many recent events are kept for watches that start in the past. */
  capacity: number;
  bookmarkIntervalMs: number;
  logger: Logger;
}

/**
 * One etcd watch per resource, fanned out to every client watch: the current objects (for
 * lists at resourceVersion 0 and initial events) and a window of recent events (for watches
 * that resume from a resourceVersion). A resume older than the window falls back to a watch of
 * its own on etcd, so only a compacted resourceVersion answers Gone.
 */
export class WatchCache {
  private readonly objects = new Map<string, CachedObject>();
  private events: CacheEvent[] = [];
  private readonly watchers = new Set<CacheWatcher>();
  private readonly fallbacks = new Set<StoreWatch>();
  private etcdWatch: StoreWatch | undefined;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private startRevision = 0;
  /** The oldest resourceVersion whose every later event the window still holds. */
  private windowStart = 0;
  private currentRevision = 0;
  private readyPromise: Promise<void> | undefined;
  private stopped = false;
  private isReady = false;

  constructor(
    readonly info: KindInfo,
    private readonly store: ObjectStore,
    private readonly etcd: EtcdStore,
    private readonly options: WatchCacheOptions,
  ) {}

  get revision(): number {
    return this.currentRevision;
  }

  get ready(): boolean {
    return this.isReady;
  }

  get watcherCount(): number {
    return this.watchers.size + this.fallbacks.size;
  }

  /** Starts (once) and resolves when the cache holds a consistent snapshot. */
  start(): Promise<void> {
    this.readyPromise ??= this.initialize();
    if (!this.bookmarkTimer && this.options.bookmarkIntervalMs > 0) {
      this.bookmarkTimer = setInterval(() => this.sendBookmarks(), this.options.bookmarkIntervalMs);
      this.bookmarkTimer.unref();
    }
    return this.readyPromise;
  }

  private async initialize(): Promise<void> {
    let delayMs = 100;
    while (!this.stopped) {
      try {
        const listed = await this.store.list(this.info, undefined, {});
        this.objects.clear();
        for (const item of listed.items) {
          this.objects.set(this.keyOf(item.obj), { obj: item.obj, revision: item.revision });
        }
        this.events = [];
        this.startRevision = listed.revision;
        this.windowStart = listed.revision;
        this.currentRevision = listed.revision;
        this.etcdWatch = await this.etcd.watch(this.store.keys.resourcePrefix(this.info), listed.revision, {
          onEvent: (event) => this.apply(event),
          onError: (err) => this.restart(err),
        });
        this.isReady = true;
        return;
      } catch (err) {
        this.options.logger.warn({ err, resource: this.info.resource }, 'watch cache cannot list; retrying');
        await new Promise((r) => setTimeout(r, delayMs));
        delayMs = Math.min(delayMs * 2, 5000);
      }
    }
  }

  private restart(err: StatusError): void {
    if (this.stopped) return;
    this.options.logger.warn({ err: err.message, resource: this.info.resource }, 'watch cache lost its etcd watch; relisting');
    this.isReady = false;
    void this.etcdWatch?.stop();
    this.etcdWatch = undefined;
    for (const watcher of this.watchers) watcher.sink.close(newResourceExpired('the watch cache was reset; relist'));
    this.watchers.clear();
    this.readyPromise = this.initialize();
  }

  /**
   * A deleted object's last state: etcd's previous value, or, when compaction took it, just its
   * name and namespace, which is all a client needs to drop it (client-go's "final state unknown").
   */
  private lastState(event: StoreEvent): ApiObject {
    if (event.prevValue) return this.store.decode(this.info, { value: event.prevValue, modRevision: event.modRevision });
    const { namespace, name } = this.store.keys.parse(this.info, event.key);
    return { metadata: { name, namespace, resourceVersion: String(event.modRevision) } };
  }

  private keyOf(obj: ApiObject): string {
    return this.store.keys.key(this.info, obj.metadata?.namespace, obj.metadata?.name ?? '');
  }

  private apply(event: StoreEvent): void {
    const previous = this.objects.get(event.key);
    let cacheEvent: CacheEvent;
    if (event.type === 'delete') {
      const last = previous?.obj ?? this.lastState(event);
      const obj = { ...last, metadata: { ...last.metadata, resourceVersion: String(event.modRevision) } };
      this.objects.delete(event.key);
      cacheEvent = { type: 'DELETED', key: event.key, revision: event.modRevision, obj, prev: previous?.obj };
    } else {
      const obj = this.store.decode(this.info, { value: event.value ?? Buffer.alloc(0), modRevision: event.modRevision });
      this.objects.set(event.key, { obj, revision: event.modRevision });
      cacheEvent = {
        type: previous ? 'MODIFIED' : 'ADDED',
        key: event.key,
        revision: event.modRevision,
        obj,
        prev: previous?.obj,
      };
    }
    this.currentRevision = event.modRevision;
    this.events.push(cacheEvent);
    // Evicting in batches keeps the cost of the window's shift off every single event.
    if (this.events.length > this.options.capacity + Math.ceil(this.options.capacity / 8)) {
      const evicted = this.events.splice(0, this.events.length - this.options.capacity);
      this.windowStart = evicted[evicted.length - 1].revision;
    }
    for (const watcher of this.watchers) this.deliver(watcher, cacheEvent);
  }

  private encoded(event: { obj: ApiObject; encoded?: Unknown }): Unknown {
    event.encoded ??= this.store.scheme.toUnknown(this.info, event.obj);
    return event.encoded;
  }

  private deliver(watcher: CacheWatcher, event: CacheEvent): void {
    if (event.revision <= watcher.fromRevision) return;
    const type = transitionFor(watcher.filter, event);
    if (type) watcher.sink.send(type, this.encoded(event));
  }

  /** The cached state of one object, when the cache is ready and holds it; possibly stale. */
  cached(namespace: string | undefined, name: string): { obj: ApiObject; revision: number } | undefined {
    if (!this.isReady) return undefined;
    const entry = this.objects.get(this.store.keys.key(this.info, namespace, name));
    return entry ? { obj: entry.obj, revision: entry.revision } : undefined;
  }

  /** Every cached object, when the cache is ready; possibly stale. */
  cachedObjects(): ApiObject[] | undefined {
    return this.isReady ? [...this.objects.values()].map((entry) => entry.obj) : undefined;
  }

  /** The objects the cache holds now, for a list at resourceVersion 0. */
  async snapshot(filter: WatchFilter): Promise<{ items: Unknown[]; revision: number }> {
    await this.waitReady();
    const matching: [string, CachedObject][] = [];
    for (const entry of this.objects.entries()) {
      if (inNamespace(filter, entry[1].obj) && filter.matches(entry[1].obj)) matching.push(entry);
    }
    // Key order, as a list from etcd returns them.
    matching.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { items: matching.map(([, cached]) => this.encoded(cached)), revision: this.currentRevision };
  }

  private async waitReady(): Promise<void> {
    if (this.isReady) return;
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(newServiceUnavailable(`the watch cache of ${this.info.resource} is not ready`)), 10_000).unref(),
    );
    await Promise.race([this.start(), timeout]);
  }

  /**
   * Starts a watch. Without a resourceVersion (or with "0") it first sends every current object
   * as ADDED; from resourceVersion R it sends every change after R.
   */
  async watch(resourceVersion: number | undefined, filter: WatchFilter, sink: WatchSink, bookmarks: boolean): Promise<WatchHandle> {
    await this.waitReady();
    if (resourceVersion === undefined || resourceVersion === 0) {
      const watcher: CacheWatcher = { fromRevision: this.currentRevision, filter, sink, bookmarks };
      for (const cached of this.objects.values()) {
        if (inNamespace(filter, cached.obj) && filter.matches(cached.obj)) sink.send('ADDED', this.encoded(cached));
      }
      this.watchers.add(watcher);
      return { stop: () => this.watchers.delete(watcher) };
    }
    if (resourceVersion < this.windowStart) {
      return this.watchFromEtcd(resourceVersion, filter, sink);
    }
    const watcher: CacheWatcher = { fromRevision: resourceVersion, filter, sink, bookmarks };
    for (const event of this.events) this.deliver(watcher, event);
    watcher.fromRevision = Math.max(resourceVersion, this.currentRevision);
    this.watchers.add(watcher);
    return { stop: () => this.watchers.delete(watcher) };
  }

  private async watchFromEtcd(resourceVersion: number, filter: WatchFilter, sink: WatchSink): Promise<WatchHandle> {
    const prefix = this.store.keys.namespacePrefix(this.info, filter.namespace);
    let handle: StoreWatch | undefined;
    handle = await this.etcd.watch(prefix, resourceVersion, {
      onEvent: (event) => {
        const decode = (value: Buffer, rev: number): ApiObject => this.store.decode(this.info, { value, modRevision: rev });
        const prev = event.prevValue ? decode(event.prevValue, event.modRevision) : undefined;
        if (event.type === 'delete') {
          const last = prev ?? this.lastState(event);
          const cacheEvent: CacheEvent = { type: 'DELETED', key: event.key, revision: event.modRevision, obj: last, prev: last };
          const type = transitionFor(filter, cacheEvent);
          if (type) sink.send(type, this.encoded(cacheEvent));
          return;
        }
        const obj = decode(event.value ?? Buffer.alloc(0), event.modRevision);
        const cacheEvent: CacheEvent = { type: event.created ? 'ADDED' : 'MODIFIED', key: event.key, revision: event.modRevision, obj, prev };
        const type = transitionFor(filter, cacheEvent);
        if (type) sink.send(type, this.encoded(cacheEvent));
      },
      onError: (err) => {
        sink.close(newResourceExpired(`too old resource version: ${resourceVersion} (${this.startRevision}): ${err.message}`));
        if (handle) this.fallbacks.delete(handle);
      },
    });
    this.fallbacks.add(handle);
    return {
      stop: () => {
        if (!handle) return;
        this.fallbacks.delete(handle);
        void handle.stop();
        handle = undefined;
      },
    };
  }

  private sendBookmarks(): void {
    if (!this.isReady) return;
    const bookmark = this.store.scheme.toUnknown(this.info, { metadata: { resourceVersion: String(this.currentRevision) } });
    for (const watcher of this.watchers) {
      if (watcher.bookmarks) watcher.sink.send('BOOKMARK', bookmark);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    for (const watcher of this.watchers) watcher.sink.close();
    this.watchers.clear();
    for (const fallback of this.fallbacks) await fallback.stop();
    this.fallbacks.clear();
    await this.etcdWatch?.stop();
  }
}

function inNamespace(filter: WatchFilter, obj: ApiObject): boolean {
  return !filter.namespace || obj.metadata?.namespace === filter.namespace;
}

/**
 * Kubernetes' rule for filtered watches: an object that starts matching arrives as ADDED, one
 * that stops matching leaves as DELETED.
 */
function transitionFor(filter: WatchFilter, event: CacheEvent): WatchEventType | undefined {
  const now = event.type !== 'DELETED' && inNamespace(filter, event.obj) && filter.matches(event.obj);
  const before = event.prev !== undefined && inNamespace(filter, event.prev) && filter.matches(event.prev);
  if (event.type === 'DELETED') {
    return inNamespace(filter, event.obj) && filter.matches(event.obj) ? 'DELETED' : undefined;
  }
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}
