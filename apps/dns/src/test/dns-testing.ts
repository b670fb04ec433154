/**
 * Test helpers: a stub resolver that asks over UDP or TCP with this app's own codec, and a fake
 * upstream nameserver on loopback (tests never reach a real resolver).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { randomInt } from 'node:crypto';
import {
  CLASSIC_UDP_SIZE,
  RRClass,
  Rcode,
  canonicalName,
  decodeMessage,
  emptyFlags,
  encodeMessage,
  newQuery,
  typeCode,
  type DnsMessage,
  type Edns,
  type ResourceRecord,
} from '../dns-message';
import { frame, readFrames } from '../tcp-server';

export interface AskOptions {
  edns?: Edns;
  timeoutMs?: number;
  host?: string;
}

/** One question over UDP; resolves to the parsed answer and its bytes. */
export function askUdp(port: number, name: string, type: number, options: AskOptions = {}): Promise<{ message: DnsMessage; bytes: Buffer }> {
  const id = randomInt(0x10000);
  return sendUdp(port, encodeMessage(newQuery(id, name, type, { edns: options.edns })), options);
}

export function sendUdp(port: number, query: Buffer, options: AskOptions = {}): Promise<{ message: DnsMessage; bytes: Buffer }> {
  const id = query.readUInt16BE(0);
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP answer within ${options.timeoutMs ?? 2000}ms`));
    }, options.timeoutMs ?? 2000);
    socket.on('message', (msg) => {
      if (msg.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      socket.close();
      try {
        resolve({ message: decodeMessage(msg), bytes: Buffer.from(msg) });
      } catch (err) {
        reject(err);
      }
    });
    socket.send(query, port, options.host ?? '127.0.0.1');
  });
}

/** One question over TCP (length-prefixed). */
export function askTcp(port: number, name: string, type: number, options: AskOptions = {}): Promise<{ message: DnsMessage; bytes: Buffer }> {
  const id = randomInt(0x10000);
  return sendTcp(port, [encodeMessage(newQuery(id, name, type, { edns: options.edns }))], options).then((answers) => answers[0]);
}

/** Several queries down one TCP connection; resolves to their answers in the order sent. */
export function sendTcp(port: number, queries: Buffer[], options: AskOptions = {}): Promise<{ message: DnsMessage; bytes: Buffer }[]> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: options.host ?? '127.0.0.1', port });
    const answers = new Map<number, { message: DnsMessage; bytes: Buffer }>();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP answer within ${options.timeoutMs ?? 2000}ms`));
    }, options.timeoutMs ?? 2000);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    readFrames(socket, (bytes) => {
      const message = decodeMessage(Buffer.from(bytes));
      answers.set(message.id, { message, bytes: Buffer.from(bytes) });
      if (answers.size === queries.length) {
        clearTimeout(timer);
        socket.end();
        resolve(queries.map((q) => answers.get(q.readUInt16BE(0)) as { message: DnsMessage; bytes: Buffer }));
      }
    });
    socket.write(Buffer.concat(queries.map(frame)));
  });
}

/** An A record, as tests write expectations. */
export function a(name: string, address: string, ttl = 30): ResourceRecord {
  return { name, class: RRClass.IN, ttl, type: 'A', address };
}

/**
 * A nameserver on 127.0.0.1 (UDP and TCP on one port) answering from a fixed table, and over UDP
 * truncating to the asker's size as a real one does. Every query it gets is kept.
 */
export class FakeUpstream {
  readonly received: { transport: 'udp' | 'tcp'; bytes: Buffer; message: DnsMessage }[] = [];

  private constructor(
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    readonly port: number,
    private readonly records: ReadonlyMap<string, ResourceRecord[]>,
  ) {}

  static async start(records: ResourceRecord[]): Promise<FakeUpstream> {
    const table = new Map<string, ResourceRecord[]>();
    for (const rr of records) {
      const key = canonicalName(rr.name);
      table.set(key, [...(table.get(key) ?? []), rr]);
    }
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket('udp4');
      await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
      const port = udp.address().port;
      const tcp = createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, '127.0.0.1', () => resolve());
        });
      } catch (err) {
        udp.close();
        if (attempt > 10) throw err;
        continue;
      }
      const fake = new FakeUpstream(udp, tcp, port, table);
      fake.serve();
      return fake;
    }
  }

  private answer(query: DnsMessage): DnsMessage {
    const q = query.questions[0];
    const rrs = (this.records.get(canonicalName(q.name)) ?? []).filter((rr) => q.type === 255 || typeCode(rr) === q.type);
    const known = this.records.has(canonicalName(q.name));
    return {
      id: query.id,
      flags: { ...emptyFlags(), qr: true, rd: query.flags.rd, ra: true },
      rcode: known ? Rcode.NOERROR : Rcode.NXDOMAIN,
      questions: query.questions,
      answers: rrs.map((rr) => ({ ...rr, name: q.name })),
      authorities: [],
      additionals: [],
      edns: query.edns ? { udpSize: 4096, version: 0, dnssecOk: false, options: [] } : undefined,
    };
  }

  private serve(): void {
    this.udp.on('message', (bytes, rinfo) => {
      const message = decodeMessage(bytes);
      this.received.push({ transport: 'udp', bytes: Buffer.from(bytes), message });
      const limit = message.edns ? Math.max(message.edns.udpSize, CLASSIC_UDP_SIZE) : CLASSIC_UDP_SIZE;
      this.udp.send(encodeMessage(this.answer(message), limit), rinfo.port, rinfo.address);
    });
    this.tcp.on('connection', (socket) => {
      socket.on('error', () => undefined);
      readFrames(socket, (bytes) => {
        const message = decodeMessage(Buffer.from(bytes));
        this.received.push({ transport: 'tcp', bytes: Buffer.from(bytes), message });
        socket.write(frame(encodeMessage(this.answer(message))));
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }
}

