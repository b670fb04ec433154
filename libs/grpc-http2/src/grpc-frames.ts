import { Metadata, status as GrpcStatus, type ServerErrorResponse } from '@grpc/grpc-js';
import type { OutgoingHttpHeaders } from 'node:http2';

/** A gRPC message's prefix: a compressed flag byte and a big-endian length. */
export const MESSAGE_HEADER = 5;

/** A status to end a call with, as the handlers' errors carry it. */
export interface CallStatus {
  code: number;
  details: string;
  metadata?: Metadata;
}

/** A call that must end with a gRPC status other than OK, raised while reading its request. */
export class GrpcStatusError extends Error {
  override readonly name = 'GrpcStatusError';
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`${code} ${GrpcStatus[code] ?? 'UNKNOWN'}: ${details}`);
  }
}

/** One message with its length prefix, ready for a DATA frame. */
export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(MESSAGE_HEADER + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, MESSAGE_HEADER);
  return frame;
}

/**
 * Splits a request body into its length-prefixed messages, whatever the DATA frames' boundaries:
 * a message may span many frames and a frame may hold many messages. A message's bytes are joined
 * once, when its last frame arrives, so a large message costs one copy, not one per frame.
 */
export class MessageDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the pending data must reach before anything more can be decoded. */
  private needed = MESSAGE_HEADER;

  constructor(private readonly maxMessageBytes: number) {}

  /** True while part of a message is still to come. */
  get partial(): boolean {
    return this.pendingBytes > 0;
  }

  /** Feeds a chunk; calls `onMessage` for each message it completes. Throws GrpcStatusError. */
  push(chunk: Buffer, onMessage: (message: Buffer) => void): void {
    let buffer = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.needed) return;
      buffer = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let offset = 0;
    while (buffer.length - offset >= MESSAGE_HEADER) {
      const length = this.checkHeader(buffer, offset);
      const end = offset + MESSAGE_HEADER + length;
      if (end > buffer.length) break;
      onMessage(buffer.subarray(offset + MESSAGE_HEADER, end));
      offset = end;
    }
    if (offset < buffer.length) {
      const rest = offset === 0 ? buffer : buffer.subarray(offset);
      this.pending = [rest];
      this.pendingBytes = rest.length;
      this.needed = rest.length >= MESSAGE_HEADER ? MESSAGE_HEADER + rest.readUInt32BE(1) : MESSAGE_HEADER;
    } else {
      this.needed = MESSAGE_HEADER;
    }
  }

  private checkHeader(buffer: Buffer, offset: number): number {
    const flag = buffer[offset];
    // Clients here never compress, so no decompressor is offered; a compressed message is refused.
    if (flag === 1) throw new GrpcStatusError(GrpcStatus.UNIMPLEMENTED, 'compressed messages are not supported');
    if (flag !== 0) throw new GrpcStatusError(GrpcStatus.INTERNAL, `invalid message flag ${flag}`);
    const length = buffer.readUInt32BE(offset + 1);
    if (length > this.maxMessageBytes) {
      throw new GrpcStatusError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.maxMessageBytes})`);
    }
    return length;
  }
}

const TIMEOUT_UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The `grpc-timeout` header in milliseconds, or undefined when absent or malformed. */
export function parseTimeout(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * TIMEOUT_UNIT_MS[match[2]];
}

const PLAIN_MESSAGE = /^[\x20-\x24\x26-\x7e]*$/;

/** `grpc-message` as the spec wants it: bytes outside printable ASCII, and '%', percent-encoded. */
/** grpc-message as received: percent-decoded, or as it is when it does not decode. */
export function decodeGrpcMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function encodeGrpcMessage(text: string): string {
  if (PLAIN_MESSAGE.test(text)) return text;
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The status a handler's error stands for, read as grpc-js reads it. */
export function statusOf(err: unknown, trailer?: Metadata): CallStatus {
  const e = (err ?? {}) as Partial<ServerErrorResponse>;
  const code = typeof e.code === 'number' && Number.isInteger(e.code) && e.code >= 0 && e.code <= 16 ? e.code : GrpcStatus.UNKNOWN;
  const details = typeof e.details === 'string' ? e.details : typeof e.message === 'string' ? e.message : 'Unknown Error';
  const metadata = e.metadata instanceof Metadata ? e.metadata : trailer;
  return { code, details, metadata };
}

/** grpc-status, grpc-message and the status's metadata (`-bin` values base64) as trailers. */
export function statusTrailers(status: CallStatus): OutgoingHttpHeaders {
  const trailers: OutgoingHttpHeaders = status.metadata ? status.metadata.toHttp2Headers() : {};
  trailers['grpc-status'] = String(status.code);
  if (status.details) trailers['grpc-message'] = encodeGrpcMessage(status.details);
  return trailers;
}
