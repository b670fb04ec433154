import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { Metadata, status as GrpcStatus, type ServerUnaryCall } from '@grpc/grpc-js';
import type { CallResponder } from './call-responder';
import { frameMessage, MessageDecoder, statusOf } from './grpc-frames';

// The call objects handed to handlers have grpc-js's shapes (ServerUnaryCall, ServerWritableStream,
// ServerDuplexStream), so handlers written for a grpc-js Server run here unchanged.

type AuthContext = ReturnType<ServerUnaryCall<unknown, unknown>['getAuthContext']>;
type Deadline = ReturnType<ServerUnaryCall<unknown, unknown>['getDeadline']>;

/** What a handler may ask of a call that this server does not offer. */
export class UnsupportedCallFeatureError extends Error {
  override readonly name = 'UnsupportedCallFeatureError';
  constructor(feature: string) {
    super(`${feature} is not supported by the node:http2 gRPC server`);
  }
}

// Mixins need a constructor of any arguments (TS2545); only EventEmitter and Duplex are passed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EmitterClass = new (...args: any[]) => EventEmitter;

/** The parts of grpc-js's ServerSurfaceCall that are the same for every kind of call. */
function withCallSurface<TBase extends EmitterClass>(Base: TBase) {
  abstract class CallSurface extends Base {
    cancelled = false;
    protected abstract readonly responder: CallResponder;

    /** Relays the responder's cancellation as grpc-js does: the flag, then 'cancelled'. */
    protected relayCancel(): void {
      this.responder.onCancel(() => {
        this.cancelled = true;
        this.emit('cancelled', 'cancelled');
      });
    }

    get metadata(): Metadata {
      return this.responder.metadata;
    }

    getPeer(): string {
      return this.responder.peer;
    }

    sendMetadata(responseMetadata: Metadata): void {
      this.responder.sendHeaders(responseMetadata);
    }

    getDeadline(): Deadline {
      return this.responder.deadline;
    }

    getPath(): string {
      return String(this.responder.headers[':path']);
    }

    getHost(): string {
      return String(this.responder.headers[':authority'] ?? '');
    }

    getAuthContext(): AuthContext {
      return {};
    }

    getMetricsRecorder(): never {
      throw new UnsupportedCallFeatureError('ORCA per-request metrics');
    }
  }
  return CallSurface;
}

/** A unary call: the decoded request; the handler answers through its callback. */
export class UnaryCall<Req> extends withCallSurface(EventEmitter) {
  constructor(
    protected readonly responder: CallResponder,
    readonly request: Req,
  ) {
    super();
    this.relayCancel();
  }
}

/**
 * The writable half shared by server-streaming and bidi calls: each message written is serialized
 * and framed; write() returns false while HTTP/2 flow control holds messages back, and 'drain'
 * follows. end() (with optional trailing metadata) sends status OK; an 'error' emitted on the call,
 * or destroy(err), sends that error's status instead.
 */
abstract class StreamCall<Res> extends withCallSurface(Duplex) {
  private trailingMetadata: Metadata | undefined;

  constructor(
    protected readonly responder: CallResponder,
    private readonly serialize: (value: Res) => Buffer,
  ) {
    super({ objectMode: true });
    this.relayCancel();
    this.on('error', (err: unknown) => this.responder.finish(statusOf(err)));
  }

  override _write(chunk: Res, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let bytes: Buffer;
    try {
      bytes = this.serialize(chunk);
    } catch (err) {
      this.responder.fail({ code: GrpcStatus.INTERNAL, details: `Error serializing response: ${(err as Error).message}` });
      callback();
      return;
    }
    this.responder.sendMessage(frameMessage(bytes), () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.responder.finish({ code: GrpcStatus.OK, details: '', metadata: this.trailingMetadata });
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // Destroyed by the handler without an error and without end(): the client sees CANCELLED.
    if (!err) this.responder.abort();
    callback(err);
  }

  /** grpc-js's end: trailing metadata instead of a last chunk. */
  override end(metadataOrCallback?: unknown): this {
    if (metadataOrCallback instanceof Metadata) {
      this.trailingMetadata = metadataOrCallback;
      return super.end();
    }
    if (typeof metadataOrCallback === 'function') return super.end(metadataOrCallback as () => void);
    return metadataOrCallback === undefined ? super.end() : super.end(metadataOrCallback);
  }
}

/** A server-streaming call: the decoded request, and the writable stream of responses. */
export class ServerStreamCall<Req, Res> extends StreamCall<Res> {
  constructor(
    responder: CallResponder,
    serialize: (value: Res) => Buffer,
    readonly request: Req,
  ) {
    super(responder, serialize);
    // The request came whole before the handler ran; the readable half has nothing to give.
    this.push(null);
  }

  override _read(): void {}
}

/** A bidi call: requests decoded as they arrive (paused with the reader), responses as above. */
export class BidiCall<Req, Res> extends StreamCall<Res> {
  constructor(
    responder: CallResponder,
    serialize: (value: Res) => Buffer,
    private readonly deserialize: (bytes: Buffer) => Req,
    maxMessageBytes: number,
  ) {
    super(responder, serialize);
    const decoder = new MessageDecoder(maxMessageBytes);
    const stream = responder.stream;
    stream.on('data', (chunk: Buffer) => {
      if (responder.done) return;
      try {
        decoder.push(chunk, (message) => this.pushRequest(message));
      } catch (err) {
        responder.fail(statusOf(err));
      }
    });
    stream.on('end', () => {
      if (responder.done) return;
      if (decoder.partial) responder.fail({ code: GrpcStatus.INTERNAL, details: 'the request ended inside a message' });
      else this.push(null);
    });
  }

  private pushRequest(message: Buffer): void {
    if (this.responder.done) return;
    let request: Req;
    try {
      request = this.deserialize(message);
    } catch (err) {
      this.responder.fail({ code: GrpcStatus.INTERNAL, details: `Error deserializing request: ${(err as Error).message}` });
      return;
    }
    if (!this.push(request)) this.responder.stream.pause();
  }

  override _read(): void {
    this.responder.stream.resume();
  }
}
