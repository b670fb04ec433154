import { describe, expect, it } from 'vitest';
import type { corev1, discoveryv1 } from '@minik8s/api';
import { ENDPOINTSLICE_MANAGED_BY } from './endpointslice-controller';
import { planSlices, type SlicePlan } from './reconciler';
import { intPort, namedPort, node, pod, service, type PodOptions } from './test-support';

const NODES = new Map([
  ['node-a', node('node-a', 'zone-1')],
  ['node-b', node('node-b')],
]);

function plan(svc: corev1.Service, pods: corev1.Pod[], existing: discoveryv1.EndpointSlice[] = [], max = 100): SlicePlan {
  return planSlices({ service: svc, pods, existing, node: (name) => NODES.get(name), maxEndpointsPerSlice: max, controllerName: ENDPOINTSLICE_MANAGED_BY });
}

let sliceCounter = 0;
/** What the apiserver would hold after creating `slice`. */
function stored(slice: discoveryv1.EndpointSlice, name = `web-${++sliceCounter}`): discoveryv1.EndpointSlice {
  return { ...slice, metadata: { ...slice.metadata, name, uid: `uid-${name}`, resourceVersion: '5', generation: 1 } };
}

function ips(slice: discoveryv1.EndpointSlice): string[] {
  return (slice.endpoints ?? []).map((e) => (e.addresses ?? [])[0]);
}

function pods(n: number, options: (i: number) => PodOptions = () => ({})): corev1.Pod[] {
  return Array.from({ length: n }, (_, i) => pod(`p${String(i).padStart(3, '0')}`, { ip: `10.244.${Math.floor(i / 200)}.${(i % 200) + 1}`, ...options(i) }));
}

describe('planSlices: a new Service', () => {
  it('creates one slice with an endpoint per pod, labelled and owned by the Service', () => {
    const svc = service('web', { labels: { team: 'a' } });
    const result = plan(svc, [pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2', ready: false, node: 'node-b' })]);
    expect(result.update).toEqual([]);
    expect(result.delete).toEqual([]);
    expect(result.problems).toEqual([]);
    expect(result.create).toHaveLength(1);
    const [slice] = result.create;
    expect(slice.metadata).toEqual({
      generateName: 'web-',
      namespace: 'default',
      labels: { team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-svc-web', controller: true, blockOwnerDeletion: true }],
    });
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice.endpoints).toEqual([
      {
        addresses: ['10.244.0.1'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
        nodeName: 'node-a',
        zone: 'zone-1',
      },
      {
        addresses: ['10.244.0.2'],
        conditions: { ready: false, serving: false, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' },
        nodeName: 'node-b',
      },
    ]);
  });

  const conditionCases: [string, PodOptions, boolean | undefined, discoveryv1.EndpointConditions][] = [
    ['ready', {}, undefined, { ready: true, serving: true, terminating: false }],
    ['not ready', { ready: false }, undefined, { ready: false, serving: false, terminating: false }],
    ['terminating but still ready', { deleting: true }, undefined, { ready: false, serving: true, terminating: true }],
    ['terminating and not ready', { deleting: true, ready: false }, undefined, { ready: false, serving: false, terminating: true }],
    ['not ready, published anyway', { ready: false }, true, { ready: true, serving: false, terminating: false }],
    ['terminating, published anyway', { deleting: true }, true, { ready: true, serving: true, terminating: true }],
  ];
  it.each(conditionCases)('conditions of a pod: %s', (_name, options, publish, conditions) => {
    const result = plan(service('web', { publishNotReadyAddresses: publish }), [pod('a', options)]);
    expect(result.create[0].endpoints?.[0].conditions).toEqual(conditions);
  });

  it('sets the hostname of a pod in the Service subdomain only', () => {
    const result = plan(service('web'), [pod('a', { ip: '10.244.0.1', hostname: 'web-0', subdomain: 'web' }), pod('b', { ip: '10.244.0.2', hostname: 'b', subdomain: 'db' })]);
    expect(result.create[0].endpoints?.map((e) => e.hostname)).toEqual(['web-0', undefined]);
  });

  it('leaves out pods without an IP or finished', () => {
    const result = plan(service('web'), [pod('a', { ip: '10.244.0.1' }), pod('b', { ips: [] }), pod('c', { phase: 'Succeeded' })]);
    expect(ips(result.create[0])).toEqual(['10.244.0.1']);
  });

  it('groups pods by the ports they serve: one slice per port set', () => {
    const svc = service('web', {
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: namedPort('http'), appProtocol: 'http' },
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: intPort(5353) },
      ],
    });
    const result = plan(svc, [pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2', ports: [] }), pod('c', { ip: '10.244.0.3' })]);
    expect(result.create.map((s) => [s.ports, ips(s)])).toEqual([
      [
        [
          { name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' },
          { name: 'dns', port: 5353, protocol: 'UDP' },
        ],
        ['10.244.0.1', '10.244.0.3'],
      ],
      [[{ name: 'dns', port: 5353, protocol: 'UDP' }], ['10.244.0.2']],
    ]);
  });

  it('splits 250 endpoints into slices of at most 100', () => {
    const result = plan(service('web'), pods(250));
    expect(result.create.map((s) => s.endpoints?.length)).toEqual([100, 100, 50]);
    const all = result.create.flatMap(ips);
    expect(new Set(all).size).toBe(250);
  });

  it('honours a smaller maxEndpointsPerSlice', () => {
    expect(plan(service('web'), pods(7), [], 3).create.map((s) => s.endpoints?.length)).toEqual([3, 3, 1]);
  });

  it('creates an empty placeholder slice when no pod is selected', () => {
    const result = plan(service('web'), []);
    expect(result.create).toHaveLength(1);
    expect(result.create[0]).toMatchObject({ addressType: 'IPv4', endpoints: [], ports: [] });
  });

  it('marks a headless Service', () => {
    const result = plan(service('web', { clusterIP: 'None' }), [pod('a')]);
    expect(result.create[0].metadata?.labels?.['service.kubernetes.io/headless']).toBe('');
  });

  it('skips a pod whose Node is unknown, and says so', () => {
    const result = plan(service('web'), [pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2', node: 'node-gone' })]);
    expect(ips(result.create[0])).toEqual(['10.244.0.1']);
    expect(result.problems).toEqual(['skipping Pod b for Service default/web: Node node-gone Not Found']);
    const published = plan(service('web', { publishNotReadyAddresses: true }), [pod('b', { ip: '10.244.0.2', node: 'node-gone' })]);
    expect(ips(published.create[0])).toEqual(['10.244.0.2']);
    expect(published.problems).toEqual([]);
  });
});

describe('planSlices: existing slices', () => {
  const svc = service('web');
  const three = pods(3);
  const current = stored(plan(svc, three).create[0], 'web-abc');

  it('writes nothing when nothing changed', () => {
    expect(plan(svc, three, [current])).toEqual({ create: [], update: [], delete: [], problems: [] });
  });

  it('updates the endpoint of a pod that turned not ready in place', () => {
    const changed = pods(3, (i) => ({ ready: i !== 1 }));
    const result = plan(svc, changed, [current]);
    expect(result.create).toEqual([]);
    expect(result.delete).toEqual([]);
    expect(result.update).toHaveLength(1);
    const [slice] = result.update;
    expect(slice.metadata).toMatchObject({ name: 'web-abc', resourceVersion: '5' });
    expect(ips(slice)).toEqual(ips(current));
    expect(slice.endpoints?.map((e) => e.conditions?.ready)).toEqual([true, false, true]);
    // The cached slice is not touched.
    expect(current.endpoints?.map((e) => e.conditions?.ready)).toEqual([true, true, true]);
  });

  it('removes the endpoint of a deleted pod, keeping the order of the rest', () => {
    const result = plan(svc, [three[0], three[2]], [current]);
    expect(result.update.map((s) => [s.metadata?.name, ips(s)])).toEqual([['web-abc', ['10.244.0.1', '10.244.0.3']]]);
  });

  it('adds a new pod to the existing slice instead of a new one', () => {
    const result = plan(svc, pods(4), [current]);
    expect(result.create).toEqual([]);
    expect(result.update.map((s) => [s.metadata?.name, ips(s)])).toEqual([['web-abc', ['10.244.0.1', '10.244.0.2', '10.244.0.3', '10.244.0.4']]]);
  });

  it('fills slices being rewritten first, then an unchanged slice they fit in, then new ones', () => {
    const all = pods(230);
    const full = stored(plan(svc, all.slice(0, 100)).create[0], 'web-full');
    const half = stored(plan(svc, all.slice(100, 150)).create[0], 'web-half');
    // p000 goes, so web-full is rewritten anyway and takes the first new pod; the 29 others fit
    // in web-half.
    const fits = plan(svc, all.slice(1, 180), [full, half]);
    expect(fits.create).toEqual([]);
    expect(fits.update.map((s) => [s.metadata?.name, s.endpoints?.length])).toEqual([
      ['web-full', 100],
      ['web-half', 79],
    ]);
    expect(fits.update[0].endpoints?.at(-1)?.targetRef?.name).toBe('p150');
    // 80 new pods: one into web-full; the 79 others do not fit in web-half, so they get a slice.
    const overflow = plan(svc, all.slice(1), [full, half]);
    expect(overflow.update.map((s) => [s.metadata?.name, s.endpoints?.length])).toEqual([['web-full', 100]]);
    expect(overflow.create.map((s) => s.endpoints?.length)).toEqual([79]);
  });

  it('turns the slice of the last pod into the placeholder rather than delete and create', () => {
    const result = plan(svc, [], [current]);
    expect(result.create).toEqual([]);
    expect(result.delete).toEqual([]);
    expect(result.update).toHaveLength(1);
    expect(result.update[0]).toMatchObject({ metadata: { name: 'web-abc', resourceVersion: '5' }, endpoints: [], ports: [] });
  });

  it('keeps an existing placeholder as it is', () => {
    const placeholder = stored(plan(svc, []).create[0], 'web-empty');
    expect(plan(svc, [], [placeholder])).toEqual({ create: [], update: [], delete: [], problems: [] });
  });

  it('reuses the placeholder for the first endpoints', () => {
    const placeholder = stored(plan(svc, []).create[0], 'web-empty');
    const result = plan(svc, three, [placeholder]);
    expect(result.create).toEqual([]);
    expect(result.delete).toEqual([]);
    expect(result.update.map((s) => [s.metadata?.name, s.ports, ips(s)])).toEqual([['web-empty', [{ name: 'http', port: 8080, protocol: 'TCP' }], ips(current)]]);
  });

  it('rewrites the labels when the Service labels change', () => {
    const relabelled = service('web', { labels: { tier: 'fe' } });
    const result = plan(relabelled, three, [current]);
    expect(result.update).toHaveLength(1);
    expect(result.update[0].metadata?.labels).toMatchObject({ tier: 'fe', 'kubernetes.io/service-name': 'web' });
    expect(result.update[0].endpoints).toEqual(current.endpoints);
  });

  it('deletes slices the Service does not own, and those of another address type', () => {
    const foreign = { ...current, metadata: { ...current.metadata, name: 'web-old', uid: 'uid-web-old', ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'previous-uid' }] } };
    const ipv6 = { ...current, metadata: { ...current.metadata, name: 'web-v6', uid: 'uid-web-v6' }, addressType: 'IPv6' };
    const result = plan(svc, three, [current, foreign, ipv6]);
    expect(result.create).toEqual([]);
    expect(result.update).toEqual([]);
    expect(result.delete.map((s) => s.metadata?.name)).toEqual(['web-old', 'web-v6']);
  });

  it('moves endpoints to a slice of the new port set when the target port changes', () => {
    const moved = service('web', { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: intPort(9000) }] });
    const result = plan(moved, three, [current]);
    expect(result.create).toEqual([]);
    expect(result.delete).toEqual([]);
    expect(result.update.map((s) => [s.metadata?.name, s.ports, ips(s)])).toEqual([['web-abc', [{ name: 'http', port: 9000, protocol: 'TCP' }], ips(current)]]);
  });
});
