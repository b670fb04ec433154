import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Services, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { newServiceLbController } from './service-lb-controller';

// The controller in-process against a real apiserver: the status it writes passes the
// apiserver's validation, and addresses follow Services through create, type change and delete.

let harness: ControllerHarness;
let client: ApiClient;
const NS = 'default';

const ingress = async (name: string): Promise<string[]> =>
  ((await client.resource(Services).namespace(NS).get(name)).status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');

function lb(name: string, extra: corev1.ServiceSpec = {}): corev1.Service {
  return { metadata: { name, namespace: NS }, spec: { type: 'LoadBalancer', ports: [{ protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080 } }], ...extra } };
}

beforeAll(async () => {
  harness = await ControllerHarness.start({ factories: [newServiceLbController], options: { loadBalancerIPRange: '192.168.90.10-192.168.90.11' } });
  client = harness.client;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
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
