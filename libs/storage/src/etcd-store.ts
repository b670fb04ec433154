import { noop } from 'cockatiel';
import { Etcd3, type IOptions, type IWatchResponse } from 'etcd3';
import { newResourceExpired, newServiceUnavailable, StatusError } from '@minik8s/api';
import type { WireKeyValue, WireTxnResponse } from './etcd-kv-wire';
import { Etcd3Kv, GrpcKv, type KvTransport } from './kv-transport';
import { LeaseManager } from './lease-manager';

export interface KeyValue {
  key: string;
  value: Buffer;
  modRevision: number;
  createRevision: number;
}

export type WriteResult = { ok: true; revision: number } | { ok: false; current: KeyValue | undefined };
export type DeleteResult = { ok: true; revision: number; deleted: KeyValue } | { ok: false; current: KeyValue | undefined };

export interface ListPage {
  kvs: KeyValue[];
  /** The store revision the page was read at. */
  revision: number;
  /** Whether keys remain after the last one returned. */
  more: boolean;
}

export interface StoreEvent {
  type: 'put' | 'delete';
  key: string;
  value: Buffer | undefined;
  prevValue: Buffer | undefined;
  modRevision: number;
  /** For puts: whether this put created the key. */
  created: boolean;
}

export interface StoreWatch {
  stop(): Promise<void>;
}

export interface StoreWatchHandlers {
  onEvent(event: StoreEvent): void;
  /** The watch ended for good: its start revision was compacted, or etcd canceled it. */
  onError(err: StatusError): void;
}

export interface StoreWatchOptions {
  /**
   * Whether events carry the key's previous value (default true). Each costs etcd a read of the
   * old revision and doubles what an update sends; a watcher that keeps every object needs none.
   */
  prevValues?: boolean;
}

/** How a write's key expires. */
export interface WriteOptions {
  /** Seconds after which etcd deletes the key by itself (through a shared lease); none when absent. */
  ttlSeconds?: number;
}

const COMPACTED = /compacted/i;
const LEASE_NOT_FOUND = /requested lease not found/i;

/** The duplex gRPC stream of etcd's Watch RPC, as much of it as we use. */
interface WatchStream {
  on(event: 'data', listener: (res: IWatchResponse) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'end', listener: () => void): this;
  removeAllListeners(): this;
  write(request: { create_request: { key: Buffer; range_end: Buffer; start_revision: number; prev_kv: boolean } }): boolean;
  cancel(): void;
}

function fromWire(kv: WireKeyValue): KeyValue {
  return { key: kv.key.toString('utf8'), value: kv.value, modRevision: kv.modRevision, createRevision: kv.createRevision };
}

/** Turns etcd failures into the API's typed errors. */
function translate(err: unknown): never {
  if (err instanceof StatusError) throw err;
  const message = err instanceof Error ? err.message : String(err);
  if (COMPACTED.test(message)) throw newResourceExpired(`The resourceVersion for the provided list is too old.`);
  throw newServiceUnavailable(`etcd: ${message}`);
}

/** The first key after every key that starts with `prefix`. */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, 'utf8');
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i] += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/**
 * The apiserver's only door to etcd: reads, compare-and-swap writes on mod_revision, paged
 * ranges at a fixed revision, and prefix watches. Expected conflicts come back as results.
 */
export class EtcdStore {
  readonly client: Etcd3;
  /** Reads and transactions, the calls of every API request: straight on HTTP/2 where it can. */
  private readonly kv: KvTransport;
  private readonly leases: LeaseManager;

  constructor(options: IOptions) {
    // Large ranges are paged by the callers, but one page of big objects may still pass 4 MB.
    // Channelz bookkeeping on every call serves no one here.
    const grpcOptions = { 'grpc.max_receive_message_length': 256 * 1024 * 1024, 'grpc.enable_channelz': 0, ...options.grpcOptions };
    this.client = new Etcd3({
      ...options,
      dialTimeout: options.dialTimeout ?? 5000,
      grpcOptions,
      // The etcd3 client's own retries and circuit breaker would turn one failed call into
      // seconds of refusing every call; callers retry what they need, with their own back-off.
      faultHandling: { host: () => noop, global: noop, ...options.faultHandling },
    });
    const address = GrpcKv.addressFor(options);
    this.kv = address ? new GrpcKv(address) : new Etcd3Kv(this.client);
    this.leases = new LeaseManager((ttlSeconds) => this.kv.leaseGrant(ttlSeconds));
  }

  async get(key: string): Promise<KeyValue | undefined> {
    try {
      const res = await this.kv.range({ key: Buffer.from(key) });
      return res.kvs.length > 0 ? fromWire(res.kvs[0]) : undefined;
    } catch (err) {
      translate(err);
    }
  }

  /** Writes `value` only if `key` does not exist. */
  async create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    return this.writeIf(key, value, 'create', 0, options);
  }

  /** Writes `value` only if `key` still has `expectedModRevision`. A write without a TTL keeps the key for good. */
  async update(key: string, value: Uint8Array, expectedModRevision: number, options: WriteOptions = {}): Promise<WriteResult> {
    return this.writeIf(key, value, 'mod', expectedModRevision, options);
  }

  private async writeIf(key: string, value: Uint8Array, target: 'create' | 'mod', revision: number, options: WriteOptions): Promise<WriteResult> {
    try {
      const call = { key: Buffer.from(key), target, revision, put: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
      const res = options.ttlSeconds ? await this.txnOnLease(call, options.ttlSeconds) : await this.kv.txn({ key: call.key, target, revision, success: { put: call.put } });
      if (res.succeeded) return { ok: true, revision: res.revision };
      return { ok: false, current: res.rangeKvs.length > 0 ? fromWire(res.rangeKvs[0]) : undefined };
    } catch (err) {
      translate(err);
    }
  }

  /** A put transaction on a shared lease; a lease that etcd lost fails no write: it is tried once more on a new one. */
  private async txnOnLease(call: { key: Buffer; target: 'create' | 'mod'; revision: number; put: Buffer }, ttlSeconds: number): Promise<WireTxnResponse> {
    for (let attempt = 1; ; attempt++) {
      const lease = await this.leases.leaseFor(ttlSeconds);
      try {
        return await this.kv.txn({ key: call.key, target: call.target, revision: call.revision, success: { put: call.put, lease } });
      } catch (err) {
        if (!LEASE_NOT_FOUND.test(err instanceof Error ? err.message : '')) throw err;
        this.leases.forget(lease);
        if (attempt >= 2) throw err;
      }
    }
  }

  /**
   * Puts `value` at `key` only if the key's version (its writes since creation; 0 while it does
   * not exist) is `expectedVersion`. Returns whether it did, the key's version after the call and
   * the store's revision.
   */
  async putIfVersion(key: string, value: Uint8Array, expectedVersion: number): Promise<{ ok: boolean; version: number; revision: number }> {
    try {
      const res = await this.kv.txn({ key: Buffer.from(key), target: 'version', revision: expectedVersion, success: { put: Buffer.from(value) } });
      if (res.succeeded) return { ok: true, version: expectedVersion + 1, revision: res.revision };
      return { ok: false, version: res.rangeKvs[0]?.version ?? 0, revision: res.revision };
    } catch (err) {
      translate(err);
    }
  }

  /** Deletes `key` only if it still has `expectedModRevision`. */
  async delete(key: string, expectedModRevision: number): Promise<DeleteResult> {
    try {
      const res = await this.kv.txn({ key: Buffer.from(key), target: 'mod', revision: expectedModRevision, success: { deletePrevKv: true } });
      if (res.succeeded) {
        const prev = res.deletedPrevKvs[0];
        if (!prev) return { ok: false, current: undefined };
        return { ok: true, revision: res.revision, deleted: fromWire(prev) };
      }
      return { ok: false, current: res.rangeKvs.length > 0 ? fromWire(res.rangeKvs[0]) : undefined };
    } catch (err) {
      translate(err);
    }
  }

  /**
   * Reads keys under `prefix` starting at `startKey`, at `revision` when given (so that the pages
   * of one list are one snapshot). A compacted revision fails with Expired.
   */
  async list(prefix: string, options: { limit?: number; startKey?: string; revision?: number } = {}): Promise<ListPage> {
    try {
      const res = await this.kv.range({
        key: Buffer.from(options.startKey ?? prefix),
        rangeEnd: prefixEnd(prefix),
        limit: options.limit ?? 0,
        revision: options.revision ?? 0,
      });
      return { kvs: res.kvs.map(fromWire), revision: res.revision, more: res.more };
    } catch (err) {
      translate(err);
    }
  }

  async count(prefix: string): Promise<number> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), count_only: true });
      return Number(res.count);
    } catch (err) {
      translate(err);
    }
  }

  async currentRevision(): Promise<number> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from('/'), limit: 1, count_only: true });
      return Number(res.header.revision);
    } catch (err) {
      translate(err);
    }
  }

  /**
   * Drops the history before `revision`. `physical` waits until etcd has removed it from its
   * backend, so that nothing can read it any more when this returns.
   */
  async compact(revision: number, options: { physical?: boolean } = { physical: true }): Promise<void> {
    try {
      await this.client.kv.compact({ revision, physical: options.physical ?? false });
    } catch (err) {
      translate(err);
    }
  }

  /**
   * Watches every key under `prefix` for changes after `afterRevision`, on a watch stream of its
   * own. A broken stream is reopened after the last revision delivered; only a compacted start
   * revision ends the watch, through `onError` with Expired.
   */
  async watch(prefix: string, afterRevision: number, handlers: StoreWatchHandlers, options: StoreWatchOptions = {}): Promise<StoreWatch> {
    const prevKv = options.prevValues ?? true;
    let stopped = false;
    let nextRevision = afterRevision + 1;
    let backoffMs = 100;
    let stream: WatchStream | undefined;
    let retryTimer: NodeJS.Timeout | undefined;

    const reopenLater = (broken: WatchStream): void => {
      if (stopped || stream !== broken) return;
      stream = undefined;
      broken.removeAllListeners();
      broken.on('error', () => undefined);
      broken.cancel();
      retryTimer = setTimeout(() => void open(), backoffMs);
      backoffMs = Math.min(backoffMs * 2, 5000);
    };

    const open = async (): Promise<void> => {
      if (stopped) return;
      let opened: WatchStream;
      try {
        opened = (await this.client.watchClient.watch()) as unknown as WatchStream;
      } catch {
        retryTimer = setTimeout(() => void open(), backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
        return;
      }
      if (stopped) {
        opened.on('error', () => undefined);
        opened.cancel();
        return;
      }
      stream = opened;
      opened.on('data', (res: IWatchResponse) => {
        if (Number(res.compact_revision) > 0) {
          stopped = true;
          opened.removeAllListeners();
          opened.on('error', () => undefined);
          opened.cancel();
          handlers.onError(newResourceExpired(`too old resource version: ${nextRevision - 1} (${res.compact_revision})`));
          return;
        }
        if (res.canceled) return reopenLater(opened);
        if (res.created) backoffMs = 100;
        for (const event of res.events) {
          const kv = event.kv;
          const modRevision = Number(kv.mod_revision);
          nextRevision = modRevision + 1;
          handlers.onEvent({
            type: event.type === 'Delete' ? 'delete' : 'put',
            key: kv.key.toString('utf8'),
            value: event.type === 'Delete' ? undefined : kv.value,
            prevValue: event.prev_kv?.value,
            modRevision,
            created: event.type !== 'Delete' && kv.create_revision === kv.mod_revision,
          });
        }
      });
      opened.on('error', () => reopenLater(opened));
      opened.on('end', () => reopenLater(opened));
      opened.write({
        create_request: { key: Buffer.from(prefix), range_end: prefixEnd(prefix), start_revision: nextRevision, prev_kv: prevKv },
      });
    };

    await open();
    return {
      stop: async () => {
        stopped = true;
        if (retryTimer) clearTimeout(retryTimer);
        if (stream) {
          stream.removeAllListeners();
          stream.on('error', () => undefined);
          stream.cancel();
          stream = undefined;
        }
      },
    };
  }

  close(): void {
    this.kv.close();
    this.client.close();
  }
}
