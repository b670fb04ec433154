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
  /** No label or field selector: `matches` takes every object, so a list need not decode to ask. */
  everything?: boolean;
}

export interface WatchHandle {
  stop(): void;
}

/**
 * One object at one revision as the cache holds it: the value etcd sent, decoded only when
 * something needs the object itself (a selector, an admission check, the base of an update), and
 * encoded for clients by splicing its resourceVersion into that value.
 */
interface CachedObject {
  key: string;
  revision: number;
  /** From the key, so a namespace filter needs no decode. */
  namespace: string | undefined;
  obj?: ApiObject;
  /** The stored value (without resourceVersion) while `obj` is not decoded. */
  value?: Uint8Array;
  encoded?: Unknown;
}

interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  revision: number;
  /** The object after the event; for DELETED its last state, at the deletion's revision. */
  object: CachedObject;
  prev?: CachedObject;
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
          const key = this.keyOf(item.obj);
          this.objects.set(key, this.entry(key, item.revision, { obj: item.obj }));
        }
        this.events = [];
        this.startRevision = listed.revision;
        this.windowStart = listed.revision;
        this.currentRevision = listed.revision;
        // The cache holds every object, so it has each event's previous state without etcd's.
        this.etcdWatch = await this.etcd.watch(
          this.store.keys.resourcePrefix(this.info),
          listed.revision,
          { onEvent: (event) => this.apply(event), onError: (err) => this.restart(err) },
          { prevValues: false },
        );
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

  private entry(key: string, revision: number, content: { obj?: ApiObject; value?: Uint8Array }): CachedObject {
    const namespace = this.info.namespaced ? this.store.keys.parse(this.info, key).namespace : undefined;
    return { key, revision, namespace, ...content };
  }

  private objectOf(entry: CachedObject): ApiObject {
    if (!entry.obj) {
      entry.obj = this.store.decode(this.info, { value: entry.value ?? new Uint8Array(), modRevision: entry.revision });
      entry.value = undefined;
    }
    return entry.obj;
  }

  private matches(filter: WatchFilter, entry: CachedObject): boolean {
    return (!filter.namespace || entry.namespace === filter.namespace) && (filter.everything === true || filter.matches(this.objectOf(entry)));
  }

  /**
   * A deleted object's last state at the deletion's revision: what the cache held, else etcd's
   * previous value, or, when compaction took it, just its name and namespace, which is all a
   * client needs to drop it (client-go's "final state unknown").
   */
  private lastState(event: StoreEvent, previous: CachedObject | undefined): CachedObject {
    const revision = event.modRevision;
    if (previous?.obj) {
      return this.entry(event.key, revision, { obj: { ...previous.obj, metadata: { ...previous.obj.metadata, resourceVersion: String(revision) } } });
    }
    const value = previous?.value ?? event.prevValue;
    if (value) return this.entry(event.key, revision, { value });
    const { namespace, name } = this.store.keys.parse(this.info, event.key);
    return this.entry(event.key, revision, { obj: { metadata: { name, namespace, resourceVersion: String(revision) } } });
  }

  private keyOf(obj: ApiObject): string {
    return this.store.keys.key(this.info, obj.metadata?.namespace, obj.metadata?.name ?? '');
  }

  private apply(event: StoreEvent): void {
    const previous = this.objects.get(event.key);
    let cacheEvent: CacheEvent;
    if (event.type === 'delete') {
      this.objects.delete(event.key);
      cacheEvent = { type: 'DELETED', revision: event.modRevision, object: this.lastState(event, previous), prev: previous };
    } else {
      // This apiserver's own write is already decoded; anyone else's waits until it is needed.
      const written = this.store.takeWritten(event.key, event.modRevision);
      const current = this.entry(event.key, event.modRevision, written ? { obj: written } : { value: event.value ?? Buffer.alloc(0) });
      this.objects.set(event.key, current);
      cacheEvent = { type: previous ? 'MODIFIED' : 'ADDED', revision: event.modRevision, object: current, prev: previous };
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

  private encoded(entry: CachedObject): Unknown {
    entry.encoded ??= entry.obj ? this.store.toUnknown(this.info, entry.obj) : this.store.valueToUnknown(this.info, entry.value ?? new Uint8Array(), entry.revision);
    return entry.encoded;
  }

  private deliver(watcher: CacheWatcher, event: CacheEvent): void {
    if (event.revision <= watcher.fromRevision) return;
    const type = this.transitionFor(watcher.filter, event);
    if (type) watcher.sink.send(type, this.encoded(event.object));
  }

  /**
   * Kubernetes' rule for filtered watches: an object that starts matching arrives as ADDED, one
   * that stops matching leaves as DELETED.
   */
  private transitionFor(filter: WatchFilter, event: CacheEvent): WatchEventType | undefined {
    if (event.type === 'DELETED') return this.matches(filter, event.object) ? 'DELETED' : undefined;
    const now = this.matches(filter, event.object);
    const before = event.prev !== undefined && this.matches(filter, event.prev);
    if (now && before) return 'MODIFIED';
    if (now) return 'ADDED';
    if (before) return 'DELETED';
    return undefined;
  }

  /**
   * The cached state of one object, when the cache is ready and holds it; possibly stale, but
   * never older than this apiserver's own last write of it (whose event may still be on its way).
   */
  cached(namespace: string | undefined, name: string): { obj: ApiObject; revision: number } | undefined {
    if (!this.isReady) return undefined;
    const key = this.store.keys.key(this.info, namespace, name);
    const pending = this.store.pendingWrite(key);
    if (pending && pending.revision > this.currentRevision) return { obj: pending.obj, revision: pending.revision };
    const entry = this.objects.get(key);
    if (!entry) return undefined;
    // The write's response may come after its event: then the cache adopts the object it wrote.
    if (!entry.obj && pending?.revision === entry.revision) {
      entry.obj = pending.obj;
      entry.value = undefined;
    }
    return { obj: this.objectOf(entry), revision: entry.revision };
  }

  /** Every cached object, when the cache is ready; possibly stale. */
  cachedObjects(): ApiObject[] | undefined {
    return this.isReady ? [...this.objects.values()].map((entry) => this.objectOf(entry)) : undefined;
  }

  /** The objects the cache holds now, for a list at resourceVersion 0. */
  async snapshot(filter: WatchFilter): Promise<{ items: Unknown[]; revision: number }> {
    await this.waitReady();
    const matching: CachedObject[] = [];
    for (const entry of this.objects.values()) {
      if (this.matches(filter, entry)) matching.push(entry);
    }
    // Key order, as a list from etcd returns them.
    matching.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items: matching.map((entry) => this.encoded(entry)), revision: this.currentRevision };
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
        if (this.matches(filter, cached)) sink.send('ADDED', this.encoded(cached));
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
        // etcd's previous value, at this event's revision, as the old cache code reported it.
        const prev = event.prevValue ? this.entry(event.key, event.modRevision, { value: event.prevValue }) : undefined;
        if (event.type === 'delete') {
          const last = this.lastState(event, undefined);
          const type = this.transitionFor(filter, { type: 'DELETED', revision: event.modRevision, object: last, prev: last });
          if (type) sink.send(type, this.encoded(last));
          return;
        }
        const current = this.entry(event.key, event.modRevision, { value: event.value ?? Buffer.alloc(0) });
        const type = this.transitionFor(filter, { type: event.created ? 'ADDED' : 'MODIFIED', revision: event.modRevision, object: current, prev });
        if (type) sink.send(type, this.encoded(current));
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
      // A watch may start from a write this apiserver answered before its event reached the
      // cache; a bookmark older than that start would send the client's resourceVersion back.
      if (watcher.bookmarks && this.currentRevision >= watcher.fromRevision) watcher.sink.send('BOOKMARK', bookmark);
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
