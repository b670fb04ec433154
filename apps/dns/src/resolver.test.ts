import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import {
  RRClass,
  RRType,
  Rcode,
  decodeMessage,
  emptyFlags,
  encodeMessage,
  newQuery,
  type DnsMessage,
  type Edns,
  type ResourceRecord,
} from './dns-message';
import type { Forwarding, Transport } from './forwarder';
import { staticView } from './records';
import { Resolver } from './resolver';

function service(ns: string, name: string, spec: corev1.ServiceSpec): corev1.Service {
  return { metadata: { namespace: ns, name }, spec };
}

/** A headless Service with many endpoints, for answers bigger than 512 bytes. */
const many = Array.from({ length: 60 }, (_, i) => ({ ip: `10.244.0.${i + 1}` }));

const VIEW = staticView({
  services: [
    service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] }),
    service('default', 'big', { clusterIP: 'None' }),
    service('default', 'ext', { type: 'ExternalName', externalName: 'example.com' }),
    service('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
    service('default', 'loop', { type: 'ExternalName', externalName: 'loop.default.svc.cluster.local' }),
  ],
  endpoints: [{ metadata: { namespace: 'default', name: 'big' }, subsets: [{ addresses: many }] }],
});

/** A stand-in for the upstreams: records what it is asked and answers from a table. */
class FakeForwarding implements Forwarding {
  readonly forwarded: { bytes: Buffer; transport: Transport }[] = [];
  readonly queried: { name: string; type: number; edns?: Edns }[] = [];
  fail = false;

  async forward(query: Buffer, transport: Transport): Promise<Buffer> {
    this.forwarded.push({ bytes: query, transport });
    if (this.fail) throw new Error('upstream down');
    const q = decodeMessage(query);
    const answer = this.answer(q.questions[0].name, q.questions[0].type);
    return encodeMessage({ ...answer, id: q.id, questions: q.questions });
  }

  async query(name: string, type: number, edns?: Edns): Promise<DnsMessage> {
    this.queried.push({ name, type, edns });
    if (this.fail) throw new Error('upstream down');
    return this.answer(name, type);
  }

  private answer(name: string, type: number): DnsMessage {
    const known: Record<string, ResourceRecord[]> = {
      'example.com': [{ name: 'example.com', class: 1, ttl: 300, type: 'A', address: '192.0.2.10' }],
      'huge.example': Array.from({ length: 100 }, (_, i): ResourceRecord => ({ name: 'huge.example', class: 1, ttl: 300, type: 'A', address: `192.0.2.${i}` })),
    };
    const answers = (known[name] ?? []).filter(() => type === RRType.A);
    return {
      id: 0,
      flags: { ...emptyFlags(), qr: true, ra: true, rd: true },
      rcode: known[name] ? Rcode.NOERROR : Rcode.NXDOMAIN,
      questions: [{ name, type, class: RRClass.IN }],
      answers,
      authorities: [],
      additionals: [],
    };
  }
}

function setup(options: { ready?: boolean; forwarder?: boolean } = {}): { resolver: Resolver; upstream: FakeForwarding } {
  const upstream = new FakeForwarding();
  const resolver = new Resolver({
    zone: 'cluster.local',
    ttl: 30,
    view: VIEW,
    ready: () => options.ready ?? true,
    forwarder: options.forwarder === false ? undefined : upstream,
    serial: 7,
  });
  return { resolver, upstream };
}

async function ask(resolver: Resolver, name: string, type: number, options: { transport?: Transport; edns?: Edns; id?: number } = {}): Promise<DnsMessage & { size: number }> {
  const bytes = await resolver.handle(encodeMessage(newQuery(options.id ?? 42, name, type, { edns: options.edns })), options.transport ?? 'udp');
  if (!bytes) throw new Error('no answer');
  return { ...decodeMessage(bytes), size: bytes.length };
}

describe('Resolver', () => {
  it('answers a Service authoritatively, echoing the ID, question and RD', async () => {
    const { resolver } = setup();
    const answer = await ask(resolver, 'web.default.svc.cluster.local', RRType.A, { id: 777 });
    expect(answer.id).toBe(777);
    expect(answer.flags).toMatchObject({ qr: true, aa: true, rd: true, ra: true, tc: false });
    expect(answer.rcode).toBe(Rcode.NOERROR);
    expect(answer.questions).toEqual([{ name: 'web.default.svc.cluster.local', type: RRType.A, class: RRClass.IN }]);
    expect(answer.answers).toEqual([{ name: 'web.default.svc.cluster.local', class: 1, ttl: 30, type: 'A', address: '10.96.0.20' }]);
    expect(answer.authorities).toEqual([]);
  });

  it('matches names without regard to case and answers in the asker\'s spelling', async () => {
    const { resolver } = setup();
    const answer = await ask(resolver, 'Web.DEFAULT.svc.Cluster.Local', RRType.A);
    expect(answer.answers).toEqual([{ name: 'Web.DEFAULT.svc.Cluster.Local', class: 1, ttl: 30, type: 'A', address: '10.96.0.20' }]);
  });

  it('answers NXDOMAIN with the SOA for a name in the zone that does not exist', async () => {
    const { resolver, upstream } = setup();
    const answer = await ask(resolver, 'missing.default.svc.cluster.local', RRType.A);
    expect(answer.rcode).toBe(Rcode.NXDOMAIN);
    expect(answer.flags.aa).toBe(true);
    expect(answer.answers).toEqual([]);
    expect(answer.authorities).toEqual([
      { name: 'cluster.local', class: 1, ttl: 30, type: 'SOA', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 7, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 },
    ]);
    expect(upstream.forwarded).toEqual([]);
  });

  it('answers NODATA (NOERROR, SOA, no answers) for a type a name lacks', async () => {
    const { resolver } = setup();
    const answer = await ask(resolver, 'web.default.svc.cluster.local', RRType.AAAA);
    expect(answer.rcode).toBe(Rcode.NOERROR);
    expect(answer.answers).toEqual([]);
    expect(answer.authorities.map((rr) => rr.type)).toEqual(['SOA']);
  });

  it('answers SERVFAIL in the zone until the caches are synced', async () => {
    const { resolver } = setup({ ready: false });
    expect((await ask(resolver, 'web.default.svc.cluster.local', RRType.A)).rcode).toBe(Rcode.SERVFAIL);
  });

  it('answers PTR for a ClusterIP and forwards other reverse names', async () => {
    const { resolver, upstream } = setup();
    const answer = await ask(resolver, '20.0.96.10.in-addr.arpa', RRType.PTR);
    expect(answer.answers).toEqual([{ name: '20.0.96.10.in-addr.arpa', class: 1, ttl: 30, type: 'PTR', target: 'web.default.svc.cluster.local' }]);
    expect(answer.flags.aa).toBe(true);
    await ask(resolver, '8.8.8.8.in-addr.arpa', RRType.PTR);
    expect(upstream.forwarded).toHaveLength(1);
  });

  it('forwards names outside the zone byte for byte, over the client\'s transport', async () => {
    const { resolver, upstream } = setup();
    const query = encodeMessage(newQuery(9, 'example.com', RRType.A, { edns: { udpSize: 1400, version: 0, dnssecOk: true, options: [{ code: 10, data: Buffer.from('cookie!!') }] } }));
    const bytes = await resolver.handle(query, 'tcp');
    expect(upstream.forwarded).toEqual([{ bytes: query, transport: 'tcp' }]);
    const answer = decodeMessage(bytes as Buffer);
    expect(answer.id).toBe(9);
    expect(answer.answers).toEqual([{ name: 'example.com', class: 1, ttl: 300, type: 'A', address: '192.0.2.10' }]);
  });

  it('answers SERVFAIL when the upstreams fail or there are none', async () => {
    const { resolver, upstream } = setup();
    upstream.fail = true;
    expect((await ask(resolver, 'example.com', RRType.A)).rcode).toBe(Rcode.SERVFAIL);
    const alone = setup({ forwarder: false }).resolver;
    const answer = await ask(alone, 'example.com', RRType.A);
    expect(answer.rcode).toBe(Rcode.SERVFAIL);
    expect(answer.flags.ra).toBe(false);
  });

  it('sets TC on a UDP answer over 512 bytes without EDNS0, and not over TCP', async () => {
    const { resolver } = setup();
    const udp = await ask(resolver, 'big.default.svc.cluster.local', RRType.A);
    expect(udp.flags.tc).toBe(true);
    expect(udp.size).toBeLessThanOrEqual(512);
    expect(udp.answers.length).toBeLessThan(60);
    const tcp = await ask(resolver, 'big.default.svc.cluster.local', RRType.A, { transport: 'tcp' });
    expect(tcp.flags.tc).toBe(false);
    expect(tcp.answers).toHaveLength(60);
  });

  it('fills the UDP size a client advertises with EDNS0 and answers with an OPT record', async () => {
    const { resolver } = setup();
    const answer = await ask(resolver, 'big.default.svc.cluster.local', RRType.A, { edns: { udpSize: 1232, version: 0, dnssecOk: false, options: [] } });
    expect(answer.flags.tc).toBe(false);
    expect(answer.answers).toHaveLength(60);
    expect(answer.edns).toEqual({ udpSize: 1232, version: 0, dnssecOk: false, options: [] });
  });

  it('truncates an upstream answer too big for the client', async () => {
    const { resolver } = setup();
    const answer = await ask(resolver, 'huge.example', RRType.A);
    expect(answer.flags.tc).toBe(true);
    expect(answer.size).toBeLessThanOrEqual(512);
    expect(answer.questions[0].name).toBe('huge.example');
  });

  it('follows an ExternalName CNAME upstream and appends the answer', async () => {
    const { resolver, upstream } = setup();
    const answer = await ask(resolver, 'ext.default.svc.cluster.local', RRType.A);
    expect(answer.answers).toEqual([
      { name: 'ext.default.svc.cluster.local', class: 1, ttl: 30, type: 'CNAME', target: 'example.com' },
      { name: 'example.com', class: 1, ttl: 300, type: 'A', address: '192.0.2.10' },
    ]);
    expect(upstream.queried).toEqual([{ name: 'example.com', type: RRType.A, edns: undefined }]);
    // Asked for the CNAME itself, it is not followed.
    const cname = await ask(resolver, 'ext.default.svc.cluster.local', RRType.CNAME);
    expect(cname.answers.map((rr) => rr.type)).toEqual(['CNAME']);
  });

  it('returns the CNAME alone when the target cannot be resolved upstream', async () => {
    const { resolver, upstream } = setup();
    upstream.fail = true;
    const answer = await ask(resolver, 'ext.default.svc.cluster.local', RRType.A);
    expect(answer.rcode).toBe(Rcode.NOERROR);
    expect(answer.answers).toEqual([{ name: 'ext.default.svc.cluster.local', class: 1, ttl: 30, type: 'CNAME', target: 'example.com' }]);
  });

  it('follows a CNAME into the zone, and stops a loop', async () => {
    const { resolver } = setup();
    const alias = await ask(resolver, 'alias.default.svc.cluster.local', RRType.A);
    expect(alias.answers.map((rr) => `${rr.type} ${rr.type === 'A' ? rr.address : rr.type === 'CNAME' ? rr.target : ''}`)).toEqual([
      'CNAME web.default.svc.cluster.local',
      'A 10.96.0.20',
    ]);
    const loop = await ask(resolver, 'loop.default.svc.cluster.local', RRType.A);
    expect(loop.answers.length).toBeLessThanOrEqual(8);
  });

  it.each([
    ['a non-QUERY opcode', (m: DnsMessage) => ({ ...m, flags: { ...m.flags, opcode: 2 } }), Rcode.NOTIMP],
    ['two questions', (m: DnsMessage) => ({ ...m, questions: [...m.questions, ...m.questions] }), Rcode.FORMERR],
    ['EDNS version 1', (m: DnsMessage) => ({ ...m, edns: { udpSize: 1232, version: 1, dnssecOk: false, options: [] } }), Rcode.BADVERS],
  ])('refuses %s', async (_, change, rcode) => {
    const { resolver } = setup();
    const bytes = await resolver.handle(encodeMessage(change(newQuery(5, 'web.default.svc.cluster.local', RRType.A))), 'udp');
    const answer = decodeMessage(bytes as Buffer);
    expect(answer.id).toBe(5);
    expect(answer.rcode).toBe(rcode);
  });

  it('answers FORMERR to garbage with a header, and nothing to runts and responses', async () => {
    const { resolver } = setup();
    const formerr = await resolver.handle(Buffer.from('abcd0100000100000000000005ff', 'hex'), 'udp');
    expect(formerr?.toString('hex')).toBe('abcd8101' + '0'.repeat(16));
    expect(await resolver.handle(Buffer.from('abcd', 'hex'), 'udp')).toBeUndefined();
    const response = encodeMessage({ ...newQuery(1, 'web.default.svc.cluster.local', RRType.A), flags: { ...emptyFlags(), qr: true } });
    expect(await resolver.handle(response, 'udp')).toBeUndefined();
  });
});
