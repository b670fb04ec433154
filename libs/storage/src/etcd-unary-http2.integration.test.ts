import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { EtcdHarness, freePort } from '@minik8s/testing';
import { decodeRangeResponse, decodeTxnResponse, encodeRangeRequest, encodeTxnRequest, KV_METHODS } from './etcd-kv-wire';
import { GrpcCallError, GrpcHttp2Client } from '@minik8s/grpc-http2';

let etcd: EtcdHarness;
beforeAll(async () => {
  etcd = await EtcdHarness.start();
}, 60_000);
afterAll(() => etcd?.stop());

const addressOf = (endpoint: string): string => endpoint.replace(/^http:\/\//, '');

describe('GrpcHttp2Client against etcd', () => {
  it('makes unary calls, many at once, including responses of many frames', async () => {
    const client = new GrpcHttp2Client(addressOf(etcd.endpoint));
    try {
      const value = Buffer.alloc(300 * 1024, 7);
      const keys = Array.from({ length: 20 }, (_, i) => Buffer.from(`/http2-test/big/${String(i).padStart(2, '0')}`));
      const writes = await Promise.all(
        keys.map(async (key) => decodeTxnResponse(await client.call(KV_METHODS.txn, encodeTxnRequest({ key, target: 'create', revision: 0, success: { put: value } })))),
      );
      expect(writes.every((w) => w.succeeded)).toBe(true);
      const range = decodeRangeResponse(
        await client.call(KV_METHODS.range, encodeRangeRequest({ key: Buffer.from('/http2-test/big/'), rangeEnd: Buffer.from('/http2-test/big0') })),
      );
      expect(range.kvs).toHaveLength(20);
      expect(range.kvs.every((kv) => Buffer.from(kv.value).equals(value))).toBe(true);
    } finally {
      client.close();
    }
  });

  it("fails with the server's status and message", async () => {
    const client = new GrpcHttp2Client(addressOf(etcd.endpoint));
    try {
      const err = await client.call('/etcdserverpb.KV/NoSuchMethod', Buffer.alloc(0)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GrpcCallError);
      expect((err as GrpcCallError).code).toBe(12);
      expect((err as GrpcCallError).message).toMatch(/^12 UNIMPLEMENTED: /);
    } finally {
      client.close();
    }
  });

  it('fails the calls of a broken connection with UNAVAILABLE, and reconnects for the next', async () => {
    // A TCP relay in front of etcd whose connections the test cuts, as a network failure would.
    const target = new URL(etcd.endpoint);
    const sockets = new Set<Socket>();
    const relay = createServer((inbound) => {
      const outbound = connect(Number(target.port), target.hostname);
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const client = new GrpcHttp2Client(`127.0.0.1:${(relay.address() as AddressInfo).port}`);
    const ping = async (): Promise<number> => decodeRangeResponse(await client.call(KV_METHODS.range, encodeRangeRequest({ key: Buffer.from('/none') }))).revision;
    try {
      expect(await ping()).toBeGreaterThan(0);
      const inFlight = ping();
      for (const s of sockets) s.destroy();
      // The relay is cut before it can carry the request, so no answer can come back.
      const broken = await inFlight.catch((e: unknown) => e);
      expect(broken).toBeInstanceOf(GrpcCallError);
      expect((broken as GrpcCallError).code).toBe(14);
      expect(await ping()).toBeGreaterThan(0);
    } finally {
      client.close();
      relay.close();
      for (const s of sockets) s.destroy();
    }
  });

  it('refuses calls after close and on a port where nothing listens', async () => {
    const nobody = new GrpcHttp2Client(`127.0.0.1:${await freePort()}`);
    const refused = await nobody.call(KV_METHODS.range, Buffer.alloc(0)).catch((e: unknown) => e);
    expect((refused as GrpcCallError).code).toBe(14);
    nobody.close();
    const closed = await nobody.call(KV_METHODS.range, Buffer.alloc(0)).catch((e: unknown) => e);
    expect((closed as GrpcCallError).code).toBe(14);
  });
});
