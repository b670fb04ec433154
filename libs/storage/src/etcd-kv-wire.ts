import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { encodeMessageToBuffer, type MessageEncoder } from '@minik8s/api';

/**
 * The few etcd KV messages the store sends on every request (etcdserverpb, rpc.proto and
 * kv.proto), encoded and decoded by hand: the generic protobufjs path of the etcd3 client
 * (fromObject, Long revisions, toObject) costs more than the rest of an apiserver write.
 */

export interface WireKeyValue {
  key: Buffer;
  value: Buffer;
  createRevision: number;
  modRevision: number;
  /** Writes to the key since its creation. */
  version: number;
}

export interface WireRangeResponse {
  revision: number;
  kvs: WireKeyValue[];
  more: boolean;
}

export interface WireTxnResponse {
  revision: number;
  succeeded: boolean;
  /** kvs of the first ResponseOp's response_range, when it has one. */
  rangeKvs: WireKeyValue[];
  /** prev_kvs of the first ResponseOp's response_delete_range, when it has one. */
  deletedPrevKvs: WireKeyValue[];
}

/** Compare.CompareTarget: which column a transaction's condition reads. */
export type CompareTarget = 'version' | 'create' | 'mod';

// Compare.CompareTarget numbers, and the tag of the Compare field each is compared with
// (version = 4, create_revision = 5, mod_revision = 6; varints).
const TARGETS: Record<CompareTarget, { number: number; tag: number }> = {
  version: { number: 0, tag: 32 },
  create: { number: 1, tag: 40 },
  mod: { number: 2, tag: 48 },
};

export const KV_METHODS = {
  range: '/etcdserverpb.KV/Range',
  txn: '/etcdserverpb.KV/Txn',
  leaseGrant: '/etcdserverpb.Lease/LeaseGrant',
} as const;

/** What a transaction writes on success: a put (attached to `lease` when given) or a delete. */
export type TxnSuccess = { put: Buffer; lease?: bigint } | { deletePrevKv: true };

interface RangeInput {
  key: Buffer;
  rangeEnd?: Buffer;
  limit?: number;
  revision?: number;
}

/** RangeRequest { key = 1; range_end = 2; limit = 3; revision = 4; } */
const RANGE_REQUEST: MessageEncoder<RangeInput> = {
  encode(request, w = new BinaryWriter()) {
    w.uint32(10).bytes(request.key);
    if (request.rangeEnd) w.uint32(18).bytes(request.rangeEnd);
    if (request.limit) w.uint32(24).int64(request.limit);
    if (request.revision) w.uint32(32).int64(request.revision);
    return w;
  },
};

export function encodeRangeRequest(request: RangeInput): Buffer {
  return encodeMessageToBuffer(RANGE_REQUEST, request);
}

interface TxnInput {
  key: Buffer;
  target: CompareTarget;
  revision: number;
  success: TxnSuccess;
}

/**
 * TxnRequest { compare = 1; success = 2; failure = 3; } with one Compare (result EQUAL, the
 * target column = `revision`), one success op and a failure op that reads the key back.
 */
const TXN_REQUEST: MessageEncoder<TxnInput> = {
  encode(request, w = new BinaryWriter()) {
    // Compare { result = 1 (EQUAL = 0, left out); target = 2; key = 3; version = 4 | create_revision = 5 | mod_revision = 6 }
    const target = TARGETS[request.target];
    w.uint32(10).fork();
    w.uint32(16).int32(target.number);
    w.uint32(26).bytes(request.key);
    w.uint32(target.tag).int64(request.revision);
    w.join();
    // success: RequestOp { request_put = 2: PutRequest { key = 1; value = 2; lease = 3 } | request_delete_range = 3: { key = 1; prev_kv = 3 } }
    w.uint32(18).fork();
    if ('put' in request.success) {
      w.uint32(18).fork().uint32(10).bytes(request.key).uint32(18).bytes(request.success.put);
      if (request.success.lease) w.uint32(24).int64(request.success.lease);
      w.join();
    } else {
      w.uint32(26).fork().uint32(10).bytes(request.key).uint32(24).bool(true).join();
    }
    w.join();
    // failure: RequestOp { request_range = 1: RangeRequest { key = 1 } }
    w.uint32(26).fork().uint32(10).fork().uint32(10).bytes(request.key).join().join();
    return w;
  },
};

export function encodeTxnRequest(request: TxnInput): Buffer {
  return encodeMessageToBuffer(TXN_REQUEST, request);
}

function int64(reader: BinaryReader): number {
  return Number(reader.int64());
}

/** Reads the length-delimited field at the reader's position as a reader of its own. */
function sub(reader: BinaryReader): BinaryReader {
  return new BinaryReader(reader.bytes());
}

/** ResponseHeader { cluster_id = 1; member_id = 2; revision = 3; raft_term = 4; } */
function decodeHeaderRevision(reader: BinaryReader): number {
  let revision = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 3 && wireType === WireType.Varint) revision = int64(reader);
    else reader.skip(wireType);
  }
  return revision;
}

/** KeyValue { key = 1; create_revision = 2; mod_revision = 3; version = 4; value = 5; lease = 6; } */
function decodeKeyValue(reader: BinaryReader): WireKeyValue {
  const kv: WireKeyValue = { key: Buffer.alloc(0), value: Buffer.alloc(0), createRevision: 0, modRevision: 0, version: 0 };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) kv.key = asBuffer(reader.bytes());
    else if (field === 2 && wireType === WireType.Varint) kv.createRevision = int64(reader);
    else if (field === 3 && wireType === WireType.Varint) kv.modRevision = int64(reader);
    else if (field === 4 && wireType === WireType.Varint) kv.version = int64(reader);
    else if (field === 5 && wireType === WireType.LengthDelimited) kv.value = asBuffer(reader.bytes());
    else reader.skip(wireType);
  }
  return kv;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** RangeResponse { header = 1; kvs = 2; more = 3; count = 4; } */
export function decodeRangeResponse(bytes: Uint8Array): WireRangeResponse {
  const reader = new BinaryReader(bytes);
  const res: WireRangeResponse = { revision: 0, kvs: [], more: false };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) res.revision = decodeHeaderRevision(sub(reader));
    else if (field === 2 && wireType === WireType.LengthDelimited) res.kvs.push(decodeKeyValue(sub(reader)));
    else if (field === 3 && wireType === WireType.Varint) res.more = reader.bool();
    else reader.skip(wireType);
  }
  return res;
}

/** The kvs of a RangeResponse (field 2) or the prev_kvs of a DeleteRangeResponse (field 3). */
function decodeKvsField(reader: BinaryReader, kvsField: number): WireKeyValue[] {
  const kvs: WireKeyValue[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === kvsField && wireType === WireType.LengthDelimited) kvs.push(decodeKeyValue(sub(reader)));
    else reader.skip(wireType);
  }
  return kvs;
}

/**
 * TxnResponse { header = 1; succeeded = 2; responses = 3; } where a ResponseOp is
 * { response_range = 1; response_put = 2; response_delete_range = 3; }.
 */
export function decodeTxnResponse(bytes: Uint8Array): WireTxnResponse {
  const reader = new BinaryReader(bytes);
  const res: WireTxnResponse = { revision: 0, succeeded: false, rangeKvs: [], deletedPrevKvs: [] };
  let first = true;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) res.revision = decodeHeaderRevision(sub(reader));
    else if (field === 2 && wireType === WireType.Varint) res.succeeded = reader.bool();
    else if (field === 3 && wireType === WireType.LengthDelimited && first) {
      first = false;
      const op = sub(reader);
      while (op.pos < op.len) {
        const [opField, opWire] = op.tag();
        if (opField === 1 && opWire === WireType.LengthDelimited) res.rangeKvs = decodeKvsField(sub(op), 2);
        else if (opField === 3 && opWire === WireType.LengthDelimited) res.deletedPrevKvs = decodeKvsField(sub(op), 3);
        else op.skip(opWire);
      }
    } else reader.skip(wireType);
  }
  return res;
}

/** LeaseGrantRequest { TTL = 1; ID = 2 (0: etcd picks one) } */
export function encodeLeaseGrantRequest(ttlSeconds: number): Buffer {
  return Buffer.from(new BinaryWriter().uint32(8).int64(ttlSeconds).finish());
}

/**
 * LeaseGrantResponse { header = 1; ID = 2; TTL = 3; error = 4; }. The ID stays a bigint: etcd's
 * lease IDs use all 63 bits, past what a number holds exactly.
 */
export function decodeLeaseGrantResponse(bytes: Uint8Array): { id: bigint; ttlSeconds: number; error: string } {
  const reader = new BinaryReader(bytes);
  const res = { id: 0n, ttlSeconds: 0, error: '' };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 2 && wireType === WireType.Varint) res.id = BigInt(reader.int64());
    else if (field === 3 && wireType === WireType.Varint) res.ttlSeconds = int64(reader);
    else if (field === 4 && wireType === WireType.LengthDelimited) res.error = reader.string();
    else reader.skip(wireType);
  }
  return res;
}
