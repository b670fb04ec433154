import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { Client, credentials, Metadata, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';

/**
 * The load generator of the CRUD step, the same for both sides of each comparison: one gRPC
 * connection of grpc-js that sends request messages encoded before the clock starts and keeps
 * the response bytes undecoded. So the apiserver path and the raw etcd path cost the bench the
 * same per call (HTTP/2 framing only), and what differs is what serves them.
 */
export class WireClient {
  private readonly client: Client;

  constructor(address: string, options: ChannelOptions = {}) {
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': -1,
      ...options,
    });
  }

  /** One unary call of `path` with an encoded request; resolves with the encoded response. */
  call(path: string, request: Buffer, timeoutMs = 120_000): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        path,
        identity,
        identity,
        request,
        new Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err: ServiceError | null, res?: Buffer) => (err || !res ? reject(err ?? new Error(`${path}: no response`)) : resolve(res)),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

function identity(bytes: Buffer): Buffer {
  return bytes;
}

/** etcd's KV service (etcdserverpb, rpc.proto), the calls the raw baseline makes. */
export const ETCD_KV = {
  put: '/etcdserverpb.KV/Put',
  range: '/etcdserverpb.KV/Range',
} as const;

/** PutRequest { bytes key = 1; bytes value = 2; } */
export function etcdPutRequest(key: Buffer, value: Uint8Array): Buffer {
  return Buffer.from(new BinaryWriter().uint32(10).bytes(key).uint32(18).bytes(value).finish());
}

/** RangeRequest { bytes key = 1; bytes range_end = 2; int64 limit = 3; } */
export function etcdRangeRequest(key: Buffer, rangeEnd?: Buffer, limit = 0): Buffer {
  const writer = new BinaryWriter().uint32(10).bytes(key);
  if (rangeEnd) writer.uint32(18).bytes(rangeEnd);
  if (limit > 0) writer.uint32(24).int64(limit);
  return Buffer.from(writer.finish());
}

/** How many KeyValues a RangeResponse { repeated KeyValue kvs = 2; ... } carries. */
export function etcdRangeCount(response: Uint8Array): number {
  const reader = new BinaryReader(response);
  let kvs = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 2) kvs++;
    reader.skip(wireType);
  }
  return kvs;
}
