/**
 * Turns one query into its answer: names in the cluster zone are answered from the caches
 * (authoritatively, NXDOMAIN with the zone's SOA for names that do not exist), reverse lookups
 * of cluster addresses get PTR records, and everything else goes to the upstream nameservers.
 */
import type { Logger } from '@minik8s/logging';
import {
  CLASSIC_UDP_SIZE,
  HEADER_SIZE,
  Opcode,
  RRClass,
  RRType,
  Rcode,
  canonicalName,
  decodeMessage,
  emptyFlags,
  encodeMessage,
  typeName,
  type DnsMessage,
  type Edns,
  type ResourceRecord,
} from './dns-message';
import type { Forwarding, Transport } from './forwarder';
import { ipFromReverseName, lookupZone, reverseTargets, soaRecord, type ClusterView } from './records';

/** The most this server puts in one UDP answer, whatever size a client advertises. */
export const MAX_UDP_SIZE = 4096;
/** How many CNAMEs inside the zone are followed before giving up. */
const MAX_CNAME_CHAIN = 8;

export interface ResolverOptions {
  /** The cluster domain: `cluster.local`. */
  zone: string;
  ttl: number;
  view: ClusterView;
  /** Whether the caches hold a full list yet; until then the zone answers SERVFAIL. */
  ready: () => boolean;
  /** Where names outside the zone go; without it they get SERVFAIL. */
  forwarder?: Forwarding;
  logger?: Logger;
  /** The SOA serial; defaults to the start time in seconds. */
  serial?: number;
}

/** The largest answer a query's sender accepts over UDP. */
export function udpLimit(query: DnsMessage): number {
  if (!query.edns) return CLASSIC_UDP_SIZE;
  return Math.min(Math.max(query.edns.udpSize, CLASSIC_UDP_SIZE), MAX_UDP_SIZE);
}

export class Resolver {
  readonly zone: string;
  private readonly serial: number;

  constructor(private readonly options: ResolverOptions) {
    this.zone = canonicalName(options.zone);
    this.serial = options.serial ?? Math.floor(Date.now() / 1000) >>> 0;
  }

  /** Bytes in, bytes out; undefined when nothing should be sent back (a response, a runt). */
  async handle(bytes: Buffer, transport: Transport): Promise<Buffer | undefined> {
    if (bytes.length < HEADER_SIZE || (bytes[2] & 0x80) !== 0) return undefined;
    let query: DnsMessage;
    try {
      query = decodeMessage(bytes);
    } catch (err) {
      this.options.logger?.debug({ err: (err as Error).message }, 'malformed query');
      return formatError(bytes);
    }
    const limit = transport === 'udp' ? udpLimit(query) : 0xffff;
    const answer = await this.resolve(query, bytes, transport);
    if (!Buffer.isBuffer(answer)) return encodeMessage(answer, limit);
    if (answer.length <= limit) return answer;
    // An upstream answer too big for this client: say so, and let it ask again over TCP.
    const truncated = this.reply(query, Rcode.NOERROR);
    truncated.flags.tc = true;
    return encodeMessage(truncated, limit);
  }

  /** The answer to a parsed query: a message, or an upstream's raw answer. */
  async resolve(query: DnsMessage, bytes: Buffer, transport: Transport): Promise<DnsMessage | Buffer> {
    if (query.flags.opcode !== Opcode.QUERY) return this.reply(query, Rcode.NOTIMP);
    if (query.questions.length !== 1) return this.reply(query, Rcode.FORMERR);
    if (query.edns && query.edns.version > 0) return this.reply(query, Rcode.BADVERS);
    const question = query.questions[0];
    const name = canonicalName(question.name);
    const log = this.options.logger;
    log?.trace({ name, type: typeName(question.type), transport }, 'query');

    if (this.inZone(name)) {
      if (question.class !== RRClass.IN && question.class !== RRClass.ANY) return this.reply(query, Rcode.REFUSED);
      if (!this.options.ready()) return this.reply(query, Rcode.SERVFAIL);
      return this.answerZone(query, name, question.type);
    }
    const ip = ipFromReverseName(name);
    if (ip && question.class === RRClass.IN && this.options.ready()) {
      const targets = reverseTargets(this.options.view, ip, this.zone);
      if (targets.length > 0) {
        const answers: ResourceRecord[] =
          question.type === RRType.PTR || question.type === RRType.ANY
            ? targets.map((target) => ({ name: question.name, class: RRClass.IN, ttl: this.options.ttl, type: 'PTR', target }))
            : [];
        return this.reply(query, Rcode.NOERROR, { answers, aa: true });
      }
    }
    return this.forward(query, bytes, transport);
  }

  private inZone(name: string): boolean {
    return name === this.zone || name.endsWith(`.${this.zone}`);
  }

  private async answerZone(query: DnsMessage, name: string, qtype: number): Promise<DnsMessage> {
    const { view, ttl } = this.options;
    const answers: ResourceRecord[] = [];
    const additionals: ResourceRecord[] = [];
    let current = name;
    let rcode: number = Rcode.NOERROR;
    for (let hop = 0; ; hop++) {
      const found = lookupZone(view, current, qtype, { zone: this.zone, ttl });
      if (found.kind === 'nxdomain') {
        rcode = Rcode.NXDOMAIN;
        break;
      }
      answers.push(...found.answers);
      additionals.push(...found.additionals);
      const last = found.answers[found.answers.length - 1];
      if (!last || last.type !== 'CNAME' || qtype === RRType.CNAME || qtype === RRType.ANY) break;
      // An ExternalName: follow its CNAME, inside the zone here, outside through the upstreams.
      current = last.target;
      if (this.inZone(current)) {
        if (hop + 1 >= MAX_CNAME_CHAIN) break;
        continue;
      }
      const chased = await this.chase(current, qtype, query.edns);
      if (chased) {
        answers.push(...chased.answers);
        if (chased.rcode === Rcode.NXDOMAIN) rcode = Rcode.NXDOMAIN;
      }
      break;
    }
    // Answers to the asked name carry its spelling, as resolvers that randomize case expect.
    const asked = query.questions[0].name;
    for (const rr of answers) if (canonicalName(rr.name) === name) rr.name = asked;
    const authoritative = answers.length === 0 || rcode === Rcode.NXDOMAIN;
    return this.reply(query, rcode, {
      answers,
      additionals,
      authorities: authoritative ? [soaRecord(this.zone, ttl, this.serial)] : [],
      aa: true,
    });
  }

  private async chase(name: string, qtype: number, edns: Edns | undefined): Promise<{ answers: ResourceRecord[]; rcode: number } | undefined> {
    const forwarder = this.options.forwarder;
    if (!forwarder) return undefined;
    try {
      const upstream = await forwarder.query(name, qtype, edns && { ...edns, options: [] });
      return { answers: upstream.answers, rcode: upstream.rcode };
    } catch (err) {
      // The CNAME alone still lets the client resolve the target itself.
      this.options.logger?.debug({ name, err: (err as Error).message }, 'could not follow CNAME upstream');
      return undefined;
    }
  }

  private async forward(query: DnsMessage, bytes: Buffer, transport: Transport): Promise<DnsMessage | Buffer> {
    const forwarder = this.options.forwarder;
    if (!forwarder) return this.reply(query, Rcode.SERVFAIL);
    try {
      return await forwarder.forward(bytes, transport);
    } catch (err) {
      this.options.logger?.warn({ name: query.questions[0]?.name, err: (err as Error).message }, 'forwarding failed');
      return this.reply(query, Rcode.SERVFAIL);
    }
  }

  private reply(
    query: DnsMessage,
    rcode: number,
    body: { answers?: ResourceRecord[]; authorities?: ResourceRecord[]; additionals?: ResourceRecord[]; aa?: boolean } = {},
  ): DnsMessage {
    return {
      id: query.id,
      flags: {
        ...emptyFlags(),
        qr: true,
        opcode: query.flags.opcode,
        aa: body.aa ?? false,
        rd: query.flags.rd,
        ra: this.options.forwarder !== undefined,
        cd: query.flags.cd,
      },
      rcode,
      questions: query.flags.opcode === Opcode.QUERY ? query.questions : [],
      answers: body.answers ?? [],
      authorities: body.authorities ?? [],
      additionals: body.additionals ?? [],
      // EDNS0 answers EDNS0, with the UDP size this server will fill.
      edns: query.edns ? { udpSize: udpLimit(query), version: 0, dnssecOk: false, options: [] } : undefined,
    };
  }
}

/** FORMERR for a query that does not parse, echoing what its header says. */
function formatError(bytes: Buffer): Buffer {
  const out = Buffer.alloc(HEADER_SIZE);
  out.writeUInt16BE(bytes.readUInt16BE(0), 0);
  // QR, the opcode and RD copied, RCODE FORMERR; no sections.
  out.writeUInt16BE(0x8000 | (bytes.readUInt16BE(2) & 0x7900) | Rcode.FORMERR, 2);
  return out;
}
