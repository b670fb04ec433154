import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type ServiceDefinition } from '@grpc/grpc-js';
import { freePort, waitFor } from '@minik8s/testing';
import { GrpcCallError, GrpcHttp2Client } from './client';

const bytes = (b: Buffer): Buffer => b;
const method = (path: string, responseStream = false) => ({ path, requestStream: false, responseStream, requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes });
const SERVICE: ServiceDefinition = {
  echo: method('/test.Test/Echo'),
  fail: method('/test.Test/Fail'),
  hang: method('/test.Test/Hang'),
  count: method('/test.Test/Count', true),
  countThenFail: method('/test.Test/CountThenFail', true),
  tick: method('/test.Test/Tick', true),
};
const BIG = Buffer.alloc(1024 * 1024, 3);
type Unary = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface TestServer {
  port: number;
  cancelled: string[];
  stop(): Promise<void>;
}

/** A grpc-js server, the reference implementation of the protocol the client speaks. */
async function startServer(port = 0): Promise<TestServer> {
  const server = new Server();
  const cancelled: string[] = [];
  const handlers: Record<string, Unary | ((call: ServerWritableStream<Buffer, Buffer>) => void)> = {
    echo: (call, callback) => callback(null, Buffer.concat([Buffer.from('echo:'), call.request])),
    fail: (call, callback) => {
      const metadata = new Metadata();
      metadata.set('detail-bin', Buffer.from([0, 1, 2, 255]));
      metadata.set('reason', 'NotFound');
      callback({ code: status.NOT_FOUND, details: `pods "${call.request.toString()}" not found: 100% sure`, metadata }, null);
    },
    hang: (call: ServerUnaryCall<Buffer, Buffer>) => call.on('cancelled', () => cancelled.push(call.request.toString())),
    // Messages 0..n-1 of the requested count, one of them 1 MiB, then OK.
    count: (call: ServerWritableStream<Buffer, Buffer>) => {
      const n = Number(call.request.toString());
      for (let i = 0; i < n; i++) call.write(i === 1 ? BIG : Buffer.from(String(i)));
      call.end();
    },
    countThenFail: (call: ServerWritableStream<Buffer, Buffer>) => {
      call.write(Buffer.from('0'));
      call.write(Buffer.from('1'));
      const metadata = new Metadata();
      metadata.set('detail-bin', Buffer.from([9]));
      call.emit('error', { code: status.OUT_OF_RANGE, details: 'too old resource version: 1 (42)', metadata });
    },
    tick: (call: ServerWritableStream<Buffer, Buffer>) => {
      const timer = setInterval(() => call.write(Buffer.from('tick')), 10);
      call.on('cancelled', () => {
        clearInterval(timer);
        cancelled.push(call.request.toString());
      });
    },
  };
  server.addService(SERVICE, handlers);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    server.forceShutdown();
  };
  cleanups.push(stop);
  return { port: bound, cancelled, stop };
}

function client(address: string, options: ConstructorParameters<typeof GrpcHttp2Client>[1] = {}): GrpcHttp2Client {
  const c = new GrpcHttp2Client(address, options);
  cleanups.push(() => c.close());
  return c;
}

async function failure(call: Promise<unknown>): Promise<GrpcCallError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrpcCallError);
  return err as GrpcCallError;
}

describe('GrpcHttp2Client against a grpc-js server', () => {
  it('calls, many at once, and reads large responses', async () => {
    const { port } = await startServer();
    const c = client(`127.0.0.1:${port}`);
    const big = Buffer.alloc(3 * 1024 * 1024, 9);
    const [small, large, ...rest] = await Promise.all([
      c.call('/test.Test/Echo', Buffer.from('hi')),
      c.call('/test.Test/Echo', big),
      ...Array.from({ length: 50 }, (_, i) => c.call('/test.Test/Echo', Buffer.from(String(i)))),
    ]);
    expect(small.toString()).toBe('echo:hi');
    expect(large.length).toBe(big.length + 5);
    expect(rest.map((r) => r.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `echo:${i}`));
  });

  it('fails with the status, the decoded message and the trailers as metadata, -bin values decoded', async () => {
    const { port } = await startServer();
    const err = await failure(client(`127.0.0.1:${port}`).call('/test.Test/Fail', Buffer.from('kubia')));
    expect(err.code).toBe(status.NOT_FOUND);
    expect(err.details).toBe('pods "kubia" not found: 100% sure');
    expect(err.message).toBe('5 NOT_FOUND: pods "kubia" not found: 100% sure');
    expect(err.metadata.get('detail-bin')[0]).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(err.metadata.get('reason')).toEqual(['NotFound']);
  });

  it('answers UNIMPLEMENTED for a method the server lacks', async () => {
    const { port } = await startServer();
    const err = await failure(client(`127.0.0.1:${port}`).call('/test.Test/Nope', Buffer.alloc(0)));
    expect(err.code).toBe(status.UNIMPLEMENTED);
  });

  it('ends a call at its deadline, and the server sees it cancelled', async () => {
    const server = await startServer();
    const began = Date.now();
    const err = await failure(client(`127.0.0.1:${server.port}`).call('/test.Test/Hang', Buffer.from('slow'), { deadline: Date.now() + 300 }));
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    await waitFor(() => server.cancelled.includes('slow'), { timeoutMs: 5000, description: 'the server never saw the call cancelled' });
  });

  it('fails at once when nothing listens, unless the call may wait for the server', async () => {
    const port = await freePort();
    const c = client(`127.0.0.1:${port}`, { initialReconnectBackoffMs: 50, maxReconnectBackoffMs: 200 });
    expect((await failure(c.call('/test.Test/Echo', Buffer.from('x')))).code).toBe(status.UNAVAILABLE);

    // Something that accepts and hangs up, as a port does while its server is starting: the
    // call was never processed, so it waits and tries again.
    let attempts = 0;
    const refuser = createTcpServer((socket) => {
      attempts++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => refuser.listen(port, '127.0.0.1', resolve));
    const waiting = c.call('/test.Test/Echo', Buffer.from('later'), { waitForReady: true, deadline: Date.now() + 10_000 });
    await waitFor(() => attempts >= 2, { timeoutMs: 5000, description: 'two connection attempts' });
    await new Promise<void>((resolve) => refuser.close(() => resolve()));
    await startServer(port);
    expect((await waiting).toString()).toBe('echo:later');
  });

  it('reconnects after the server restarts', async () => {
    const first = await startServer();
    const c = client(`127.0.0.1:${first.port}`, { initialReconnectBackoffMs: 50, maxReconnectBackoffMs: 200 });
    expect((await c.call('/test.Test/Echo', Buffer.from('a'))).toString()).toBe('echo:a');
    await first.stop();
    await startServer(first.port);
    expect((await c.call('/test.Test/Echo', Buffer.from('b'), { waitForReady: true, deadline: Date.now() + 10_000 })).toString()).toBe('echo:b');
  });

  it('drops a connection whose peer stops answering pings, and the next call opens a new one', async () => {
    const { port } = await startServer();
    const relay = await startRelay(port);
    const c = client(`127.0.0.1:${relay.port}`, { keepaliveTimeMs: 100, keepaliveTimeoutMs: 200 });
    expect((await c.call('/test.Test/Echo', Buffer.from('1'))).toString()).toBe('echo:1');
    expect(relay.connections()).toBe(1);
    relay.freeze(); // the peer is gone without a FIN, as a lost node is
    await waitFor(() => relay.closedByClient() === 1, { timeoutMs: 5000, description: 'the client kept a connection whose pings went unanswered' });
    relay.thaw();
    expect((await c.call('/test.Test/Echo', Buffer.from('2'))).toString()).toBe('echo:2');
    expect(relay.connections()).toBe(2);
  });
});

interface StreamResult {
  messages: Buffer[];
  error: GrpcCallError | undefined;
}

function collect(c: GrpcHttp2Client, path: string, request: string, onMessage?: (m: Buffer) => void): { done: Promise<StreamResult>; cancel(): void } {
  const messages: Buffer[] = [];
  let cancel = (): void => undefined;
  const done = new Promise<StreamResult>((resolve) => {
    const handle = c.serverStream(path, Buffer.from(request), {
      message: (m) => {
        messages.push(Buffer.from(m));
        onMessage?.(m);
      },
      end: (error) => resolve({ messages, error }),
    });
    cancel = () => handle.cancel();
  });
  return { done, cancel: () => cancel() };
}

describe('GrpcHttp2Client server streams against a grpc-js server', () => {
  it('delivers every message in order, one spanning many frames, then ends with OK', async () => {
    const { port } = await startServer();
    const { messages, error } = await collect(client(`127.0.0.1:${port}`), '/test.Test/Count', '200').done;
    expect(error).toBeUndefined();
    expect(messages).toHaveLength(200);
    expect(messages[1]).toEqual(BIG);
    expect(messages.filter((_, i) => i !== 1).map((m) => m.toString())).toEqual(Array.from({ length: 200 }, (_, i) => String(i)).filter((_, i) => i !== 1));
  });

  it("ends with the server's status and metadata after the messages it sent", async () => {
    const { port } = await startServer();
    const { messages, error } = await collect(client(`127.0.0.1:${port}`), '/test.Test/CountThenFail', '').done;
    expect(messages.map((m) => m.toString())).toEqual(['0', '1']);
    expect(error?.code).toBe(status.OUT_OF_RANGE);
    expect(error?.details).toBe('too old resource version: 1 (42)');
    expect(error?.metadata.get('detail-bin')[0]).toEqual(Buffer.from([9]));
  });

  it('cancels: the end says CANCELLED and the server sees the cancel', async () => {
    const server = await startServer();
    let ticks = 0;
    const stream = collect(client(`127.0.0.1:${server.port}`), '/test.Test/Tick', 'watch-1', () => ticks++);
    await waitFor(() => ticks >= 3, { timeoutMs: 5000, description: 'three ticks' });
    stream.cancel();
    const { error } = await stream.done;
    expect(error?.code).toBe(status.CANCELLED);
    await waitFor(() => server.cancelled.includes('watch-1'), { timeoutMs: 5000, description: 'the server to see the cancel' });
  });

  it('ends with UNAVAILABLE when the server goes away mid-stream', async () => {
    const server = await startServer();
    let ticks = 0;
    const stream = collect(client(`127.0.0.1:${server.port}`), '/test.Test/Tick', 'watch-2', () => ticks++);
    await waitFor(() => ticks >= 1, { timeoutMs: 5000, description: 'a tick' });
    await server.stop();
    const { error } = await stream.done;
    expect(error?.code).toBe(status.UNAVAILABLE);
  });
});

interface Relay {
  port: number;
  connections(): number;
  closedByClient(): number;
  freeze(): void;
  thaw(): void;
}

/** A TCP relay to the server that can stop forwarding without closing anything. */
async function startRelay(target: number): Promise<Relay> {
  let frozen = false;
  let connections = 0;
  let closedByClient = 0;
  const sockets: Socket[] = [];
  const server: TcpServer = createTcpServer((inbound) => {
    connections++;
    const outbound = connect(target, '127.0.0.1');
    sockets.push(inbound, outbound);
    inbound.on('data', (d) => (frozen ? undefined : outbound.write(d)));
    outbound.on('data', (d) => (frozen ? undefined : inbound.write(d)));
    inbound.on('close', () => {
      closedByClient++;
      outbound.destroy();
    });
    outbound.on('close', () => inbound.destroy());
    inbound.on('error', () => undefined);
    outbound.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    closedByClient: () => closedByClient,
    freeze: () => (frozen = true),
    thaw: () => (frozen = false),
  };
}
