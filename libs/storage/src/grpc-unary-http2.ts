import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';

/** A failed call, worded as grpc-js words its errors ("14 UNAVAILABLE: ..."), which callers match. */
export class GrpcCallError extends Error {
  override readonly name = 'GrpcCallError';
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`${code} ${GrpcStatus[code] ?? 'UNKNOWN'}: ${details}`);
  }
}

const FRAME_HEADER = 5;
/** Per stream and per connection: a page of big objects comes in few round trips. */
const WINDOW = 16 * 1024 * 1024;

function decodeGrpcMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * gRPC unary calls over one plain HTTP/2 connection of node:http2, for the few hot calls whose
 * messages the caller encodes itself. grpc-js's client stack (resolver, load balancer, retries,
 * interceptors) cost the apiserver about a fifth of a millisecond per etcd call; this is the
 * protocol alone: a POST with the length-prefixed message, the response message, and grpc-status
 * in the trailers. The connection is opened on first use and again after it breaks; calls in
 * flight on a broken connection fail with UNAVAILABLE, as grpc-js fails them.
 */
export class GrpcUnaryHttp2 {
  private session: ClientHttp2Session | undefined;
  private closed = false;

  constructor(private readonly address: string) {}

  private connection(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(`http://${this.address}`, {
      settings: { initialWindowSize: WINDOW, enablePush: false },
      // Big list pages are read while more are in flight; the default (10 MB) refuses new
      // streams when their buffered data passes it.
      maxSessionMemory: 256,
    });
    session.on('connect', () => session.setLocalWindowSize(WINDOW));
    const forget = (): void => {
      if (this.session === session) this.session = undefined;
    };
    // The error reaches each stream in flight, which rejects its call; the next call reconnects.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    this.session = session;
    return session;
  }

  call(path: string, request: Uint8Array): Promise<Buffer> {
    if (this.closed) return Promise.reject(new GrpcCallError(GrpcStatus.UNAVAILABLE, 'Channel has been shut down'));
    return new Promise<Buffer>((resolve, reject) => {
      let stream: ClientHttp2Stream;
      try {
        stream = this.connection().request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: path,
          [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
          [constants.HTTP2_HEADER_TE]: 'trailers',
        });
      } catch (err) {
        reject(new GrpcCallError(GrpcStatus.UNAVAILABLE, (err as Error).message));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      let headers: IncomingHttpHeaders | undefined;
      let trailers: IncomingHttpHeaders | undefined;
      let settled = false;
      const settle = (err: GrpcCallError | undefined, value?: Buffer): void => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve(value as Buffer);
      };
      stream.on('response', (h) => (headers = h));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
      });
      stream.on('error', (err: Error) => settle(new GrpcCallError(GrpcStatus.UNAVAILABLE, err.message)));
      stream.on('close', () => {
        // A trailers-only response carries grpc-status in its headers.
        const final = trailers?.['grpc-status'] !== undefined ? trailers : headers;
        const code = final?.['grpc-status'];
        if (code === undefined) {
          const httpStatus = headers?.[constants.HTTP2_HEADER_STATUS];
          settle(new GrpcCallError(GrpcStatus.UNAVAILABLE, httpStatus ? `Received HTTP status code ${httpStatus}` : 'Connection dropped'));
          return;
        }
        if (Number(code) !== GrpcStatus.OK) {
          settle(new GrpcCallError(Number(code), decodeGrpcMessage(final?.['grpc-message'])));
          return;
        }
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
        if (body.length < FRAME_HEADER || body[0] !== 0 || body.readUInt32BE(1) !== body.length - FRAME_HEADER) {
          settle(new GrpcCallError(GrpcStatus.INTERNAL, 'response is not one uncompressed gRPC message'));
          return;
        }
        settle(undefined, body.subarray(FRAME_HEADER));
      });
      const frame = Buffer.allocUnsafe(FRAME_HEADER + request.length);
      frame[0] = 0;
      frame.writeUInt32BE(request.length, 1);
      frame.set(request, FRAME_HEADER);
      stream.end(frame);
    });
  }

  close(): void {
    this.closed = true;
    this.session?.destroy();
    this.session = undefined;
  }
}
