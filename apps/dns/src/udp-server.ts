/** DNS over UDP: one datagram per query, one per answer. */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from '@minik8s/logging';
import type { Transport } from './forwarder';

export interface Remote {
  address: string;
  port: number;
}

/** Turns a query's bytes into the answer's bytes, or undefined to send nothing. */
export type QueryHandler = (query: Buffer, transport: Transport, remote: Remote) => Promise<Buffer | undefined>;

export interface UdpServerOptions {
  host: string;
  port: number;
  handler: QueryHandler;
  logger?: Logger;
}

export interface UdpDnsServer {
  readonly port: number;
  close(): Promise<void>;
}

export function startUdpServer(options: UdpServerOptions): Promise<UdpDnsServer> {
  const socket: Socket = createSocket({ type: isIP(options.host) === 6 ? 'udp6' : 'udp4' });
  socket.on('message', (query, rinfo) => {
    const remote = { address: rinfo.address, port: rinfo.port };
    options
      .handler(query, 'udp', remote)
      .then((answer) => {
        if (!answer) return;
        socket.send(answer, rinfo.port, rinfo.address, (err) => {
          if (err) options.logger?.debug({ err: err.message, remote }, 'DNS UDP answer not sent');
        });
      })
      .catch((err: unknown) => options.logger?.error({ err }, 'DNS UDP query failed'));
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject);
      socket.on('error', (err) => options.logger?.error({ err }, 'DNS UDP socket error'));
      resolve({
        port: socket.address().port,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
