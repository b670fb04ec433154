// Docker multiplexes stdout and stderr of a container without a TTY onto one connection: each
// frame is an 8-byte header (stream type, three zero bytes, big-endian payload length) and the
// payload. dockerode's demuxStream drops a frame split across chunks when the header itself is
// split, so the kubelet parses the frames itself.

export type DockerStream = 'stdout' | 'stderr';

export interface DockerFrame {
  stream: DockerStream;
  data: Buffer;
}

const HEADER = 8;

/** Splits a multiplexed Docker stream into frames, however the bytes arrive. */
export class DockerFrameParser {
  private pending: Buffer = Buffer.alloc(0);

  /** The whole frames completed by `chunk`; a partial frame waits for the next chunk. */
  push(chunk: Buffer): DockerFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: DockerFrame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER) {
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER < size) break;
      const type = this.pending[offset];
      const data = this.pending.subarray(offset + HEADER, offset + HEADER + size);
      // Type 0 is stdin echoed back; only with a TTY, where frames are not used. Treat as stdout.
      frames.push({ stream: type === 2 ? 'stderr' : 'stdout', data });
      offset += HEADER + size;
    }
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(offset);
    return frames;
  }

  /** Bytes of an unfinished frame still held. */
  get buffered(): number {
    return this.pending.length;
  }
}
