import { describe, expect, it } from 'vitest';
import {
  DnsFormatError,
  RRClass,
  RRType,
  Rcode,
  canonicalName,
  decodeMessage,
  emptyFlags,
  encodeMessage,
  nameToLabels,
  newQuery,
  type DnsMessage,
  type ResourceRecord,
} from './dns-message';

/** Bytes from hex written with spaces and `|` separators for readability. */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s|]/g, ''), 'hex');
}

// www.example.com A? with RD, id 0x1234, as dig sends it without EDNS.
const QUERY = hex(`
  1234 0100 0001 0000 0000 0000
  03 777777 07 6578616d706c65 03 636f6d 00 | 0001 0001
`);

// The answer: www.example.com CNAME web.example.com, web.example.com A 10.0.0.1; both owner
// names and the CNAME target compressed against earlier names.
const RESPONSE = hex(`
  1234 8580 0001 0002 0000 0000
  03 777777 07 6578616d706c65 03 636f6d 00 | 0001 0001
  c00c | 0005 0001 0000001e 0006 | 03 776562 c010
  c02d | 0001 0001 0000001e 0004 | 0a000001
`);

function response(answers: ResourceRecord[], extra: Partial<DnsMessage> = {}): DnsMessage {
  return {
    id: 0x1234,
    flags: { ...emptyFlags(), qr: true, aa: true, rd: true, ra: true },
    rcode: Rcode.NOERROR,
    questions: [{ name: 'www.example.com', type: RRType.A, class: RRClass.IN }],
    answers,
    authorities: [],
    additionals: [],
    ...extra,
  };
}

describe('decodeMessage', () => {
  it('parses a query', () => {
    expect(decodeMessage(QUERY)).toEqual({
      id: 0x1234,
      flags: { ...emptyFlags(), rd: true },
      rcode: 0,
      questions: [{ name: 'www.example.com', type: RRType.A, class: RRClass.IN }],
      answers: [],
      authorities: [],
      additionals: [],
    });
  });

  it('follows compression pointers in owner names and RDATA', () => {
    const msg = decodeMessage(RESPONSE);
    expect(msg.flags).toMatchObject({ qr: true, aa: true, rd: true, ra: true, tc: false });
    expect(msg.answers).toEqual([
      { name: 'www.example.com', class: 1, ttl: 30, type: 'CNAME', target: 'web.example.com' },
      { name: 'web.example.com', class: 1, ttl: 30, type: 'A', address: '10.0.0.1' },
    ]);
  });

  it('parses EDNS0: the UDP size, the DO bit, options and the extended RCODE', () => {
    const bytes = hex(`
      beef 8000 0000 0000 0000 0001
      00 | 0029 1000 | 01 00 8000 | 0008 | 000a 0004 01020304
    `);
    const msg = decodeMessage(bytes);
    expect(msg.edns).toEqual({ udpSize: 4096, version: 0, dnssecOk: true, options: [{ code: 10, data: hex('01020304') }] });
    expect(msg.rcode).toBe(Rcode.BADVERS);
    expect(msg.additionals).toEqual([]);
  });

  it('parses SRV, SOA, PTR, AAAA, TXT, MX and keeps unknown types as bytes', () => {
    const bytes = hex(`
      0001 8400 0000 0007 0000 0000
      01 61 00 | 0021 0001 00000005 0009 | 0000 0064 0050 01 62 00
      00 | 0006 0001 00000005 001a | 01 63 00 01 64 00 00000001 00000002 00000003 00000004 00000005
      01 65 00 | 000c 0001 00000005 0002 | c00c
      00 | 001c 0001 00000005 0010 | 20010db8000000000000000000000001
      00 | 0010 0001 00000005 0006 | 02 6869 02 796f
      00 | 000f 0001 00000005 0004 | 000a c00c
      00 | 0063 0001 00000005 0002 | abcd
    `);
    expect(decodeMessage(bytes).answers).toEqual([
      { name: 'a', class: 1, ttl: 5, type: 'SRV', priority: 0, weight: 100, port: 80, target: 'b' },
      { name: '', class: 1, ttl: 5, type: 'SOA', mname: 'c', rname: 'd', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 },
      { name: 'e', class: 1, ttl: 5, type: 'PTR', target: 'a' },
      { name: '', class: 1, ttl: 5, type: 'AAAA', address: '2001:db8::1' },
      { name: '', class: 1, ttl: 5, type: 'TXT', texts: ['hi', 'yo'] },
      { name: '', class: 1, ttl: 5, type: 'MX', preference: 10, exchange: 'a' },
      { name: '', class: 1, ttl: 5, type: 'RAW', code: 99, rdata: hex('abcd') },
    ]);
  });

  it('escapes dots and unprintable bytes inside labels', () => {
    const bytes = hex(`0001 0000 0001 0000 0000 0000 | 03 612e62 02 0a41 00 | 0001 0001`);
    const name = decodeMessage(bytes).questions[0].name;
    expect(name).toBe('a\\.b.\\010A');
    expect(nameToLabels(name)).toEqual([hex('612e62'), hex('0a41')]);
  });

  it.each([
    ['a message shorter than its header', '1234 0100 0001'],
    ['a name past the end', '1234 0100 0001 0000 0000 0000 | 05 6162'],
    ['a pointer forwards', '1234 0100 0001 0000 0000 0000 | c0 20 0001 0001'],
    ['a pointer to itself', '1234 0100 0001 0000 0000 0000 | c0 0c 0001 0001'],
    ['a record past the end', '1234 8100 0000 0001 0000 0000 | 00 0001 0001 0000001e 0004 0a00'],
    ['an A record of the wrong length', '1234 8100 0000 0001 0000 0000 | 00 0001 0001 0000001e 0003 0a0000'],
    ['a reserved label type', '1234 0100 0001 0000 0000 0000 | 40 0001 0001'],
    ['an OPT record in the answer section', '1234 8100 0000 0001 0000 0000 | 00 0029 1000 00000000 0000'],
  ])('rejects %s', (_, bytes) => {
    expect(() => decodeMessage(hex(bytes))).toThrow(DnsFormatError);
  });
});

describe('encodeMessage', () => {
  it('writes a query byte for byte', () => {
    expect(encodeMessage(newQuery(0x1234, 'www.example.com', RRType.A))).toEqual(QUERY);
  });

  it('compresses names against the question and earlier records', () => {
    const bytes = encodeMessage(
      response([
        { name: 'www.example.com', class: 1, ttl: 30, type: 'CNAME', target: 'web.example.com' },
        { name: 'web.example.com', class: 1, ttl: 30, type: 'A', address: '10.0.0.1' },
      ]),
    );
    expect(bytes.toString('hex')).toBe(RESPONSE.toString('hex'));
  });

  it('compresses case-insensitively but keeps the first spelling', () => {
    const msg = response([{ name: 'WWW.Example.COM', class: 1, ttl: 30, type: 'A', address: '10.0.0.1' }]);
    msg.questions[0].name = 'WWW.Example.COM';
    const bytes = encodeMessage(msg);
    expect(bytes.subarray(12, 29).toString('latin1')).toContain('Example');
    // The answer's owner is a pointer to the question's name.
    expect(bytes.subarray(33, 35)).toEqual(hex('c00c'));
  });

  it('never compresses an SRV target, though its name was written before', () => {
    const bytes = encodeMessage({
      ...response([]),
      questions: [{ name: '_http._tcp.web.ns.svc.cluster.local', type: RRType.SRV, class: RRClass.IN }],
      answers: [
        { name: '_http._tcp.web.ns.svc.cluster.local', class: 1, ttl: 30, type: 'SRV', priority: 0, weight: 100, port: 80, target: 'web.ns.svc.cluster.local' },
      ],
      additionals: [{ name: 'web.ns.svc.cluster.local', class: 1, ttl: 30, type: 'A', address: '10.96.0.5' }],
    });
    const target = hex('03 776562 02 6e73 03 737663 07 636c7573746572 05 6c6f63616c 00');
    // Once in the question, once whole in the SRV RDATA (after priority, weight and port).
    const inRdata = bytes.lastIndexOf(target);
    expect(bytes.indexOf(target)).toBeLessThan(inRdata);
    expect(bytes.subarray(inRdata - 6, inRdata)).toEqual(hex('0000 0064 0050'));
    // The additional record's owner is a pointer: 2 + 10 + 4 bytes at the end.
    expect(bytes[bytes.length - 16] & 0xc0).toBe(0xc0);
    expect(decodeMessage(bytes).additionals[0]).toMatchObject({ name: 'web.ns.svc.cluster.local', address: '10.96.0.5' });
  });

  it('writes EDNS0 with the extended RCODE', () => {
    const bytes = encodeMessage({ ...response([]), questions: [], rcode: Rcode.BADVERS, edns: { udpSize: 1232, version: 0, dnssecOk: false, options: [] } });
    expect(bytes.toString('hex')).toBe(hex('1234 8580 0000 0000 0000 0001 | 00 0029 04d0 01000000 0000').toString('hex'));
    expect(() => encodeMessage({ ...response([]), rcode: Rcode.BADVERS })).toThrow(DnsFormatError);
  });

  it('round-trips every record type it models', () => {
    const answers: ResourceRecord[] = [
      { name: 'a.example', class: 1, ttl: 1, type: 'A', address: '192.0.2.1' },
      { name: 'a.example', class: 1, ttl: 1, type: 'AAAA', address: '2001:db8::ff:1' },
      { name: 'a.example', class: 1, ttl: 1, type: 'AAAA', address: '::ffff:192.0.2.1' },
      { name: 'a.example', class: 1, ttl: 1, type: 'NS', target: 'ns.example' },
      { name: 'a.example', class: 1, ttl: 1, type: 'MX', preference: 10, exchange: 'mail.example' },
      { name: 'a.example', class: 1, ttl: 1, type: 'TXT', texts: ['v=1', ''] },
      { name: 'example', class: 1, ttl: 1, type: 'SOA', mname: 'ns.example', rname: 'h.example', serial: 4294967295, refresh: 1, retry: 2, expire: 3, minimum: 4 },
      { name: '1.2.0.192.in-addr.arpa', class: 1, ttl: 1, type: 'PTR', target: 'a.example' },
      { name: 'a.example', class: 1, ttl: 1, type: 'RAW', code: 65, rdata: hex('0001') },
    ];
    const decoded = decodeMessage(encodeMessage(response(answers))).answers;
    expect(decoded).toEqual(answers.map((rr, i) => (i === 2 ? { ...rr, address: '::ffff:c000:201' } : rr)));
  });

  it('drops answers that do not fit a UDP limit and sets TC', () => {
    const answers = Array.from({ length: 40 }, (_, i): ResourceRecord => ({ name: 'www.example.com', class: 1, ttl: 30, type: 'A', address: `10.0.0.${i}` }));
    const full = encodeMessage(response(answers));
    expect(full.length).toBeGreaterThan(512);
    const cut = encodeMessage(response(answers), 512);
    expect(cut.length).toBeLessThanOrEqual(512);
    const msg = decodeMessage(cut);
    expect(msg.flags.tc).toBe(true);
    expect(msg.answers.length).toBeLessThan(40);
    expect(msg.answers).toEqual(decodeMessage(full).answers.slice(0, msg.answers.length));
  });

  it('drops additional records without TC, and keeps the OPT record', () => {
    const additionals = Array.from({ length: 40 }, (_, i): ResourceRecord => ({ name: `h${i}.example.com`, class: 1, ttl: 30, type: 'A', address: `10.0.0.${i}` }));
    const edns = { udpSize: 512, version: 0, dnssecOk: false, options: [] };
    const msg = decodeMessage(encodeMessage(response([{ name: 'www.example.com', class: 1, ttl: 30, type: 'A', address: '10.0.0.1' }], { additionals, edns }), 512));
    expect(msg.flags.tc).toBe(false);
    expect(msg.answers).toHaveLength(1);
    expect(msg.additionals.length).toBeLessThan(40);
    expect(msg.edns?.udpSize).toBe(512);
  });

  it.each([
    ['an empty label', 'a..b'],
    ['a label over 63 bytes', `${'a'.repeat(64)}.com`],
    ['a name over 255 bytes', Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')],
  ])('refuses %s', (_, name) => {
    expect(() => encodeMessage(newQuery(1, name, RRType.A))).toThrow(DnsFormatError);
  });
});

describe('canonicalName', () => {
  it.each([
    ['Web.Default.SVC.cluster.local.', 'web.default.svc.cluster.local'],
    ['cluster.local', 'cluster.local'],
    ['.', ''],
  ])('%s → %s', (name, canonical) => {
    expect(canonicalName(name)).toBe(canonical);
  });
});
