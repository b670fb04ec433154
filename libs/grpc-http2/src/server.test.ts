import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Client,
  credentials,
  Metadata,
  status as GrpcStatus,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { HealthImplementation, service as healthService } from 'grpc-health-check';
import { GrpcHttp2Server } from './server';
import { GrpcCallError, GrpcHttp2Client } from './client';

// Messages are raw bytes both ways, so tests can make them any size and read them as they are.
const identity = (b: Buffer): Buffer => b;

function method(name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/test.Test/${name}`,
    requestStream,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

const TEST_SERVICE: ServiceDefinition = {
  echo: method('Echo', false, false),
  fail: method('Fail', false, false),
  hold: method('Hold', false, false),
  flood: method('Flood', false, true),
  chat: method('Chat', true, true),
};

/** Polls until `condition` holds; fails after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const STATUS_BIN = 'x-status-bin';
const CHUNK = Buffer.alloc(64 * 1024, 7);
/** 128 MiB: more than the flow-control windows and socket buffers can hold for a client that does not read. */
const FLOOD_MESSAGES = 2048;

/** What the handlers saw, for the tests to check. */
class Observed {
  held: sendUnaryData<Buffer> | undefined;
  holdCancelled = false;
  /** Times a write of the flood met back-pressure (write() returned false). */
  floodPressured = 0;
  /** When the flood wrote its last message. */
  floodFinishedAt: number | undefined;
  floodCancelled = false;
  chatMessages: Buffer[] = [];
}

function implementation(seen: Observed) {
  return {
    echo: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, call.request),
    fail: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const metadata = new Metadata();
      metadata.set(STATUS_BIN, Buffer.from([0, 1, 2, 255]));
      callback({ code: GrpcStatus.NOT_FOUND, details: 'nicht gefunden: 100% – weg\n', metadata });
    },
    hold: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      seen.held = callback;
      call.on('cancelled', () => (seen.holdCancelled = call.cancelled));
    },
    // Writes FLOOD_MESSAGES 64 KiB messages as fast as back-pressure lets it, then 'last'; with
    // request 'forever' it keeps writing until cancelled.
    flood: (call: ServerWritableStream<Buffer, Buffer>) => {
      call.on('cancelled', () => (seen.floodCancelled = call.cancelled));
      if (call.request.toString() === 'forever') {
        const tick = setInterval(() => (call.cancelled ? clearInterval(tick) : call.write(CHUNK)), 5);
        return;
      }
      let written = 0;
      const writeSome = (): void => {
        while (written < FLOOD_MESSAGES) {
          written++;
          if (!call.write(CHUNK)) {
            seen.floodPressured++;
            call.once('drain', writeSome);
            return;
          }
        }
        seen.floodFinishedAt = performance.now();
        call.write(Buffer.from('last'));
        call.end();
      };
      writeSome();
    },
    chat: (call: ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (message: Buffer) => {
        seen.chatMessages.push(message);
        call.write(Buffer.concat([Buffer.from('echo:'), message]));
      });
      call.on('end', () => call.end());
    },
  };
}

let server: GrpcHttp2Server | undefined;
const closers: Array<() => void> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  server?.forceShutdown();
  server = undefined;
});

async function start(options: { maxReceiveMessageBytes?: number } = {}): Promise<{ address: string; seen: Observed }> {
  const seen = new Observed();
  server = new GrpcHttp2Server(options);
  server.addService(TEST_SERVICE, implementation(seen));
  const port = await server.listen('127.0.0.1', 0);
  return { address: `127.0.0.1:${port}`, seen };
}

function grpcClient(address: string): Client {
  const client = new Client(address, credentials.createInsecure());
  closers.push(() => client.close());
  return client;
}

function unary(client: Client, path: string, request: Buffer, deadline?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(path, identity, identity, request, new Metadata(), deadline ? { deadline } : {}, (err, value) =>
      err ? reject(err) : resolve(value as Buffer),
    );
  });
}

function failure(promise: Promise<unknown>): Promise<ServiceError> {
  return promise.then(
    () => Promise.reject(new Error('the call succeeded')),
    (err: ServiceError) => err,
  );
}

/** One raw HTTP/2 call, for what grpc-js clients never send: several writes, odd frames, grpc-timeout. */
async function rawCall(
  address: string,
  path: string,
  writes: Buffer[],
  extraHeaders: Record<string, string> = {},
): Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders; body: Buffer }> {
  const session: ClientHttp2Session = connect(`http://${address}`);
  closers.push(() => session.destroy());
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: path,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    [constants.HTTP2_HEADER_TE]: 'trailers',
    ...extraHeaders,
  });
  for (const write of writes) stream.write(write);
  stream.end();
  return new Promise((resolve, reject) => {
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => resolve({ headers, trailers, body: Buffer.concat(chunks) }));
  });
}

function framed(message: Buffer, flag = 0): Buffer {
  const header = Buffer.alloc(5);
  header[0] = flag;
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

describe('GrpcHttp2Server with a grpc-js client', () => {
  it('answers a unary call, and one whose messages span many DATA frames', async () => {
    const { address } = await start();
    const client = grpcClient(address);
    expect((await unary(client, '/test.Test/Echo', Buffer.from('hello'))).toString()).toBe('hello');
    const big = Buffer.alloc(1024 * 1024, 3);
    big[big.length - 1] = 9;
    expect((await unary(client, '/test.Test/Echo', big)).equals(big)).toBe(true);
  });

  it('sends an error status with its message percent-encoded and its -bin metadata', async () => {
    const { address } = await start();
    const err = await failure(unary(grpcClient(address), '/test.Test/Fail', Buffer.from('x')));
    expect(err.code).toBe(GrpcStatus.NOT_FOUND);
    expect(err.details).toBe('nicht gefunden: 100% – weg\n');
    expect(err.metadata.get(STATUS_BIN)).toEqual([Buffer.from([0, 1, 2, 255])]);
  });

  it('answers an unknown method with UNIMPLEMENTED', async () => {
    const { address } = await start();
    const err = await failure(unary(grpcClient(address), '/test.Test/Nope', Buffer.from('x')));
    expect(err.code).toBe(GrpcStatus.UNIMPLEMENTED);
  });

  it('cancels a call whose deadline passes', async () => {
    const { address, seen } = await start();
    const err = await failure(unary(grpcClient(address), '/test.Test/Hold', Buffer.from('x'), Date.now() + 200));
    expect(err.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    await until(() => seen.holdCancelled, 'the handler to see the cancel');
  });

  it('holds a server stream back while the client does not read, and resumes on drain', async () => {
    const { address, seen } = await start();
    const call = grpcClient(address).makeServerStreamRequest('/test.Test/Flood', identity, identity, Buffer.from('once'));
    call.pause();
    await until(() => seen.floodPressured > 0, 'the handler to meet back-pressure');
    const received: Buffer[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      call.on('data', (m: Buffer) => received.push(m));
      call.on('end', resolve);
      call.on('error', reject);
    });
    const resumedAt = performance.now();
    call.resume();
    await ended;
    // Held back while the client did not read: the writer could only finish after it resumed.
    expect(seen.floodFinishedAt).toBeGreaterThan(resumedAt);
    expect(received).toHaveLength(FLOOD_MESSAGES + 1);
    expect(received.at(-1)?.toString()).toBe('last');
  });

  it('tells a server-streaming handler when the client cancels', async () => {
    const { address, seen } = await start();
    const call = grpcClient(address).makeServerStreamRequest('/test.Test/Flood', identity, identity, Buffer.from('forever'));
    call.on('error', () => {});
    await new Promise((resolve) => call.once('data', resolve));
    call.cancel();
    await until(() => seen.floodCancelled, 'the handler to see the cancel');
  });

  it('echoes a bidi stream', async () => {
    const { address } = await start();
    const call = grpcClient(address).makeBidiStreamRequest('/test.Test/Chat', identity, identity);
    const received: string[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      call.on('data', (m: Buffer) => received.push(m.toString()));
      call.on('end', resolve);
      call.on('error', reject);
    });
    for (const word of ['a', 'bb', 'ccc']) call.write(Buffer.from(word));
    call.end();
    await ended;
    expect(received).toEqual(['echo:a', 'echo:bb', 'echo:ccc']);
  });

  it('lets a call in flight finish on graceful shutdown and refuses new ones', async () => {
    const { address, seen } = await start();
    const client = grpcClient(address);
    const inFlight = unary(client, '/test.Test/Hold', Buffer.from('x'));
    await until(() => seen.held !== undefined, 'the held call to reach its handler');
    const stopped = server!.shutdown();
    const refused = await failure(unary(client, '/test.Test/Echo', Buffer.from('y'), Date.now() + 5000));
    expect(refused.code).toBe(GrpcStatus.UNAVAILABLE);
    seen.held!(null, Buffer.from('done'));
    expect((await inFlight).toString()).toBe('done');
    await stopped;
  });
});

describe('GrpcHttp2Server serving grpc-health-check', () => {
  it('answers Check through the HealthImplementation added to it', async () => {
    const { address } = await start();
    new HealthImplementation({ '': 'SERVING' }).addToServer(server!);
    const check = healthService['Check'];
    const reply = await new Promise<unknown>((resolve, reject) => {
      grpcClient(address).makeUnaryRequest(check.path, check.requestSerialize, check.responseDeserialize, { service: '' }, (err, value) =>
        err ? reject(err) : resolve(value),
      );
    });
    expect(reply).toEqual({ status: 'SERVING' });
  });
});

describe('GrpcHttp2Server on the wire', () => {
  it('answers pings on an idle connection and keeps serving on it', async () => {
    const { address } = await start();
    const session = connect(`http://${address}`);
    closers.push(() => session.destroy());
    await new Promise((resolve) => session.once('connect', resolve));
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
    }
    expect(session.closed).toBe(false);
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: '/test.Test/Echo',
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    });
    stream.end(framed(Buffer.from('still here')));
    const trailers = await new Promise<IncomingHttpHeaders>((resolve) => stream.on('trailers', resolve));
    expect(trailers['grpc-status']).toBe('0');
  });

  it('reads several messages from one DATA frame and a message split over several', async () => {
    const { address, seen } = await start();
    const split = framed(Buffer.from('split-message'));
    const { trailers, body } = await rawCall(address, '/test.Test/Chat', [
      Buffer.concat([framed(Buffer.from('one')), framed(Buffer.from('two')), split.subarray(0, 3)]),
      split.subarray(3, 9),
      split.subarray(9),
    ]);
    expect(trailers['grpc-status']).toBe('0');
    expect(seen.chatMessages.map(String)).toEqual(['one', 'two', 'split-message']);
    expect(body.equals(Buffer.concat(['echo:one', 'echo:two', 'echo:split-message'].map((s) => framed(Buffer.from(s)))))).toBe(true);
  });

  it('ends the call with DEADLINE_EXCEEDED when its grpc-timeout passes', async () => {
    const { address, seen } = await start();
    const { headers } = await rawCall(address, '/test.Test/Hold', [framed(Buffer.from('x'))], { 'grpc-timeout': '100m' });
    // Trailers-only: nothing was sent before the deadline.
    expect(headers['grpc-status']).toBe(String(GrpcStatus.DEADLINE_EXCEEDED));
    expect(seen.holdCancelled).toBe(true);
  });

  it('refuses compressed and oversized messages', async () => {
    const { address } = await start({ maxReceiveMessageBytes: 1024 });
    const compressed = await rawCall(address, '/test.Test/Echo', [framed(Buffer.from('x'), 1)]);
    expect(compressed.headers['grpc-status']).toBe(String(GrpcStatus.UNIMPLEMENTED));
    const oversized = await rawCall(address, '/test.Test/Echo', [framed(Buffer.alloc(2048))]);
    expect(oversized.headers['grpc-status']).toBe(String(GrpcStatus.RESOURCE_EXHAUSTED));
  });
});

describe('GrpcHttp2Server with GrpcHttp2Client', () => {
  it('answers unary calls and reports errors by code', async () => {
    const { address } = await start();
    const client = new GrpcHttp2Client(address);
    closers.push(() => client.close());
    expect((await client.call('/test.Test/Echo', Buffer.from('plain'))).toString()).toBe('plain');
    const err = await failure(client.call('/test.Test/Fail', Buffer.from('x')));
    expect(err).toBeInstanceOf(GrpcCallError);
    expect((err as unknown as GrpcCallError).code).toBe(GrpcStatus.NOT_FOUND);
    expect((err as unknown as GrpcCallError).details).toBe('nicht gefunden: 100% – weg\n');
  });
});
