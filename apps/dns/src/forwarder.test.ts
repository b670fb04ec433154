import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType, decodeMessage, encodeMessage, newQuery, type ResourceRecord } from './dns-message';
import { Forwarder, parseUpstream, resolvConfNameservers } from './forwarder';
import { FakeUpstream, a } from './test/dns-testing';

let upstream: FakeUpstream;
const many = Array.from({ length: 50 }, (_, i): ResourceRecord => a('big.example', `192.0.2.${i}`, 300));

beforeAll(async () => {
  upstream = await FakeUpstream.start([a('example.com', '192.0.2.10', 300), ...many]);
});

afterAll(async () => {
  await upstream?.close();
});

/** A loopback UDP port with nothing behind it. */
async function deadPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('Forwarder', () => {
  it.each(['udp', 'tcp'] as const)('forwards a query over %s under a fresh ID and restores the client\'s', async (transport) => {
    const forwarder = new Forwarder([{ host: '127.0.0.1', port: upstream.port }]);
    const query = encodeMessage(newQuery(0x4242, 'example.com', RRType.A, { edns: { udpSize: 1400, version: 0, dnssecOk: false, options: [] } }));
    const before = upstream.received.length;
    const answer = decodeMessage(await forwarder.forward(query, transport));
    expect(answer.id).toBe(0x4242);
    expect(answer.answers).toEqual([a('example.com', '192.0.2.10', 300)]);
    const received = upstream.received.slice(before);
    expect(received.map((r) => r.transport)).toEqual([transport]);
    // Everything but the ID goes out as the client sent it, the EDNS0 UDP size included.
    expect(received[0].bytes.subarray(2)).toEqual(query.subarray(2));
    expect(received[0].message.edns?.udpSize).toBe(1400);
  });

  it('passes a truncated UDP answer through as it is', async () => {
    const forwarder = new Forwarder([{ host: '127.0.0.1', port: upstream.port }]);
    const answer = decodeMessage(await forwarder.forward(encodeMessage(newQuery(1, 'big.example', RRType.A)), 'udp'));
    expect(answer.flags.tc).toBe(true);
  });

  it('asks again over TCP when its own question comes back truncated', async () => {
    const forwarder = new Forwarder([{ host: '127.0.0.1', port: upstream.port }]);
    const before = upstream.received.length;
    const answer = await forwarder.query('big.example', RRType.A);
    expect(answer.answers).toHaveLength(50);
    expect(upstream.received.slice(before).map((r) => r.transport)).toEqual(['udp', 'tcp']);
  });

  it('tries the next upstream when one does not answer', async () => {
    const forwarder = new Forwarder([{ host: '127.0.0.1', port: await deadPort() }, { host: '127.0.0.1', port: upstream.port }], { timeoutMs: 300 });
    const answer = decodeMessage(await forwarder.forward(encodeMessage(newQuery(7, 'example.com', RRType.A)), 'udp'));
    expect(answer.answers).toHaveLength(1);
  });

  it('fails when every upstream fails', async () => {
    const port = await deadPort();
    const forwarder = new Forwarder([{ host: '127.0.0.1', port }], { timeoutMs: 200 });
    await expect(forwarder.forward(encodeMessage(newQuery(7, 'example.com', RRType.A)), 'udp')).rejects.toThrow(/no answer/);
    await expect(forwarder.forward(encodeMessage(newQuery(7, 'example.com', RRType.A)), 'tcp')).rejects.toThrow();
    await expect(new Forwarder([]).forward(encodeMessage(newQuery(7, 'example.com', RRType.A)), 'udp')).rejects.toThrow(/no upstream/);
  });
});

describe('parseUpstream', () => {
  it.each([
    ['10.0.0.2', { host: '10.0.0.2', port: 53 }],
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['2001:db8::1', { host: '2001:db8::1', port: 53 }],
    ['[2001:db8::1]:5353', { host: '2001:db8::1', port: 5353 }],
    ['dns://8.8.8.8', { host: '8.8.8.8', port: 53 }],
  ])('%s', (text, expected) => {
    expect(parseUpstream(text)).toEqual(expected);
  });

  it.each(['resolver.example', '10.0.0.1:0', '10.0.0.1:70000', ''])('refuses %j', (text) => {
    expect(() => parseUpstream(text)).toThrow();
  });
});

describe('resolvConfNameservers', () => {
  it('reads the nameserver lines', () => {
    const text = '# generated\nsearch example.internal\nnameserver 10.0.0.2\nnameserver fe80::1%eth0 ; link-local\noptions ndots:1\n;nameserver 9.9.9.9\n';
    expect(resolvConfNameservers(text)).toEqual(['10.0.0.2', 'fe80::1']);
  });
});
