/**
 * Forwards queries outside the cluster zone to upstream nameservers, over the transport the
 * client used: the query goes out byte for byte (its EDNS0 OPT, and so the client's UDP size,
 * included) under a fresh ID, and the answer comes back under the client's ID.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import type { Logger } from '@minik8s/logging';
import { decodeMessage, encodeMessage, newQuery, type DnsMessage, type Edns } from './dns-message';
import { readFrames } from './tcp-server';

export type Transport = 'udp' | 'tcp';

export interface Upstream {
  host: string;
  port: number;
}

/** What the resolver needs from a forwarder; tests substitute their own. */
export interface Forwarding {
  /** Sends a client's query on; resolves to the upstream's answer under the client's ID. */
  forward(query: Buffer, transport: Transport): Promise<Buffer>;
  /** Asks upstream one question of its own (to follow an ExternalName's CNAME). */
  query(name: string, type: number, edns?: Edns): Promise<DnsMessage>;
}

/** Parses `1.1.1.1`, `1.1.1.1:53`, `[2001:db8::1]:53` or `2001:db8::1`. */
export function parseUpstream(text: string): Upstream {
  const s = text.trim().replace(/^(dns|udp):\/\//, '');
  let host = s;
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1];
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (isIP(s) !== 6) {
    const m = /^([^:]+):(\d+)$/.exec(s);
    if (m) {
      host = m[1];
      port = Number(m[2]);
    }
  }
  if (!isIP(host)) throw new Error(`upstream "${text}" is not an IP address (with an optional :port)`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`upstream "${text}" has a bad port`);
  return { host, port };
}

/** The `nameserver` lines of a resolv.conf. */
export function resolvConfNameservers(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const [key, value] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (key === 'nameserver' && value) out.push(value.replace(/%.*$/, ''));
  }
  return out;
}

export interface ForwarderOptions {
  /** How long one upstream gets to answer before the next is tried. */
  timeoutMs?: number;
  logger?: Logger;
}

/** Tries the upstreams in order until one answers. */
export class Forwarder implements Forwarding {
  private readonly timeoutMs: number;

  constructor(
    readonly upstreams: readonly Upstream[],
    private readonly options: ForwarderOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  async forward(query: Buffer, transport: Transport): Promise<Buffer> {
    if (query.length < 12) throw new Error('query shorter than a DNS header');
    if (this.upstreams.length === 0) throw new Error('no upstream nameservers');
    const clientId = query.readUInt16BE(0);
    let lastError: unknown;
    for (const upstream of this.upstreams) {
      const id = randomInt(0x10000);
      const out = Buffer.from(query);
      out.writeUInt16BE(id, 0);
      try {
        const answer = transport === 'udp' ? await this.udp(upstream, out, id) : await this.tcp(upstream, out, id);
        answer.writeUInt16BE(clientId, 0);
        return answer;
      } catch (err) {
        lastError = err;
        this.options.logger?.debug({ upstream: `${upstream.host}:${upstream.port}`, transport, err: (err as Error).message }, 'upstream failed');
      }
    }
    throw lastError instanceof Error ? lastError : new Error('every upstream failed');
  }

  async query(name: string, type: number, edns?: Edns): Promise<DnsMessage> {
    const id = randomInt(0x10000);
    const bytes = encodeMessage(newQuery(id, name, type, { edns }));
    let answer = decodeMessage(await this.forward(bytes, 'udp'));
    if (answer.flags.tc) answer = decodeMessage(await this.forward(bytes, 'tcp'));
    return answer;
  }

  private udp(upstream: Upstream, query: Buffer, id: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(isIP(upstream.host) === 6 ? 'udp6' : 'udp4');
      const done = (err: Error | undefined, answer?: Buffer): void => {
        clearTimeout(timer);
        socket.close();
        if (err) reject(err);
        else resolve(answer as Buffer);
      };
      const timer = setTimeout(() => done(new Error(`no answer from ${upstream.host}:${upstream.port} over UDP within ${this.timeoutMs}ms`)), this.timeoutMs);
      socket.on('error', (err) => done(err));
      socket.on('message', (msg, rinfo) => {
        // Only the upstream's answer to this ID counts; anything else is ignored.
        if (rinfo.port !== upstream.port || msg.length < 12 || msg.readUInt16BE(0) !== id || (msg[2] & 0x80) === 0) return;
        done(undefined, Buffer.from(msg));
      });
      socket.send(query, upstream.port, upstream.host, (err) => {
        if (err) done(err);
      });
    });
  }

  private tcp(upstream: Upstream, query: Buffer, id: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: upstream.host, port: upstream.port });
      let settled = false;
      const done = (err: Error | undefined, answer?: Buffer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (err) reject(err);
        else resolve(answer as Buffer);
      };
      const timer = setTimeout(() => done(new Error(`no answer from ${upstream.host}:${upstream.port} over TCP within ${this.timeoutMs}ms`)), this.timeoutMs);
      socket.on('error', (err) => done(err));
      socket.on('close', () => done(new Error(`${upstream.host}:${upstream.port} closed the connection without an answer`)));
      readFrames(socket, (frame) => {
        if (frame.length >= 12 && frame.readUInt16BE(0) === id) done(undefined, Buffer.from(frame));
      });
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(query.length);
      socket.write(Buffer.concat([prefix, query]));
    });
  }
}
