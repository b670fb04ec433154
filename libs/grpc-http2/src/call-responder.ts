import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { statusTrailers, type CallStatus } from './grpc-frames';

function responseHeaders(): OutgoingHttpHeaders {
  return { [constants.HTTP2_HEADER_STATUS]: 200, [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc+proto' };
}

/**
 * The response side of one call on its HTTP/2 stream: headers before the first message, the
 * messages, and the status in trailers (or alone, trailers-only, when no message went out). It
 * also notices the end of the call from the other side: the client's RST_STREAM, the connection
 * dropping, or the grpc-timeout passing, which count as cancellation.
 */
export class CallResponder {
  /** The status went out, or the call was cancelled: nothing more is sent. */
  done = false;
  private cancelled = false;
  readonly deadline: number;
  private headersSent = false;
  private trailers: OutgoingHttpHeaders | undefined;
  private timer: NodeJS.Timeout | undefined;
  private drainWaiter: (() => void) | undefined;
  private metadataCache: Metadata | undefined;
  private cancelListener: (() => void) | undefined;

  constructor(
    readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
    timeoutMs: number | undefined,
  ) {
    this.deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(() => this.fail({ code: GrpcStatus.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }), timeoutMs);
    }
    stream.on('close', () => {
      if (this.timer) clearTimeout(this.timer);
      if (!this.done) {
        this.done = true;
        this.cancel();
      }
      this.releaseDrainWaiter();
    });
  }

  /** Called once when the call is cancelled; the call object relays it as 'cancelled'. */
  onCancel(listener: () => void): void {
    this.cancelListener = listener;
  }

  private cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.cancelListener?.();
  }

  /** The request headers as grpc-js Metadata, made on first use: most handlers never look. */
  get metadata(): Metadata {
    return (this.metadataCache ??= Metadata.fromHttp2Headers(this.headers));
  }

  get peer(): string {
    const socket = this.stream.session?.socket;
    return socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
  }

  /** False once the call is over, or its stream is, though 'close' may not have come yet. */
  private get open(): boolean {
    return !this.done && !this.stream.destroyed && !this.stream.closed;
  }

  sendHeaders(metadata?: Metadata): void {
    if (this.open) this.respondHeaders(metadata);
  }

  private respondHeaders(metadata?: Metadata): void {
    if (this.headersSent) return;
    this.headersSent = true;
    const headers = responseHeaders();
    if (metadata) Object.assign(headers, metadata.toHttp2Headers());
    this.stream.respond(headers, { waitForTrailers: true });
    this.stream.once('wantTrailers', () => this.stream.sendTrailers(this.trailers ?? { 'grpc-status': String(GrpcStatus.OK) }));
  }

  /**
   * Sends one framed message; `written` runs once the stream can take more, at once or after
   * 'drain', so a writer waiting on it follows HTTP/2 flow control. Dropped once the call is over.
   */
  sendMessage(frame: Buffer, written?: () => void): void {
    if (!this.open) {
      written?.();
      return;
    }
    this.respondHeaders();
    if (this.stream.write(frame) || !written) {
      written?.();
      return;
    }
    this.drainWaiter = written;
    this.stream.once('drain', () => this.releaseDrainWaiter());
  }

  private releaseDrainWaiter(): void {
    const waiter = this.drainWaiter;
    this.drainWaiter = undefined;
    waiter?.();
  }

  /** Ends the call with an error status and tells the handler, as for a deadline. */
  fail(status: CallStatus): void {
    this.finish(status);
    this.cancel();
  }

  /** Resets the stream without a status; the client sees CANCELLED. */
  abort(): void {
    if (!this.open) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.stream.close(constants.NGHTTP2_CANCEL);
  }

  /** Ends the call with `status`, after the messages already sent. */
  finish(status: CallStatus, lastFrame?: Buffer): void {
    if (!this.open) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.headersSent && lastFrame === undefined) {
      // Trailers-only: the status rides in the one HEADERS frame.
      this.headersSent = true;
      this.stream.respond({ ...responseHeaders(), ...statusTrailers(status) }, { endStream: true });
    } else {
      this.trailers = status.code === GrpcStatus.OK && !status.metadata ? undefined : statusTrailers(status);
      this.respondHeaders();
      if (lastFrame) this.stream.end(lastFrame);
      else this.stream.end();
    }
    // The request may still be arriving (a refused call, a server stream that ended first);
    // it is read and dropped so the flow-control window does not stall the connection.
    this.stream.resume();
  }
}
