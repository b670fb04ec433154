/**
 * The DNS wire format (RFC 1035, with RFC 2782 SRV, RFC 3596 AAAA and RFC 6891 EDNS0):
 * messages parsed into plain objects and serialized back, with name compression.
 *
 * Names are dotted strings without the trailing dot ("" is the root). Label bytes that are not
 * printable, and dots or backslashes inside a label, are written as `\DDD` / `\.` / `\\`, the
 * presentation format of RFC 1035 §5.1.
 */
import { isIPv4, isIPv6 } from 'node:net';

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  ANY: 255,
} as const;

export const RRClass = { IN: 1, CH: 3, ANY: 255 } as const;

export const Opcode = { QUERY: 0 } as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

/** The largest UDP answer a client without EDNS0 accepts (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;
export const HEADER_SIZE = 12;
const MAX_NAME_LENGTH = 255;
const MAX_LABEL_LENGTH = 63;
const MAX_POINTER_OFFSET = 0x3fff;

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** The record's type and its RDATA; `RAW` keeps types this codec does not model as bytes. */
export type RecordData =
  | { type: 'A'; address: string }
  | { type: 'AAAA'; address: string }
  | { type: 'NS' | 'CNAME' | 'PTR'; target: string }
  | ({ type: 'SOA' } & SoaData)
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { type: 'MX'; preference: number; exchange: string }
  | { type: 'TXT'; texts: string[] }
  | { type: 'RAW'; code: number; rdata: Buffer };

export type ResourceRecord = { name: string; class: number; ttl: number } & RecordData;

export interface EdnsOption {
  code: number;
  data: Buffer;
}

/** The OPT pseudo-record of EDNS0, kept apart from the additional section. */
export interface Edns {
  udpSize: number;
  version: number;
  dnssecOk: boolean;
  options: EdnsOption[];
}

export interface DnsFlags {
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
}

export interface DnsMessage {
  id: number;
  flags: DnsFlags;
  /** The full response code: the header's four bits plus, with EDNS0, the OPT record's upper eight. */
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  edns?: Edns;
}

/** A message that does not follow the wire format. */
export class DnsFormatError extends Error {
  override readonly name = 'DnsFormatError';
}

const TYPE_CODES: Readonly<Record<Exclude<RecordData['type'], 'RAW'>, number>> = {
  A: RRType.A,
  AAAA: RRType.AAAA,
  NS: RRType.NS,
  CNAME: RRType.CNAME,
  PTR: RRType.PTR,
  SOA: RRType.SOA,
  SRV: RRType.SRV,
  MX: RRType.MX,
  TXT: RRType.TXT,
};

/** The numeric type of a record. */
export function typeCode(rr: RecordData): number {
  return rr.type === 'RAW' ? rr.code : TYPE_CODES[rr.type];
}

const TYPE_NAMES = new Map<number, string>(Object.entries(RRType).map(([name, code]) => [code, name]));

/** "A", "SRV", or "TYPE65" for types without a name here (RFC 3597). */
export function typeName(code: number): string {
  return TYPE_NAMES.get(code) ?? `TYPE${code}`;
}

export function emptyFlags(): DnsFlags {
  return { qr: false, opcode: Opcode.QUERY, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false };
}

/** A one-question query, as a stub resolver sends it. */
export function newQuery(id: number, name: string, type: number, options: { rd?: boolean; edns?: Edns } = {}): DnsMessage {
  return {
    id,
    flags: { ...emptyFlags(), rd: options.rd ?? true },
    rcode: Rcode.NOERROR,
    questions: [{ name, type, class: RRClass.IN }],
    answers: [],
    authorities: [],
    additionals: [],
    edns: options.edns,
  };
}

// ---------------------------------------------------------------------------------------------
// Names

function escapeLabel(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b > 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString().padStart(3, '0')}`;
  }
  return out;
}

/** Splits a presentation-format name into its label bytes, honouring `\.` and `\DDD`. */
export function nameToLabels(name: string): Buffer[] {
  if (name === '' || name === '.') return [];
  const labels: Buffer[] = [];
  let current: number[] = [];
  const end = name.endsWith('.') && !name.endsWith('\\.') ? name.length - 1 : name.length;
  for (let i = 0; i < end; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5c) {
      const digits = name.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        const value = Number(digits);
        if (value > 255) throw new DnsFormatError(`bad escape in name "${name}"`);
        current.push(value);
        i += 3;
      } else if (i + 1 < end) {
        current.push(name.charCodeAt(++i));
      } else {
        throw new DnsFormatError(`bad escape in name "${name}"`);
      }
    } else if (c === 0x2e) {
      if (current.length === 0) throw new DnsFormatError(`empty label in name "${name}"`);
      labels.push(Buffer.from(current));
      current = [];
    } else {
      if (c > 0xff) throw new DnsFormatError(`name "${name}" is not ASCII`);
      current.push(c);
    }
  }
  if (current.length === 0) throw new DnsFormatError(`empty label in name "${name}"`);
  labels.push(Buffer.from(current));
  for (const label of labels) {
    if (label.length > MAX_LABEL_LENGTH) throw new DnsFormatError(`label longer than ${MAX_LABEL_LENGTH} bytes in "${name}"`);
  }
  if (labels.reduce((n, l) => n + l.length + 1, 1) > MAX_NAME_LENGTH) throw new DnsFormatError(`name longer than ${MAX_NAME_LENGTH} bytes: "${name}"`);
  return labels;
}

/** The canonical (lower-case, no trailing dot) form used for lookups; DNS names ignore ASCII case. */
export function canonicalName(name: string): string {
  const lower = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return lower.endsWith('.') && !lower.endsWith('\\.') ? lower.slice(0, -1) : lower;
}

function readName(buf: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let offset = start;
  let next = -1;
  let length = 1;
  let jumps = 0;
  for (;;) {
    if (offset >= buf.length) throw new DnsFormatError('name runs past the end of the message');
    const len = buf[offset];
    if ((len & 0xc0) === 0xc0) {
      if (offset + 1 >= buf.length) throw new DnsFormatError('compression pointer runs past the end of the message');
      const target = ((len & 0x3f) << 8) | buf[offset + 1];
      if (next < 0) next = offset + 2;
      // A pointer must point backwards; bounding the jumps also stops loops.
      if (target >= offset || ++jumps > 64) throw new DnsFormatError('bad compression pointer');
      offset = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsFormatError(`unsupported label type 0x${len.toString(16)}`);
    if (len === 0) {
      if (next < 0) next = offset + 1;
      break;
    }
    if (offset + 1 + len > buf.length) throw new DnsFormatError('label runs past the end of the message');
    length += len + 1;
    if (length > MAX_NAME_LENGTH) throw new DnsFormatError(`name longer than ${MAX_NAME_LENGTH} bytes`);
    labels.push(escapeLabel(buf.subarray(offset + 1, offset + 1 + len)));
    offset += 1 + len;
  }
  return { name: labels.join('.'), next };
}

// ---------------------------------------------------------------------------------------------
// Parsing

class Reader {
  constructor(
    readonly buf: Buffer,
    public offset = 0,
  ) {}

  need(n: number, what: string): void {
    if (this.offset + n > this.buf.length) throw new DnsFormatError(`message too short for ${what}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.offset++];
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const v = Buffer.from(this.buf.subarray(this.offset, this.offset + n));
    this.offset += n;
    return v;
  }
  name(): string {
    const { name, next } = readName(this.buf, this.offset);
    this.offset = next;
    return name;
  }
}

function parseRdata(r: Reader, type: number, rdlength: number): RecordData {
  const end = r.offset + rdlength;
  r.need(rdlength, 'RDATA');
  const check = (): void => {
    if (r.offset !== end) throw new DnsFormatError(`RDATA of type ${typeName(type)} has the wrong length`);
  };
  let data: RecordData;
  switch (type) {
    case RRType.A:
      if (rdlength !== 4) throw new DnsFormatError('A record with RDLENGTH other than 4');
      data = { type: 'A', address: [...r.bytes(4, 'A')].join('.') };
      break;
    case RRType.AAAA: {
      if (rdlength !== 16) throw new DnsFormatError('AAAA record with RDLENGTH other than 16');
      const b = r.bytes(16, 'AAAA');
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
      data = { type: 'AAAA', address: compressIPv6(groups) };
      break;
    }
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      data = { type: type === RRType.NS ? 'NS' : type === RRType.CNAME ? 'CNAME' : 'PTR', target: r.name() };
      break;
    case RRType.SOA:
      data = { type: 'SOA', mname: r.name(), rname: r.name(), serial: r.u32('SOA'), refresh: r.u32('SOA'), retry: r.u32('SOA'), expire: r.u32('SOA'), minimum: r.u32('SOA') };
      break;
    case RRType.SRV:
      data = { type: 'SRV', priority: r.u16('SRV'), weight: r.u16('SRV'), port: r.u16('SRV'), target: r.name() };
      break;
    case RRType.MX:
      data = { type: 'MX', preference: r.u16('MX'), exchange: r.name() };
      break;
    case RRType.TXT: {
      const texts: string[] = [];
      while (r.offset < end) texts.push(r.bytes(r.u8('TXT'), 'TXT').toString('latin1'));
      data = { type: 'TXT', texts };
      break;
    }
    default:
      data = { type: 'RAW', code: type, rdata: r.bytes(rdlength, 'RDATA') };
  }
  check();
  return data;
}

function compressIPv6(groups: string[]): string {
  // The longest run of two or more zero groups becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** Parses one message; throws DnsFormatError when it does not follow the wire format. */
export function decodeMessage(buf: Buffer): DnsMessage {
  if (buf.length < HEADER_SIZE) throw new DnsFormatError('message shorter than its header');
  const r = new Reader(buf);
  const id = r.u16('header');
  const bits = r.u16('header');
  const counts = [r.u16('header'), r.u16('header'), r.u16('header'), r.u16('header')];
  const flags: DnsFlags = {
    qr: (bits & 0x8000) !== 0,
    opcode: (bits >> 11) & 0xf,
    aa: (bits & 0x0400) !== 0,
    tc: (bits & 0x0200) !== 0,
    rd: (bits & 0x0100) !== 0,
    ra: (bits & 0x0080) !== 0,
    ad: (bits & 0x0020) !== 0,
    cd: (bits & 0x0010) !== 0,
  };
  const message: DnsMessage = { id, flags, rcode: bits & 0xf, questions: [], answers: [], authorities: [], additionals: [] };
  for (let i = 0; i < counts[0]; i++) {
    message.questions.push({ name: r.name(), type: r.u16('question'), class: r.u16('question') });
  }
  const sections = [message.answers, message.authorities, message.additionals];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const name = r.name();
      const type = r.u16('record');
      const klass = r.u16('record');
      const ttl = r.u32('record');
      const rdlength = r.u16('record');
      if (type === RRType.OPT) {
        if (s !== 2 || message.edns || name !== '') throw new DnsFormatError('misplaced or repeated OPT record');
        const options: EdnsOption[] = [];
        const end = r.offset + rdlength;
        r.need(rdlength, 'OPT');
        while (r.offset < end) {
          const code = r.u16('OPT option');
          options.push({ code, data: r.bytes(r.u16('OPT option'), 'OPT option') });
        }
        if (r.offset !== end) throw new DnsFormatError('OPT options overrun the record');
        message.rcode |= (ttl >>> 24) << 4;
        message.edns = { udpSize: klass, version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & 0x8000) !== 0, options };
        continue;
      }
      sections[s].push({ name, class: klass, ttl, ...parseRdata(r, type, rdlength) } as ResourceRecord);
    }
  }
  return message;
}

// ---------------------------------------------------------------------------------------------
// Serializing

class Writer {
  private buf = Buffer.alloc(512);
  length = 0;
  /** Canonical name suffix → offset of its first label, for compression. */
  private readonly names = new Map<string, number>();

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }
  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v & 0xffff, at);
  }
  name(name: string, compress: boolean): void {
    const labels = nameToLabels(name);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).map((l) => l.toString('latin1').toLowerCase()).join('.');
      const known = compress ? this.names.get(suffix) : undefined;
      if (known !== undefined) {
        this.u16(0xc000 | known);
        return;
      }
      // Names inside RDATA that must not be compressed may still be pointed at.
      if (this.length <= MAX_POINTER_OFFSET && !this.names.has(suffix)) this.names.set(suffix, this.length);
      this.u8(labels[i].length);
      this.bytes(labels[i]);
    }
    this.u8(0);
  }
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

function writeAddress(w: Writer, address: string, family: 4 | 6): void {
  if (family === 4) {
    if (!isIPv4(address)) throw new DnsFormatError(`"${address}" is not an IPv4 address`);
    for (const part of address.split('.')) w.u8(Number(part));
    return;
  }
  if (!isIPv6(address)) throw new DnsFormatError(`"${address}" is not an IPv6 address`);
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const p = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  for (const g of groups) w.u16(parseInt(g, 16));
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name, true);
  w.u16(typeCode(rr));
  w.u16(rr.class);
  w.u32(rr.ttl);
  const lengthAt = w.length;
  w.u16(0);
  const start = w.length;
  switch (rr.type) {
    case 'A':
      writeAddress(w, rr.address, 4);
      break;
    case 'AAAA':
      writeAddress(w, rr.address, 6);
      break;
    case 'NS':
    case 'CNAME':
    case 'PTR':
      w.name(rr.target, true);
      break;
    case 'SOA':
      w.name(rr.mname, true);
      w.name(rr.rname, true);
      for (const v of [rr.serial, rr.refresh, rr.retry, rr.expire, rr.minimum]) w.u32(v);
      break;
    case 'SRV':
      w.u16(rr.priority);
      w.u16(rr.weight);
      w.u16(rr.port);
      // RFC 2782: the target is never compressed.
      w.name(rr.target, false);
      break;
    case 'MX':
      w.u16(rr.preference);
      w.name(rr.exchange, true);
      break;
    case 'TXT':
      for (const text of rr.texts) {
        const b = Buffer.from(text, 'latin1');
        if (b.length > 255) throw new DnsFormatError('TXT string longer than 255 bytes');
        w.u8(b.length);
        w.bytes(b);
      }
      break;
    case 'RAW':
      w.bytes(rr.rdata);
      break;
  }
  w.setU16(lengthAt, w.length - start);
}

function encodeOpt(edns: Edns, rcode: number): Buffer {
  const w = new Writer();
  w.u8(0); // the root name
  w.u16(RRType.OPT);
  w.u16(edns.udpSize);
  w.u32((((rcode >> 4) & 0xff) << 24) | ((edns.version & 0xff) << 16) | (edns.dnssecOk ? 0x8000 : 0));
  w.u16(edns.options.reduce((n, o) => n + 4 + o.data.length, 0));
  for (const o of edns.options) {
    w.u16(o.code);
    w.u16(o.data.length);
    w.bytes(o.data);
  }
  return w.result();
}

/**
 * Serializes a message. When it exceeds `maxSize` (a UDP client's limit), whole records are
 * dropped from the end; the TC bit is set when an answer or authority record had to go, not
 * for additional records alone (RFC 2181 §9). The OPT record is always kept.
 */
export function encodeMessage(message: DnsMessage, maxSize = 65535): Buffer {
  if (message.rcode > 0xf && !message.edns) throw new DnsFormatError(`rcode ${message.rcode} needs an OPT record`);
  const w = new Writer();
  w.u16(message.id);
  w.u16(0); // flags, patched below
  w.u16(message.questions.length);
  for (let i = 0; i < 3; i++) w.u16(0); // record counts, patched below
  for (const q of message.questions) {
    w.name(q.name, true);
    w.u16(q.type);
    w.u16(q.class);
  }
  const afterQuestions = w.length;
  const sections = [message.answers, message.authorities, message.additionals];
  const ends: { section: number; end: number }[] = [];
  for (let s = 0; s < 3; s++) {
    for (const rr of sections[s]) {
      writeRecord(w, rr);
      ends.push({ section: s, end: w.length });
    }
  }
  const opt = message.edns ? encodeOpt(message.edns, message.rcode) : Buffer.alloc(0);
  const budget = Math.max(maxSize, CLASSIC_UDP_SIZE) - opt.length;
  // Records refer back to earlier names only, so any prefix of them is a valid message.
  let kept = ends.length;
  let cut = w.length;
  if (w.length > budget) {
    kept = 0;
    cut = afterQuestions;
    while (kept < ends.length && ends[kept].end <= budget) cut = ends[kept++].end;
  }
  const counts = [0, 0, 0];
  for (let i = 0; i < kept; i++) counts[ends[i].section]++;
  const truncated = message.flags.tc || counts[0] < message.answers.length || counts[1] < message.authorities.length;
  const f = message.flags;
  const bits =
    (f.qr ? 0x8000 : 0) |
    ((f.opcode & 0xf) << 11) |
    (f.aa ? 0x0400 : 0) |
    (truncated ? 0x0200 : 0) |
    (f.rd ? 0x0100 : 0) |
    (f.ra ? 0x0080 : 0) |
    (f.ad ? 0x0020 : 0) |
    (f.cd ? 0x0010 : 0) |
    (message.rcode & 0xf);
  w.setU16(2, bits);
  w.setU16(6, counts[0]);
  w.setU16(8, counts[1]);
  w.setU16(10, counts[2] + (message.edns ? 1 : 0));
  const body = w.result().subarray(0, cut);
  return opt.length ? Buffer.concat([body, opt]) : Buffer.from(body);
}
