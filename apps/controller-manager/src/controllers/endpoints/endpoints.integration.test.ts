// The Endpoints and EndpointSlice controllers (and the garbage collector, which removes a deleted
// Service's slices) against a real apiserver and etcd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1, discoveryv1 } from '@minik8s/api';
import { EndpointSlices, EndpointsKind, Nodes, Pods, Services, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { getOrUndefined } from '../../test-support/get-or-undefined';
import { endpointSliceControllerFactory } from '../endpointslice/endpointslice-controller';
import { newGarbageCollectorController } from '../garbage-collector/garbage-collector-controller';
import { endpointsControllerFactory } from './endpoints-controller';

let harness: ControllerHarness;
let client: ApiClient;

const WAIT = { timeoutMs: 15_000, intervalMs: 100 };

beforeAll(async () => {
  harness = await ControllerHarness.start({
    factories: [endpointsControllerFactory, endpointSliceControllerFactory, newGarbageCollectorController],
    startControllers: false,
  });
  client = harness.client;
  for (const name of ['node-a', 'node-b']) {
    await client.resource(Nodes).create({ metadata: { name, labels: { 'topology.kubernetes.io/zone': `zone-${name}` } } });
  }
  await harness.startControllers();
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

/** A Service of port 80 to the pods' named port http; `selector` null for one without a selector. */
function webService(name: string, selector: Record<string, string> | null = { app: name }): corev1.Service {
  return { metadata: { name, labels: { team: 'frontend' } }, spec: { selector: selector ?? undefined, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: { type: 1, strVal: 'http' } }] } };
}

/** A pod on `node` serving the named port http on 8080. */
async function createPod(ns: string, name: string, labels: Record<string, string>, node: string): Promise<corev1.Pod> {
  return client.resource(Pods).namespace(ns).create({
    metadata: { name, labels },
    spec: { nodeName: node, containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
  });
}

/** What the kubelet would report: running with `ip`, Ready or not (status.qosClass kept as set). */
async function setStatus(ns: string, name: string, ip: string, ready: boolean): Promise<void> {
  const pods = client.resource(Pods).namespace(ns);
  const fresh = await pods.get(name);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await pods.updateStatus({
    ...fresh,
    status: {
      ...fresh.status,
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
    },
  });
}

async function getEndpoints(ns: string, name: string): Promise<corev1.Endpoints | undefined> {
  return getOrUndefined(() => client.resource(EndpointsKind).namespace(ns).get(name));
}

async function slicesOf(ns: string, service: string): Promise<discoveryv1.EndpointSlice[]> {
  const { items } = await client.resource(EndpointSlices).namespace(ns).list({ labelSelector: `kubernetes.io/service-name=${service}` });
  return items;
}

const ipsOf = (addresses: corev1.EndpointAddress[] | undefined): string[] => (addresses ?? []).map((a) => a.ip ?? '').sort();

/** Waits until the Endpoints lists exactly these ready and not-ready IPs. */
async function waitForAddresses(ns: string, name: string, ready: string[], notReady: string[], description: string): Promise<corev1.Endpoints> {
  return waitFor(async () => {
    const ep = await getEndpoints(ns, name);
    const subsets = ep?.subsets ?? [];
    const got = [ipsOf(subsets.flatMap((s) => s.addresses ?? [])), ipsOf(subsets.flatMap((s) => s.notReadyAddresses ?? []))];
    return JSON.stringify(got) === JSON.stringify([ready, notReady]) ? ep : undefined;
  }, { ...WAIT, description });
}

/** Waits until the Service has one slice whose endpoints satisfy `check`. */
async function waitForSlice(ns: string, name: string, check: (endpoints: discoveryv1.Endpoint[]) => boolean, description: string): Promise<discoveryv1.EndpointSlice> {
  return waitFor(async () => {
    const slices = await slicesOf(ns, name);
    return slices.length === 1 && check(slices[0].endpoints ?? []) ? slices[0] : undefined;
  }, { ...WAIT, description });
}

const byIP = (endpoints: discoveryv1.Endpoint[], ip: string): discoveryv1.Endpoint | undefined => endpoints.find((e) => e.addresses?.[0] === ip);

describe('Endpoints and EndpointSlice controllers against a real apiserver', () => {
  it('track a Service\'s pods through readiness changes and deletion', async () => {
    const ns = await harness.createNamespace('ep-web');
    const svc = await client.resource(Services).namespace(ns).create(webService('web'));
    const ips = ['10.244.1.10', '10.244.1.11', '10.244.2.12'];
    for (const [i, ip] of ips.entries()) {
      await createPod(ns, `web-${i}`, { app: 'web' }, i < 2 ? 'node-a' : 'node-b');
      await setStatus(ns, `web-${i}`, ip, true);
    }

    // Three ready addresses, with node, pod and the resolved named port.
    const ep = await waitForAddresses(ns, 'web', ips, [], 'Endpoints with 3 ready addresses');
    expect(ep.metadata?.labels).toEqual({ team: 'frontend', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' });
    expect(ep.metadata?.ownerReferences ?? []).toEqual([]);
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets?.[0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const first = ep.subsets?.[0].addresses?.find((a) => a.ip === ips[0]);
    expect(first).toMatchObject({ nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: ns, name: 'web-0' } });

    // One slice with three ready endpoints, owned by the Service.
    const slice = await waitForSlice(ns, 'web', (eps) => eps.length === 3 && eps.every((e) => e.conditions?.ready), 'a slice with 3 ready endpoints');
    expect(slice.metadata?.name).toMatch(/^web-/);
    expect(slice.metadata?.labels).toEqual({
      team: 'frontend',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(slice.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(byIP(slice.endpoints ?? [], ips[2])).toMatchObject({
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'node-b',
      zone: 'zone-node-b',
      targetRef: { kind: 'Pod', namespace: ns, name: 'web-2' },
    });
    const sliceName = slice.metadata?.name;

    // web-1 turns not ready.
    await setStatus(ns, 'web-1', ips[1], false);
    await waitForAddresses(ns, 'web', [ips[0], ips[2]], [ips[1]], 'web-1 among the not-ready addresses');
    const notReady = await waitForSlice(ns, 'web', (eps) => byIP(eps, ips[1])?.conditions?.ready === false, 'web-1 not ready in the slice');
    expect(byIP(notReady.endpoints ?? [], ips[1])?.conditions).toEqual({ ready: false, serving: false, terminating: false });
    expect(notReady.metadata?.name).toBe(sliceName);

    // web-2 is deleted gracefully: gone from Endpoints, terminating in the slice.
    await client.resource(Pods).namespace(ns).delete('web-2');
    await waitForAddresses(ns, 'web', [ips[0]], [ips[1]], 'the terminating pod out of Endpoints');
    const terminating = await waitForSlice(ns, 'web', (eps) => byIP(eps, ips[2])?.conditions?.terminating === true, 'web-2 terminating in the slice');
    expect(byIP(terminating.endpoints ?? [], ips[2])?.conditions).toEqual({ ready: false, serving: true, terminating: true });

    // And then removed for good.
    await client.resource(Pods).namespace(ns).delete('web-2', { gracePeriodSeconds: 0 });
    const final = await waitForSlice(ns, 'web', (eps) => eps.length === 2, 'web-2 out of the slice');
    expect(final.metadata?.name).toBe(sliceName);
    expect((final.endpoints ?? []).map((e) => e.addresses?.[0]).sort()).toEqual([ips[0], ips[1]]);
  });

  it('leave the hand-written Endpoints of a Service without a selector alone', async () => {
    const ns = await harness.createNamespace('ep-manual');
    await client.resource(Services).namespace(ns).create(webService('external', null));
    const written = await client.resource(EndpointsKind).namespace(ns).create({
      metadata: { name: 'external', labels: { owner: 'me' } },
      subsets: [{ addresses: [{ ip: '192.168.10.5' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }],
    });
    // A pod the Service would select if it had a selector.
    await createPod(ns, 'web-0', { app: 'external' }, 'node-a');
    await setStatus(ns, 'web-0', '10.244.1.20', true);
    // A Service created afterwards gets its Endpoints: the controllers have seen all of the above.
    await client.resource(Services).namespace(ns).create(webService('barrier', { app: 'external' }));
    await waitForAddresses(ns, 'barrier', ['10.244.1.20'], [], 'the Endpoints of a later Service');
    await waitForSlice(ns, 'barrier', (eps) => eps.length === 1, 'the slice of a later Service');

    const after = await getEndpoints(ns, 'external');
    expect(after?.metadata?.resourceVersion).toBe(written.metadata?.resourceVersion);
    expect(after?.metadata?.labels).toEqual({ owner: 'me' });
    expect(after?.subsets).toEqual(written.subsets);
    expect(await slicesOf(ns, 'external')).toEqual([]);
  });

  it('remove a deleted Service\'s Endpoints and slices', async () => {
    const ns = await harness.createNamespace('ep-gone');
    await client.resource(Services).namespace(ns).create(webService('gone'));
    await createPod(ns, 'gone-0', { app: 'gone' }, 'node-b');
    await setStatus(ns, 'gone-0', '10.244.2.30', true);
    await waitForAddresses(ns, 'gone', ['10.244.2.30'], [], 'the Endpoints of the Service');
    await waitForSlice(ns, 'gone', (eps) => eps.length === 1, 'the slice of the Service');

    await client.resource(Services).namespace(ns).delete('gone');
    await waitFor(async () => (await getEndpoints(ns, 'gone')) === undefined, { ...WAIT, description: 'the Endpoints deleted' });
    await waitFor(async () => (await slicesOf(ns, 'gone')).length === 0, { ...WAIT, description: 'the slices garbage-collected' });
    // The pod is untouched.
    expect((await client.resource(Pods).namespace(ns).get('gone-0')).metadata?.deletionTimestamp).toBeUndefined();
  });

  it('keep an empty placeholder slice for a Service that selects nothing', async () => {
    const ns = await harness.createNamespace('ep-empty');
    await client.resource(Services).namespace(ns).create(webService('lonely'));
    const placeholder = await waitForSlice(ns, 'lonely', (eps) => eps.length === 0, 'a placeholder slice');
    expect(placeholder.ports ?? []).toEqual([]);
    const ep = await waitFor(() => getEndpoints(ns, 'lonely'), { ...WAIT, description: 'an empty Endpoints' });
    expect(ep.subsets ?? []).toEqual([]);
  });
});
