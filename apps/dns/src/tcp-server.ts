/**
 * DNS over TCP (RFC 1035 §4.2.2, RFC 7766): each message is preceded by its length as two
 * bytes. A connection may carry many queries; answers are written as each is ready, so they may
 * come back out of order, which RFC 7766 allows (clients match them by ID).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '@minik8s/logging';
import type { QueryHandler } from './udp-server';

/** Calls `onFrame` for every length-prefixed message arriving on `socket`. */
export function readFrames(socket: Socket, onFrame: (frame: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const frame = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      onFrame(frame);
    }
  });
}

export function frame(message: Buffer): Buffer {
  if (message.length > 0xffff) throw new Error('DNS message longer than 65535 bytes');
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
}

export interface TcpServerOptions {
  host: string;
  port: number;
  handler: QueryHandler;
  logger?: Logger;
  /** A connection with no query in flight is closed after this long (RFC 7766 suggests seconds). */
  idleTimeoutMs?: number;
}

export interface TcpDnsServer {
  readonly port: number;
  close(): Promise<void>;
}

export function startTcpServer(options: TcpServerOptions): Promise<TcpDnsServer> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) => options.logger?.debug({ err: err.message }, 'DNS TCP connection failed'));
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs, () => {
      if (inFlight === 0) socket.end();
    });
    let inFlight = 0;
    const remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    readFrames(socket, (query) => {
      inFlight++;
      options
        .handler(Buffer.from(query), 'tcp', remote)
        .then((answer) => {
          if (answer && !socket.destroyed) socket.write(frame(answer));
        })
        .catch((err: unknown) => options.logger?.error({ err }, 'DNS TCP query failed'))
        .finally(() => inFlight--);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      server.on('error', (err) => options.logger?.error({ err }, 'DNS TCP server error'));
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : options.port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
