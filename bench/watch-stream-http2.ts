import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';

const FRAME_HEADER = 5;

export interface StreamEnd {
  /** grpc-status of the trailers; undefined when the stream broke without any. */
  code?: number;
  message: string;
}

/**
 * gRPC server-streaming calls on one node:http2 connection, as the watch step's client: each
 * length-prefixed message is handed over as bytes, with the time its last chunk arrived. grpc-js's
 * client stack costs more per message than the apiserver spends sending one, so 1,000 watches
 * through it measured the client's own queue more than the server; this is the wire protocol
 * alone, a real connection and real HTTP/2 streams.
 */
export class GrpcStreamsHttp2 {
  private readonly session: ClientHttp2Session;

  constructor(address: string) {
    this.session = connect(`http://${address}`, { settings: { enablePush: false } });
    // A broken connection ends each stream, which reports it through onEnd.
    this.session.on('error', () => undefined);
  }

  /** Opens one call; `onMessage` gets each message's bytes and receipt time, `onEnd` its status once. */
  open(path: string, request: Uint8Array, onMessage: (message: Buffer, at: number) => void, onEnd: (end: StreamEnd) => void, now: () => number): ClientHttp2Stream {
    const stream = this.session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: path,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      [constants.HTTP2_HEADER_TE]: 'trailers',
    });
    let pending: Buffer = Buffer.alloc(0);
    let ended = false;
    let status: StreamEnd | undefined;
    const end = (result: StreamEnd): void => {
      if (ended) return;
      ended = true;
      onEnd(result);
    };
    const statusOf = (headers: Record<string, unknown>): StreamEnd | undefined =>
      headers['grpc-status'] === undefined ? undefined : { code: Number(headers['grpc-status']), message: decodeURIComponent(String(headers['grpc-message'] ?? '')) };
    stream.on('response', (headers) => (status = statusOf(headers)));
    stream.on('trailers', (trailers) => (status = statusOf(trailers) ?? status));
    stream.on('data', (chunk: Buffer) => {
      const at = now();
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= FRAME_HEADER) {
        const length = pending.readUInt32BE(1);
        if (pending.length < FRAME_HEADER + length) break;
        onMessage(pending.subarray(FRAME_HEADER, FRAME_HEADER + length), at);
        pending = pending.subarray(FRAME_HEADER + length);
      }
    });
    stream.on('error', (err: Error) => end({ message: err.message }));
    stream.on('close', () => end(status ?? { message: 'stream closed without a status' }));
    const frame = Buffer.allocUnsafe(FRAME_HEADER + request.length);
    frame[0] = 0;
    frame.writeUInt32BE(request.length, 1);
    frame.set(request, FRAME_HEADER);
    stream.end(frame);
    return stream;
  }

  close(): void {
    this.session.destroy();
  }
}
