import { ApiClient, EndpointSlices, EndpointsKind, Services } from '@minik8s/client';
import { ApiServerHarness, EtcdHarness, waitFor } from '@minik8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two real apiservers on one etcd, each advertising another address: both keep default/kubernetes
// and list themselves in its endpoints; one that stops takes itself out.

let etcd: EtcdHarness;
let first: ApiServerHarness;
let second: ApiServerHarness | undefined;
let client: ApiClient;

async function endpointIPs(): Promise<string[]> {
  const ep = await client.resource(EndpointsKind).namespace('default').get('kubernetes');
  return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip ?? '')).sort();
}

async function sliceIPs(): Promise<string[]> {
  const slice = await client.resource(EndpointSlices).namespace('default').get('kubernetes');
  return (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []).sort();
}

describe('the kubernetes Service', () => {
  beforeAll(async () => {
    etcd = await EtcdHarness.start();
    first = await ApiServerHarness.start({ etcdEndpoint: etcd.endpoint, extraArgs: ['--advertise-address=10.201.0.1'] });
    client = new ApiClient(first.address, { timeoutMs: 10_000 });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await second?.stop();
    await first?.stop();
    await etcd?.stop();
  });

  it('exists on the first service IP, port 443 to the apiserver\'s port, with this apiserver as its endpoint', async () => {
    const svc = await waitFor(() => client.resource(Services).namespace('default').get('kubernetes'), { timeoutMs: 20_000, description: 'the kubernetes Service' });
    expect(svc.spec?.clusterIP).toBe('10.96.0.1');
    const port = Number(first.address.split(':')[1]);
    expect(svc.spec?.ports).toMatchObject([{ name: 'https', port: 443, protocol: 'TCP', targetPort: { intVal: port } }]);
    // The reconciler writes the Endpoints, then the EndpointSlice: wait for both.
    await waitFor(async () => (await endpointIPs()).join() === '10.201.0.1' && (await sliceIPs().catch(() => [])).join() === '10.201.0.1', {
      timeoutMs: 20_000,
      description: 'the kubernetes Endpoints and EndpointSlice',
    });
    const slice = await client.resource(EndpointSlices).namespace('default').get('kubernetes');
    expect(slice.metadata?.labels?.['kubernetes.io/service-name']).toBe('kubernetes');
    expect(slice.ports).toMatchObject([{ name: 'https', port, protocol: 'TCP' }]);
    expect(await sliceIPs()).toEqual(['10.201.0.1']);
  });

  it('is recreated when deleted', async () => {
    await client.resource(Services).namespace('default').delete('kubernetes');
    // The reconciler runs every 10 s.
    const svc = await waitFor(() => client.resource(Services).namespace('default').get('kubernetes').catch(() => undefined), { timeoutMs: 30_000, intervalMs: 200, description: 'the kubernetes Service back' });
    expect(svc.spec?.clusterIP).toBe('10.96.0.1');
  });

  it('lists every apiserver sharing the etcd, and drops one that stops', async () => {
    second = await ApiServerHarness.start({ etcdEndpoint: etcd.endpoint, extraArgs: ['--advertise-address=10.201.0.2'] });
    await waitFor(async () => (await endpointIPs()).join() === '10.201.0.1,10.201.0.2' && (await sliceIPs()).join() === '10.201.0.1,10.201.0.2', {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: 'both apiservers in the endpoints',
    });
    await second.stop();
    second = undefined;
    await waitFor(async () => (await endpointIPs()).join() === '10.201.0.1' && (await sliceIPs()).join() === '10.201.0.1', {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: 'the stopped apiserver gone from the endpoints',
    });
  });
});
