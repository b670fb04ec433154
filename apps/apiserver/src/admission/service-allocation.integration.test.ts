import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError, type corev1 } from '@minik8s/api';
import { ApiClient, Namespaces, Services } from '@minik8s/client';
import { freePort } from '@minik8s/testing';
import { ApiFixture } from '../test/api-fixture';
import { Ipv4Range } from './ipv4-range';

const f = new ApiFixture();
beforeAll(() => f.start(), 60_000);
afterAll(() => f.stop());

const range = Ipv4Range.parse('10.96.0.0/12');

function service(name: string, spec: corev1.ServiceSpec = {}): corev1.Service {
  return { metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StatusError) return err.message;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('service allocation', () => {
  it('gives each Service its own ClusterIP in the range, and honours a requested one once', async () => {
    await f.client.resource(Namespaces).create({ metadata: { name: 'svc-ips' } });
    const services = f.client.resource(Services).namespace('svc-ips');
    const a = await services.create(service('a'));
    const b = await services.create(service('b'));
    for (const svc of [a, b]) {
      expect(range.offsetOf(svc.spec?.clusterIP ?? '')).toBeDefined();
      expect(svc.spec?.clusterIPs).toEqual([svc.spec?.clusterIP]);
    }
    expect(a.spec?.clusterIP).not.toBe(b.spec?.clusterIP);
    const dns = await services.create(service('dns', { clusterIP: '10.96.0.10' }));
    expect(dns.spec?.clusterIP).toBe('10.96.0.10');
    expect(await failure(services.create(service('dns2', { clusterIP: '10.96.0.10' })))).toBe(
      'Service "dns2" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.10": provided IP is already allocated',
    );
    expect(await failure(services.create(service('outside', { clusterIP: '192.168.0.1' })))).toContain('provided IP is not in the valid range');
    await services.delete('dns');
    expect((await services.create(service('dns3', { clusterIP: '10.96.0.10' }))).spec?.clusterIP).toBe('10.96.0.10');
  });

  it('leaves headless and ExternalName Services without an IP', async () => {
    await f.client.resource(Namespaces).create({ metadata: { name: 'svc-headless' } });
    const services = f.client.resource(Services).namespace('svc-headless');
    expect((await services.create(service('headless', { clusterIP: 'None' }))).spec?.clusterIP).toBe('None');
    const external = await services.create({ metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    expect(external.spec?.clusterIP).toBeUndefined();
  });

  it('allocates NodePorts in 30000-32767 and refuses a port already taken', async () => {
    await f.client.resource(Namespaces).create({ metadata: { name: 'svc-ports' } });
    const services = f.client.resource(Services).namespace('svc-ports');
    const np = await services.create(service('np', { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }));
    const ports = (np.spec?.ports ?? []).map((p) => p.nodePort ?? 0);
    expect(ports.every((p) => p >= 30000 && p <= 32767)).toBe(true);
    expect(new Set(ports).size).toBe(2);
    await services.create(service('fixed', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    expect(await failure(services.create(service('clash', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })))).toBe(
      'Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    // An update that keeps the port keeps its node port.
    const current = await services.get('np');
    const updated = await services.update({ ...current, spec: { ...current.spec, ports: (current.spec?.ports ?? []).map((p) => ({ ...p, nodePort: undefined })) } });
    expect((updated.spec?.ports ?? []).map((p) => p.nodePort)).toEqual(ports);
  });

  it('never gives two Services the same IP, even through two apiservers at once', async () => {
    // Two apiservers on their own prefix with a 32-address range: 28 Services fill it almost
    // entirely, so the servers' random picks collide and only the etcd reservation keeps them apart.
    const small = { serviceClusterIpRange: '10.100.0.0/27', etcdPrefix: '/race' };
    const one = await f.startServer({ ...small, port: await freePort() });
    const two = await f.startServer({ ...small, port: await freePort() });
    const clients = [new ApiClient(one.address), new ApiClient(two.address)];
    try {
      await clients[0].resource(Namespaces).create({ metadata: { name: 'svc-race' } });
      const created = await Promise.all(
        Array.from({ length: 28 }, (_, i) => clients[i % 2].resource(Services).namespace('svc-race').create(service(`s${i}`))),
      );
      const ips = created.map((s) => s.spec?.clusterIP);
      expect(new Set(ips).size).toBe(28);
      expect(ips.every((ip) => Ipv4Range.parse('10.100.0.0/27').offsetOf(ip ?? '') !== undefined)).toBe(true);
    } finally {
      for (const c of clients) c.close();
      await one.stop();
      await two.stop();
    }
  });
});
