import { Resolver as StockResolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { corev1, discoveryv1 } from '@minik8s/api';
import { ApiClient, EndpointSlices, EndpointsKind, MERGE_PATCH, Namespaces, Pods, Services } from '@minik8s/client';
import { createLogger, silentLogger, type Logger } from '@minik8s/logging';
import { ControlPlaneHarness, waitFor } from '@minik8s/testing';
import { RRType, Rcode, type DnsMessage, type ResourceRecord } from './dns-message';
import { DnsServer } from './dns-server';
import { SERVICE_NAME_LABEL } from './records';
import { FakeUpstream, a, askTcp, askUdp } from './test/dns-testing';

// The DNS server in this process, against a real apiserver and etcd. No endpoints controller
// runs: the tests write Endpoints and EndpointSlices by hand. Names outside the zone go to a
// fake upstream on loopback.

const NS = 'dns-it';
const ZONE = 'cluster.local';

let controlPlane: ControlPlaneHarness;
let client: ApiClient;
let upstream: FakeUpstream;
let dns: DnsServer;

function testLogger(): Logger {
  // MINIK8S_TEST_LOG=trace shows every query.
  const level = process.env.MINIK8S_TEST_LOG;
  return level ? createLogger({ component: 'dns-test', level, format: 'json' }) : silentLogger();
}

beforeAll(async () => {
  controlPlane = await ControlPlaneHarness.start();
  client = new ApiClient(controlPlane.address, { timeoutMs: 5000 });
  await client.resource(Namespaces).create({ metadata: { name: NS } });
  upstream = await FakeUpstream.start([a('example.com', '192.0.2.10', 300), a('www.example.org', '192.0.2.20', 300)]);
  dns = new DnsServer({
    server: controlPlane.address,
    bindAddress: '127.0.0.1',
    port: 0,
    healthPort: 0,
    upstreams: [{ host: '127.0.0.1', port: upstream.port }],
    syncTimeoutMs: 20_000,
    logger: testLogger(),
  });
  await dns.start();
}, 60_000);

afterAll(async () => {
  await dns?.stop();
  await upstream?.close();
  client?.close();
  await controlPlane?.stop();
});

const fqdn = (name: string): string => `${name}.${NS}.svc.${ZONE}`;

function addresses(message: DnsMessage): string[] {
  return message.answers.flatMap((rr) => (rr.type === 'A' ? [rr.address] : [])).sort();
}

/** Asks over UDP until `check` passes on the answer (the caches catch up asynchronously). */
async function eventually(name: string, type: number, check: (m: DnsMessage) => boolean, timeoutMs = 5000): Promise<DnsMessage> {
  return waitFor(
    async () => {
      const { message } = await askUdp(dns.port, name, type);
      return check(message) ? message : undefined;
    },
    { timeoutMs, intervalMs: 25, description: `the answer for ${name}` },
  );
}

async function createService(name: string, spec: corev1.ServiceSpec): Promise<corev1.Service> {
  return client.resource(Services).namespace(NS).create({ metadata: { name, namespace: NS }, spec });
}

async function createEndpoints(name: string, subsets: corev1.EndpointSubset[]): Promise<corev1.Endpoints> {
  return client.resource(EndpointsKind).namespace(NS).create({ metadata: { name, namespace: NS }, subsets });
}

async function createRunningPod(name: string, ip: string): Promise<corev1.Pod> {
  const pods = client.resource(Pods).namespace(NS);
  const created = await pods.create({ metadata: { name, namespace: NS }, spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] } });
  return pods.updateStatus({ ...created, status: { ...created.status, phase: 'Running', podIP: ip, podIPs: [{ ip }] } });
}

describe('minik8s dns', () => {
  let web: corev1.Service;

  beforeAll(async () => {
    web = await createService('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: { intVal: 8080 } }] });
    await createService('db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'mysql', port: 3306, protocol: 'TCP' }] });
    await createEndpoints('db', [
      {
        addresses: [{ ip: '10.244.1.10', hostname: 'db-0' }, { ip: '10.244.1.11', hostname: 'db-1' }],
        notReadyAddresses: [{ ip: '10.244.1.12', hostname: 'db-2' }],
        ports: [{ name: 'mysql', port: 3306, protocol: 'TCP' }],
      },
    ]);
    await createRunningPod('db-0', '10.244.1.10');
  });

  it('is healthy and ready once its caches are synced', async () => {
    expect(dns.ready()).toBe(true);
    const base = `http://127.0.0.1:${dns.healthPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it('answers A for a ClusterIP Service over UDP and TCP', async () => {
    const ip = web.spec?.clusterIP ?? '';
    expect(ip).toMatch(/^10\.(9[6-9]|1[01]\d)\./);
    const udp = await eventually(fqdn('web'), RRType.A, (m) => m.answers.length > 0);
    expect(udp.answers).toEqual([a(fqdn('web'), ip)]);
    expect(udp.flags.aa).toBe(true);
    const tcp = await askTcp(dns.port, fqdn('web').toUpperCase(), RRType.A);
    expect(tcp.message.answers).toEqual([a(fqdn('web').toUpperCase(), ip)]);
  });

  it('answers a headless Service with its ready addresses only, and each StatefulSet pod by hostname', async () => {
    const answer = await eventually(fqdn('db'), RRType.A, (m) => m.answers.length > 0);
    expect(addresses(answer)).toEqual(['10.244.1.10', '10.244.1.11']);
    expect((await askUdp(dns.port, `db-1.${fqdn('db')}`, RRType.A)).message.answers).toEqual([a(`db-1.${fqdn('db')}`, '10.244.1.11')]);
    const notReady = (await askTcp(dns.port, `db-2.${fqdn('db')}`, RRType.A)).message;
    expect(notReady.rcode).toBe(Rcode.NXDOMAIN);
  });

  it('answers SRV for named ports: the Service name, or each pod of a headless Service', async () => {
    await eventually(fqdn('db'), RRType.A, (m) => m.answers.length > 0);
    const srv = (await askUdp(dns.port, `_http._tcp.${fqdn('web')}`, RRType.SRV)).message;
    expect(srv.answers).toEqual([
      { name: `_http._tcp.${fqdn('web')}`, class: 1, ttl: 30, type: 'SRV', priority: 0, weight: 100, port: 80, target: fqdn('web') },
    ]);
    expect(srv.additionals).toEqual([a(fqdn('web'), web.spec?.clusterIP ?? '')]);
    const headless = (await askTcp(dns.port, `_mysql._tcp.${fqdn('db')}`, RRType.SRV)).message;
    expect(headless.answers.map((rr) => (rr.type === 'SRV' ? `${rr.port} ${rr.target}` : ''))).toEqual([
      `3306 db-0.${fqdn('db')}`,
      `3306 db-1.${fqdn('db')}`,
    ]);
    expect(headless.additionals).toEqual([a(`db-0.${fqdn('db')}`, '10.244.1.10'), a(`db-1.${fqdn('db')}`, '10.244.1.11')]);
  });

  it('answers PTR for a ClusterIP, a StatefulSet pod and any other pod', async () => {
    const ip = web.spec?.clusterIP ?? '';
    const reverse = (addr: string): string => `${addr.split('.').reverse().join('.')}.in-addr.arpa`;
    const targets = async (addr: string): Promise<string[]> =>
      (await askUdp(dns.port, reverse(addr), RRType.PTR)).message.answers.flatMap((rr) => (rr.type === 'PTR' ? [rr.target] : []));
    await eventually(reverse(ip), RRType.PTR, (m) => m.answers.length > 0);
    expect(await targets(ip)).toEqual([fqdn('web')]);
    expect(await targets('10.244.1.10')).toEqual([`db-0.${fqdn('db')}`]);
    await createRunningPod('lone', '10.244.3.7');
    await eventually(reverse('10.244.3.7'), RRType.PTR, (m) => m.answers.length > 0);
    expect(await targets('10.244.3.7')).toEqual([`10-244-3-7.${NS}.pod.${ZONE}`]);
  });

  it('answers A for pods by dashed IP in their namespace', async () => {
    await createRunningPod('p1', '10.244.2.9');
    const answer = await eventually(`10-244-2-9.${NS}.pod.${ZONE}`, RRType.A, (m) => m.answers.length > 0);
    expect(answer.answers).toEqual([a(`10-244-2-9.${NS}.pod.${ZONE}`, '10.244.2.9')]);
    expect((await askUdp(dns.port, `10-244-2-9.default.pod.${ZONE}`, RRType.A)).message.rcode).toBe(Rcode.NXDOMAIN);
  });

  it('answers an ExternalName Service with a CNAME, followed upstream', async () => {
    await createService('ext', { type: 'ExternalName', externalName: 'example.com' });
    const answer = await eventually(fqdn('ext'), RRType.A, (m) => m.answers.length > 0);
    expect(answer.answers).toEqual([
      { name: fqdn('ext'), class: 1, ttl: 30, type: 'CNAME', target: 'example.com' },
      a('example.com', '192.0.2.10', 300),
    ]);
  });

  it('answers NXDOMAIN with the SOA for a missing Service', async () => {
    const answer = (await askUdp(dns.port, fqdn('missing'), RRType.A)).message;
    expect(answer.rcode).toBe(Rcode.NXDOMAIN);
    expect(answer.flags.aa).toBe(true);
    expect(answer.authorities).toHaveLength(1);
    expect(answer.authorities[0]).toMatchObject({ name: ZONE, type: 'SOA', mname: `ns.dns.${ZONE}`, minimum: 30 });
  });

  it('forwards other names to the upstream, passing the EDNS0 UDP size on', async () => {
    const before = upstream.received.length;
    const udp = (await askUdp(dns.port, 'www.example.org', RRType.A, { edns: { udpSize: 1400, version: 0, dnssecOk: false, options: [] } })).message;
    expect(udp.answers).toEqual([a('www.example.org', '192.0.2.20', 300)]);
    const tcp = (await askTcp(dns.port, 'nothing.example.org', RRType.A)).message;
    expect(tcp.rcode).toBe(Rcode.NXDOMAIN);
    const received = upstream.received.slice(before);
    expect(received.map((r) => `${r.transport} ${r.message.questions[0].name}`)).toEqual(['udp www.example.org', 'tcp nothing.example.org']);
    expect(received[0].message.edns?.udpSize).toBe(1400);
  });

  it('shows a new endpoint within a second', async () => {
    await eventually(fqdn('db'), RRType.A, (m) => m.answers.length === 2);
    await client.resource(EndpointsKind).namespace(NS).patch('db', MERGE_PATCH, {
      subsets: [
        {
          addresses: [{ ip: '10.244.1.10', hostname: 'db-0' }, { ip: '10.244.1.11', hostname: 'db-1' }, { ip: '10.244.1.13', hostname: 'db-3' }],
          notReadyAddresses: [{ ip: '10.244.1.12', hostname: 'db-2' }],
          ports: [{ name: 'mysql', port: 3306, protocol: 'TCP' }],
        },
      ],
    });
    const answer = await eventually(fqdn('db'), RRType.A, (m) => m.answers.length === 3, 1000);
    expect(addresses(answer)).toEqual(['10.244.1.10', '10.244.1.11', '10.244.1.13']);
    expect((await askUdp(dns.port, `db-3.${fqdn('db')}`, RRType.A)).message.answers).toEqual([a(`db-3.${fqdn('db')}`, '10.244.1.13')]);
  });

  it('answers a headless Service from its EndpointSlices', async () => {
    await createService('sliced', { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    const slice: discoveryv1.EndpointSlice = {
      metadata: { name: 'sliced-abc', namespace: NS, labels: { [SERVICE_NAME_LABEL]: 'sliced' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.244.4.1'], conditions: { ready: true }, hostname: 'web-0' },
        { addresses: ['10.244.4.2'], conditions: { ready: false }, hostname: 'web-1' },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    };
    await client.resource(EndpointSlices).namespace(NS).create(slice);
    const answer = await eventually(fqdn('sliced'), RRType.A, (m) => m.answers.length > 0);
    expect(addresses(answer)).toEqual(['10.244.4.1']);
    const srv = (await askUdp(dns.port, `_http._tcp.${fqdn('sliced')}`, RRType.SRV)).message;
    expect(srv.answers.map((rr) => (rr.type === 'SRV' ? `${rr.port} ${rr.target}` : ''))).toEqual([`8080 web-0.${fqdn('sliced')}`]);
  });

  it('truncates a big UDP answer without EDNS0; TCP and EDNS0 carry it whole', async () => {
    await createService('wide', { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    const many = Array.from({ length: 80 }, (_, i) => ({ ip: `10.244.8.${i + 1}` }));
    await createEndpoints('wide', [{ addresses: many, ports: [{ name: 'http', port: 80 }] }]);
    const udp = await eventually(fqdn('wide'), RRType.A, (m) => m.answers.length > 0);
    expect(udp.flags.tc).toBe(true);
    expect(udp.answers.length).toBeLessThan(80);
    const tcp = (await askTcp(dns.port, fqdn('wide'), RRType.A)).message;
    expect(tcp.flags.tc).toBe(false);
    expect(tcp.answers).toHaveLength(80);
    const edns = await askUdp(dns.port, fqdn('wide'), RRType.A, { edns: { udpSize: 4096, version: 0, dnssecOk: false, options: [] } });
    expect(edns.message.flags.tc).toBe(false);
    expect(edns.message.answers).toHaveLength(80);
    expect(edns.bytes.length).toBeGreaterThan(512);
    expect(edns.message.edns?.udpSize).toBe(4096);
  });

  it('takes deploy/dns.yaml, and then answers for kube-dns itself', async () => {
    const docs = parseAllDocuments(readFileSync(join(__dirname, '..', 'deploy', 'dns.yaml'), 'utf8'));
    for (const doc of docs) {
      const { info, obj } = client.scheme.fromJson(doc.toJS());
      await client.create(info, obj, obj.metadata?.namespace);
    }
    const answer = await eventually(`kube-dns.kube-system.svc.${ZONE}`, RRType.A, (m) => m.answers.length > 0);
    expect(answer.answers).toEqual([a(`kube-dns.kube-system.svc.${ZONE}`, '10.96.0.10')]);
    const srv = (await askUdp(dns.port, `_dns._udp.kube-dns.kube-system.svc.${ZONE}`, RRType.SRV)).message;
    expect(srv.answers).toMatchObject([{ type: 'SRV', port: 53, target: `kube-dns.kube-system.svc.${ZONE}` }]);
    expect((await askUdp(dns.port, `ns.dns.${ZONE}`, RRType.A)).message.answers).toEqual([a(`ns.dns.${ZONE}`, '10.96.0.10')]);
  });

  it('is understood by a stock resolver (Node\'s c-ares)', async () => {
    await eventually(fqdn('db'), RRType.A, (m) => m.answers.length > 0);
    const stock = new StockResolver({ timeout: 2000, tries: 1 });
    stock.setServers([`127.0.0.1:${dns.port}`]);
    expect(await stock.resolve4(fqdn('web'))).toEqual([web.spec?.clusterIP]);
    expect((await stock.resolve4(fqdn('db'))).sort()).toEqual(expect.arrayContaining(['10.244.1.10', '10.244.1.11']));
    expect(await stock.resolveSrv(`_http._tcp.${fqdn('web')}`)).toEqual([{ name: fqdn('web'), port: 80, priority: 0, weight: 100 }]);
    expect(await stock.reverse(web.spec?.clusterIP ?? '')).toEqual([fqdn('web')]);
    expect(await stock.resolveSoa(ZONE)).toMatchObject({ nsname: `ns.dns.${ZONE}`, hostmaster: `hostmaster.${ZONE}`, minttl: 30 });
    await expect(stock.resolve4(fqdn('missing'))).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(await stock.resolve4('www.example.org')).toEqual(['192.0.2.20']);
  });

  it('drops a deleted Service from its answers', async () => {
    await createService('gone', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    await eventually(fqdn('gone'), RRType.A, (m) => m.answers.length > 0);
    await client.resource(Services).namespace(NS).delete('gone');
    const answer = await eventually(fqdn('gone'), RRType.A, (m) => m.rcode === Rcode.NXDOMAIN, 1000);
    expect(answer.answers).toEqual([] as ResourceRecord[]);
  });
});
