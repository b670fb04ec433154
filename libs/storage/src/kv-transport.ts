import type { Etcd3, IKeyValue, IOptions } from 'etcd3';
import {
  decodeLeaseGrantResponse,
  decodeRangeResponse,
  decodeTxnResponse,
  encodeLeaseGrantRequest,
  encodeRangeRequest,
  encodeTxnRequest,
  KV_METHODS,
  type CompareTarget,
  type TxnSuccess,
  type WireKeyValue,
  type WireRangeResponse,
  type WireTxnResponse,
} from './etcd-kv-wire';
import { GrpcHttp2Client } from '@minik8s/grpc-http2';

export interface RangeCall {
  key: Buffer;
  rangeEnd?: Buffer;
  limit?: number;
  revision?: number;
}

/** A transaction on one key: if its `target` column equals `revision` (a version for 'version'), run `success`; else read the key. */
export interface TxnCall {
  key: Buffer;
  target: CompareTarget;
  revision: number;
  success: TxnSuccess;
}

/** The KV calls the store makes on every request, and the lease grants of expiring objects. */
export interface KvTransport {
  range(call: RangeCall): Promise<WireRangeResponse>;
  txn(call: TxnCall): Promise<WireTxnResponse>;
  /** A new lease of `ttlSeconds`; its ID. */
  leaseGrant(ttlSeconds: number): Promise<bigint>;
  close(): void;
}

/**
 * KV calls straight on one HTTP/2 connection with hand-encoded messages (see etcd-kv-wire.ts and
 * libs/grpc-http2). Errors read as grpc-js's ("14 UNAVAILABLE: ...", etcd's "mvcc: required
 * revision has been compacted"), which the store translates.
 */
export class GrpcKv implements KvTransport {
  private readonly client: GrpcHttp2Client;

  constructor(address: string) {
    this.client = new GrpcHttp2Client(address);
  }

  private call(method: string, request: Buffer): Promise<Buffer> {
    return this.client.call(method, request);
  }

  async range(call: RangeCall): Promise<WireRangeResponse> {
    return decodeRangeResponse(await this.call(KV_METHODS.range, encodeRangeRequest(call)));
  }

  async txn(call: TxnCall): Promise<WireTxnResponse> {
    return decodeTxnResponse(await this.call(KV_METHODS.txn, encodeTxnRequest(call)));
  }

  async leaseGrant(ttlSeconds: number): Promise<bigint> {
    const res = decodeLeaseGrantResponse(await this.call(KV_METHODS.leaseGrant, encodeLeaseGrantRequest(ttlSeconds)));
    if (res.error) throw new Error(`etcdserver: ${res.error}`);
    return res.id;
  }

  close(): void {
    this.client.close();
  }

  /**
   * The channel address when the store's options allow this transport: one plain-text endpoint
   * without authentication (TLS, auth and fail-over between members stay with the etcd3 client).
   */
  static addressFor(options: IOptions): string | undefined {
    const hosts = typeof options.hosts === 'string' ? [options.hosts] : (options.hosts ?? ['127.0.0.1:2379']);
    if (hosts.length !== 1 || options.credentials || options.auth) return undefined;
    const host = hosts[0];
    if (/^https:/i.test(host)) return undefined;
    return host.replace(/^http:\/\//i, '');
  }
}

function fromEtcd3(kv: IKeyValue): WireKeyValue {
  return { key: kv.key, value: kv.value, createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision), version: Number(kv.version) };
}

/** KV calls through the etcd3 client, for what GrpcKv does not cover. */
export class Etcd3Kv implements KvTransport {
  constructor(private readonly client: Etcd3) {}

  async range(call: RangeCall): Promise<WireRangeResponse> {
    const res = await this.client.kv.range({ key: call.key, range_end: call.rangeEnd, limit: call.limit ?? 0, revision: call.revision ?? 0 });
    return { revision: Number(res.header.revision), kvs: res.kvs.map(fromEtcd3), more: res.more };
  }

  async txn(call: TxnCall): Promise<WireTxnResponse> {
    const k = call.key;
    const compare =
      call.target === 'version'
        ? { key: k, target: 'Version' as const, result: 'Equal' as const, version: call.revision }
        : call.target === 'create'
          ? { key: k, target: 'Create' as const, result: 'Equal' as const, create_revision: call.revision }
          : { key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: call.revision };
    const success =
      'put' in call.success
        ? { request_put: { key: k, value: call.success.put, lease: call.success.lease?.toString() ?? 0 } }
        : { request_delete_range: { key: k, prev_kv: true } };
    const res = await this.client.kv.txn({ compare: [compare], success: [success], failure: [{ request_range: { key: k } }] });
    const first = res.responses[0];
    return {
      revision: Number(res.header.revision),
      succeeded: res.succeeded,
      rangeKvs: (first?.response_range?.kvs ?? []).map(fromEtcd3),
      deletedPrevKvs: (first?.response_delete_range?.prev_kvs ?? []).map(fromEtcd3),
    };
  }

  async leaseGrant(ttlSeconds: number): Promise<bigint> {
    const res = await this.client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 });
    if (res.error) throw new Error(`etcdserver: ${res.error}`);
    return BigInt(res.ID);
  }

  close(): void {
    // The etcd3 client is the store's; it closes it.
  }
}
