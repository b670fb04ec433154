import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { ApiClient, EventRecorder, InformerFactory, Services, realClock } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { ApiServerHarness, EtcdHarness, waitFor } from '@minik8s/testing';
import type { ControllerContext } from '../../controller';
import { newServiceLbController } from './service-lb-controller';

// The controller in-process against a real apiserver: the status it writes passes the
// apiserver's validation, and addresses follow Services through create, type change and delete.

let etcd: EtcdHarness;
let apiserver: ApiServerHarness;
let client: ApiClient;
let stop: (() => Promise<void>) | undefined;
const NS = 'default';

const ingress = async (name: string): Promise<string[]> =>
  ((await client.resource(Services).namespace(NS).get(name)).status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');

function lb(name: string, extra: corev1.ServiceSpec = {}): corev1.Service {
  return { metadata: { name, namespace: NS }, spec: { type: 'LoadBalancer', ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080 } }], ...extra } };
}

beforeAll(async () => {
  etcd = await EtcdHarness.start();
  apiserver = await ApiServerHarness.start({ etcdEndpoint: etcd.endpoint });
  client = new ApiClient(apiserver.address, { timeoutMs: 5000 });
  const informers = new InformerFactory(client);
  const context: ControllerContext = {
    client,
    informers,
    recorder: (component) => new EventRecorder(client, { component, host: 'integration-test' }),
    logger: silentLogger(),
    clock: realClock,
    options: { clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24, nodeMonitorGracePeriodMs: 40_000, podEvictionTimeoutMs: 300_000, concurrentSyncs: 2, loadBalancerIPRange: '192.168.90.10-192.168.90.11' },
  };
  const controller = newServiceLbController(context);
  informers.start();
  expect(await informers.waitForCacheSync(10_000)).toBe(true);
  const abort = new AbortController();
  const running = controller.run(abort.signal);
  stop = async () => {
    abort.abort();
    await running;
    await informers.stop();
  };
}, 60_000);

afterAll(async () => {
  await stop?.();
  client?.close();
  await apiserver?.stop();
  await etcd?.stop();
});

describe('service-lb against a real apiserver', () => {
  it('gives LoadBalancer Services addresses from the pool, honouring loadBalancerIP, and recycles them', async () => {
    await client.resource(Services).namespace(NS).create(lb('wants', { loadBalancerIP: '192.168.90.11' }));
    await client.resource(Services).namespace(NS).create(lb('first'));
    await waitFor(async () => (await ingress('wants')).join() === '192.168.90.11' && (await ingress('first')).join() === '192.168.90.10', {
      timeoutMs: 15_000,
      description: 'both Services with their addresses',
    });
    const svc = await client.resource(Services).namespace(NS).get('first');
    expect(svc.status?.loadBalancer?.ingress).toEqual([{ ip: '192.168.90.10', ipMode: 'VIP', ports: [] }]);

    // The pool is empty now: a third Service waits, and gets the address the first frees.
    await client.resource(Services).namespace(NS).create(lb('third'));
    await waitFor(
      async () => (await client.resource(Services).namespace(NS).get('third')).metadata?.uid && (await ingress('third')).length === 0,
      { timeoutMs: 5_000, description: 'third without an address' },
    );
    const first = await client.resource(Services).namespace(NS).get('first');
    await client.resource(Services).namespace(NS).update({ ...first, spec: { ...first.spec, type: 'ClusterIP' } });
    await waitFor(async () => (await ingress('third')).join() === '192.168.90.10', { timeoutMs: 15_000, description: 'third given the freed address' });
    await waitFor(async () => (await ingress('first')).length === 0, { timeoutMs: 15_000, description: 'first\'s status cleared' });

    await client.resource(Services).namespace(NS).delete('wants');
    await client.resource(Services).namespace(NS).create(lb('fourth'));
    await waitFor(async () => (await ingress('fourth')).join() === '192.168.90.11', { timeoutMs: 15_000, description: 'fourth given the deleted Service\'s address' });
  });
});
