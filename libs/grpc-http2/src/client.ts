import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { decodeGrpcMessage, frameMessage, MESSAGE_HEADER, MessageDecoder, GrpcStatusError } from './grpc-frames';

/**
 * A failed call, shaped as grpc-js's ServiceError (code, details, metadata) and worded as
 * grpc-js words its errors ("14 UNAVAILABLE: ..."), since callers match both.
 */
export class GrpcCallError extends Error {
  override readonly name = 'GrpcCallError';
  constructor(
    readonly code: number,
    readonly details: string,
    readonly metadata: Metadata = new Metadata(),
  ) {
    super(`${code} ${GrpcStatus[code] ?? 'UNKNOWN'}: ${details}`);
  }
}

export interface CallOptions {
  /** Epoch milliseconds; sent as grpc-timeout and enforced here. None by default. */
  deadline?: number;
  /**
   * Wait (until the deadline) for a server that cannot be reached yet, as a component does across
   * an apiserver restart; false fails at once with UNAVAILABLE, as a CLI wants. Default false.
   */
  waitForReady?: boolean;
}

export interface GrpcHttp2ClientOptions {
  /** Ping an open connection this often, so a silently dead peer is noticed (default 20 s; 0 = never). */
  keepaliveTimeMs?: number;
  /** A ping unanswered this long closes the connection (default 10 s). */
  keepaliveTimeoutMs?: number;
  /** Reconnect back-off after a failed connect: first and longest wait (default 200 ms, 2 s). */
  initialReconnectBackoffMs?: number;
  maxReconnectBackoffMs?: number;
}

/** Per stream and per connection: a page of big objects comes in few round trips. */
const WINDOW = 16 * 1024 * 1024;
const GRPC_TIMEOUT_MAX_MS = 99_999_999;

/** Where a call's response goes: its bytes as they arrive, then its end (undefined for OK). */
interface CallSink {
  data(chunk: Buffer): void;
  end(err: GrpcCallError | undefined): void;
}

/** A call in progress. */
export interface CallHandle {
  /** Ends the call; its end reports CANCELLED. */
  cancel(): void;
}

export interface StreamHandlers {
  /** Each response message's bytes, in order. */
  message(bytes: Buffer): void;
  /** Once, when the stream ends: undefined when the server ended it with OK. */
  end(err: GrpcCallError | undefined): void;
}

/** A streamed response message larger than this ends the stream with RESOURCE_EXHAUSTED (the API client's old grpc-js limit). */
const MAX_RESPONSE_MESSAGE = 256 * 1024 * 1024;

/**
 * gRPC unary and server-streaming calls over one plain HTTP/2 connection of node:http2, for
 * callers that encode their own messages. grpc-js's client stack (resolver, load balancer,
 * retries, interceptors, filters) costs a third of a millisecond per call, more than node's HTTP/2
 * itself; this is the protocol alone: a POST with the length-prefixed request, the response
 * messages, and grpc-status (plus any metadata, `-bin` keys decoded) in the trailers.
 *
 * The connection opens on first use and again after it breaks. A call that was never sent because
 * the server could not be reached is retried after a back-off when it may wait for the server
 * (waitForReady) and its deadline allows; a call in flight on a connection that breaks fails with
 * UNAVAILABLE, as grpc-js fails it, except that a stream the server certainly did not process
 * (refused, or past the last stream of its GOAWAY when it shuts down) is sent once more on a new
 * connection, as grpc-js's transparent retry does.
 */
export class GrpcHttp2Client {
  private session: ClientHttp2Session | undefined;
  /** Sessions the server has answered: a request on any other was never processed. */
  private readonly connected = new WeakSet<ClientHttp2Session>();
  /** From each GOAWAY: streams above this id were not processed, and may be sent again. */
  private readonly lastProcessed = new WeakMap<ClientHttp2Session, number>();
  private closed = false;
  private inFlight = 0;
  private backoffMs: number;
  /** After a failed connect: no new attempt before this time (epoch ms). */
  private retryAt = 0;
  private lastConnectError: string | undefined;
  private readonly keepaliveTimeMs: number;
  private readonly keepaliveTimeoutMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly address: string,
    options: GrpcHttp2ClientOptions = {},
  ) {
    this.keepaliveTimeMs = options.keepaliveTimeMs ?? 20_000;
    this.keepaliveTimeoutMs = options.keepaliveTimeoutMs ?? 10_000;
    this.initialBackoffMs = options.initialReconnectBackoffMs ?? 200;
    this.maxBackoffMs = options.maxReconnectBackoffMs ?? 2000;
    this.backoffMs = this.initialBackoffMs;
  }

  private connection(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(`http://${this.address}`, {
      settings: { initialWindowSize: WINDOW, enablePush: false },
      // Big list pages are read while more are in flight; the default (10 MB) refuses new
      // streams when their buffered data passes it.
      maxSessionMemory: 256,
    });
    this.session = session;
    // The server's SETTINGS, not the TCP connect, say a gRPC server is there (as grpc-js decides).
    session.once('remoteSettings', () => {
      this.connected.add(session);
      if (this.session !== session) return;
      this.backoffMs = this.initialBackoffMs;
      session.setLocalWindowSize(WINDOW);
      this.keepAlive(session);
    });
    const forget = (): void => {
      if (this.session !== session) return;
      if (!this.connected.has(session)) {
        // The connect failed: hold new attempts back, growing the wait up to its cap.
        this.retryAt = Date.now() + this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
      }
      this.session = undefined;
    };
    // The error reaches each stream in flight, which settles its call; the next call reconnects.
    session.on('error', (err: Error) => {
      if (!this.connected.has(session)) this.lastConnectError = err.message;
      forget();
    });
    session.on('goaway', (_code: number, lastStreamID: number) => {
      this.lastProcessed.set(session, lastStreamID);
      forget();
    });
    session.on('close', forget);
    // Only calls in flight keep the process alive, as with grpc-js.
    if (this.inFlight === 0) session.unref();
    return session;
  }

  /** Pings the session while it is open; a ping unanswered in time destroys it. */
  private keepAlive(session: ClientHttp2Session): void {
    if (this.keepaliveTimeMs <= 0) return;
    const interval = setInterval(() => {
      if (session.closed || session.destroyed) return;
      const timeout = setTimeout(() => session.destroy(new Error('keepalive ping timed out')), this.keepaliveTimeoutMs);
      timeout.unref();
      const sent = session.ping((err) => {
        clearTimeout(timeout);
        if (err && !session.destroyed) session.destroy(err);
      });
      if (!sent) clearTimeout(timeout);
    }, this.keepaliveTimeMs);
    interval.unref();
    session.once('close', () => clearInterval(interval));
  }

  /** One unary call of `path` (`/package.Service/Method`) with an encoded request; resolves with the encoded response. */
  call(path: string, request: Uint8Array, options: CallOptions = {}): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let received = 0;
      this.start(path, frameMessage(request), options, {
        data: (chunk) => {
          chunks.push(chunk);
          received += chunk.length;
        },
        end: (err) => {
          if (err) return reject(err);
          const message = readSingleMessage(chunks, received);
          if (message) resolve(message);
          else reject(new GrpcCallError(GrpcStatus.INTERNAL, 'response is not one uncompressed gRPC message'));
        },
      });
    });
  }

  /** A server-streaming call: `handlers.message` gets each response message, `handlers.end` its end. */
  serverStream(path: string, request: Uint8Array, handlers: StreamHandlers, options: CallOptions = {}): CallHandle {
    const decoder = new MessageDecoder(MAX_RESPONSE_MESSAGE);
    let broken: GrpcCallError | undefined;
    const handle = this.start(path, frameMessage(request), options, {
      data: (chunk) => {
        if (broken) return;
        try {
          decoder.push(chunk, handlers.message);
        } catch (err) {
          const status = err instanceof GrpcStatusError ? err : new GrpcStatusError(GrpcStatus.INTERNAL, String(err));
          broken = new GrpcCallError(status.code, status.details);
          handle.cancel();
        }
      },
      end: (err) => {
        if (broken) handlers.end(broken);
        else if (!err && decoder.partial) handlers.end(new GrpcCallError(GrpcStatus.INTERNAL, 'the stream ended inside a message'));
        else handlers.end(err);
      },
    });
    return handle;
  }

  /**
   * Starts a call: sends it when a connection is there (or once one comes up, for a call that
   * may wait), enforces its deadline, and reports its end to the sink exactly once.
   */
  private start(path: string, frame: Buffer, options: CallOptions, sink: CallSink): CallHandle {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    let current: ClientHttp2Stream | undefined;
    const settle = (err: GrpcCallError | undefined): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      this.inFlight--;
      if (this.inFlight === 0) this.session?.unref();
      sink.end(err);
    };
    const abort = (err: GrpcCallError): void => {
      if (settled) return;
      current?.close(constants.NGHTTP2_CANCEL);
      settle(err);
    };
    const handle: CallHandle = { cancel: () => abort(new GrpcCallError(GrpcStatus.CANCELLED, 'Cancelled on client')) };
    this.inFlight++;
    if (this.inFlight === 1) this.session?.ref();
    if (this.closed) {
      // Reported after the caller has its handle, as every other end is.
      queueMicrotask(() => settle(new GrpcCallError(GrpcStatus.UNAVAILABLE, 'Channel has been shut down')));
      return handle;
    }
    if (options.deadline !== undefined) {
      const left = options.deadline - Date.now();
      if (left <= 0) {
        queueMicrotask(() => settle(new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')));
        return handle;
      }
      timer = setTimeout(() => abort(new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')), left);
    }
    let refusedRetries = 1;
    const attempt = (): void => {
      if (settled) return;
      if (this.closed) {
        settle(new GrpcCallError(GrpcStatus.UNAVAILABLE, 'Channel has been shut down'));
        return;
      }
      const wait = this.session ? 0 : this.retryAt - Date.now();
      if (wait > 0) {
        if (!options.waitForReady) {
          settle(new GrpcCallError(GrpcStatus.UNAVAILABLE, `No connection established to ${this.address}. Last error: ${this.lastConnectError ?? 'unknown'}`));
          return;
        }
        setTimeout(attempt, wait).unref();
        return;
      }
      current = this.send(path, frame, options.deadline, sink, settle, (unsent) => {
        if (unsent === 'unreachable' && options.waitForReady) attempt();
        else if (unsent === 'refused' && refusedRetries-- > 0) attempt();
        else return false;
        return true;
      });
    };
    attempt();
    return handle;
  }

  /**
   * Sends one request on the current connection. `retry` is asked first when the request never
   * reached the server (the connection never came up, or the server refused the stream
   * unprocessed); it returns false to let the failure settle the call.
   */
  private send(
    path: string,
    frame: Buffer,
    deadline: number | undefined,
    sink: CallSink,
    settle: (err: GrpcCallError | undefined) => void,
    retry: (unsent: 'unreachable' | 'refused') => boolean,
  ): ClientHttp2Stream | undefined {
    let session: ClientHttp2Session;
    let stream: ClientHttp2Stream;
    try {
      session = this.connection();
      const headers: Record<string, string> = {
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        [constants.HTTP2_HEADER_TE]: 'trailers',
      };
      if (deadline !== undefined) headers['grpc-timeout'] = `${Math.min(Math.max(1, deadline - Date.now()), GRPC_TIMEOUT_MAX_MS)}m`;
      stream = session.request(headers);
    } catch (err) {
      settle(new GrpcCallError(GrpcStatus.UNAVAILABLE, (err as Error).message));
      return undefined;
    }
    let headers: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    let failure: Error | undefined;
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (chunk: Buffer) => sink.data(chunk));
    stream.on('error', (err: Error) => (failure = err));
    stream.on('close', () => {
      // A trailers-only response carries grpc-status in its headers.
      const final = trailers?.['grpc-status'] !== undefined ? trailers : headers;
      const code = final?.['grpc-status'];
      if (code === undefined) {
        if (!headers) {
          if (!this.connected.has(session) && retry('unreachable')) return;
          if (this.unprocessed(session, stream) && retry('refused')) return;
        }
        const httpStatus = headers?.[constants.HTTP2_HEADER_STATUS];
        const details =
          httpStatus && Number(httpStatus) !== 200
            ? `Received HTTP status code ${httpStatus}`
            : !this.connected.has(session)
              ? `No connection established. Last error: ${failure?.message ?? 'connection closed'}`
              : (failure?.message ?? 'Connection dropped');
        settle(new GrpcCallError(GrpcStatus.UNAVAILABLE, details));
        return;
      }
      if (Number(code) !== GrpcStatus.OK) {
        settle(new GrpcCallError(Number(code), decodeGrpcMessage(final?.['grpc-message']), Metadata.fromHttp2Headers(final ?? {})));
        return;
      }
      settle(undefined);
    });
    stream.end(frame);
    return stream;
  }

  /** Whether the server certainly did not process the stream: never sent, refused, or past its GOAWAY. */
  private unprocessed(session: ClientHttp2Session, stream: ClientHttp2Stream): boolean {
    if (stream.id === undefined || stream.rstCode === constants.NGHTTP2_REFUSED_STREAM) return true;
    const last = this.lastProcessed.get(session);
    return last !== undefined && stream.id > last;
  }

  close(): void {
    this.closed = true;
    this.session?.destroy();
    this.session = undefined;
  }
}

/** The one uncompressed message a unary response holds, or undefined when it holds anything else. */
function readSingleMessage(chunks: readonly Buffer[], length: number): Buffer | undefined {
  const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
  if (body.length < MESSAGE_HEADER || body[0] !== 0 || body.readUInt32BE(1) !== body.length - MESSAGE_HEADER) return undefined;
  return body.subarray(MESSAGE_HEADER);
}
