import { describe, expect, it } from 'vitest';
import type { Namespace, Node } from '../generated/core/v1';
import { formatFieldError } from '../validation/field-path';
import { namespaceStrategy, nodeStrategy } from './core-v1-cluster';

describe('Namespace', () => {
  function created(ns: Namespace): Namespace {
    namespaceStrategy.prepareForCreate?.(ns);
    namespaceStrategy.applyDefaults?.(ns);
    return ns;
  }

  it('gets the kubernetes finalizer, the name label and phase Active on create', () => {
    const ns = created({ metadata: { name: 'shop' }, status: { phase: 'Terminating' } });
    expect(ns.spec?.finalizers).toEqual(['kubernetes']);
    expect(ns.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'shop' });
    expect(ns.status).toEqual({ phase: 'Active' });
  });

  it('keeps other finalizers and adds the kubernetes one after them', () => {
    expect(created({ metadata: { name: 'shop' }, spec: { finalizers: ['example.com/cleanup'] } }).spec?.finalizers).toEqual([
      'example.com/cleanup',
      'kubernetes',
    ]);
  });

  it('is named with a DNS label', () => {
    expect(namespaceStrategy.nameValidator?.('shop.prod', false)).toEqual(['must not contain dots']);
    expect(namespaceStrategy.nameValidator?.('shop', false)).toEqual([]);
  });

  it.each([
    ['a fully qualified finalizer', ['example.com/cleanup'], []],
    ['the kubernetes finalizer', ['kubernetes'], []],
    ['an unqualified finalizer', ['cleanup'], ['spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified']],
  ])('validates %s', (_name, finalizers, expected) => {
    expect(namespaceStrategy.validate?.({ metadata: { name: 'shop' }, spec: { finalizers } }).map(formatFieldError)).toEqual(expected);
  });

  it('keeps finalizers out of plain updates', () => {
    const old = created({ metadata: { name: 'shop' } });
    const next: Namespace = { ...structuredClone(old), spec: { finalizers: [] } };
    namespaceStrategy.prepareForUpdate?.(next, old);
    expect(next.spec?.finalizers).toEqual(['kubernetes']);
  });

  it.each([
    ['Terminating without a deletion timestamp', undefined, 'Terminating', ['status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty']],
    ['Terminating while being deleted', '2026-01-02T10:00:00Z', 'Terminating', []],
    ['Active while being deleted', '2026-01-02T10:00:00Z', 'Active', ['status.Phase: Invalid value: "Active": may only be \'Terminating\' if `deletionTimestamp` is not empty']],
  ])('checks a status write of %s', (_name, deletionTimestamp, phase, expected) => {
    const old: Namespace = { metadata: { name: 'shop', deletionTimestamp }, status: { phase: phase === 'Active' ? 'Terminating' : 'Active' } };
    const next: Namespace = { ...old, status: { phase } };
    expect(namespaceStrategy.validateUpdate?.(next, old).map(formatFieldError)).toEqual(expected);
  });
});

describe('Node', () => {
  function node(mutate: (n: Node) => void = () => undefined): Node {
    const n: Node = { metadata: { name: 'worker-1' }, spec: { podCIDR: '10.244.1.0/24' }, status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' } } };
    mutate(n);
    nodeStrategy.applyDefaults?.(n);
    return n;
  }

  it('keeps podCIDR and podCIDRs in step and defaults allocatable to capacity', () => {
    const n = node();
    expect(n.spec?.podCIDRs).toEqual(['10.244.1.0/24']);
    expect(n.status?.allocatable).toEqual({ cpu: '2', memory: '4Gi', pods: '110' });
    expect(node((x) => (x.spec = { podCIDRs: ['10.244.2.0/24'] })).spec?.podCIDR).toBe('10.244.2.0/24');
  });

  it.each([
    ['a valid node', () => undefined, []],
    [
      'a pod CIDR that is not a CIDR',
      (n: Node) => (n.spec = { podCIDR: '10.244.1.0' }),
      ['spec.podCIDRs[0]: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ],
    [
      'two IPv4 pod CIDRs',
      (n: Node) => (n.spec = { podCIDRs: ['10.244.1.0/24', '10.245.1.0/24'] }),
      ['spec.podCIDRs: Invalid value: []string{"10.244.1.0/24", "10.245.1.0/24"}: may specify no more than one CIDR for each IP family'],
    ],
    [
      'a taint with an unknown effect',
      (n: Node) => (n.spec!.taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoRun' }]),
      ['metadata.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'],
    ],
    ['a taint without an effect', (n: Node) => (n.spec!.taints = [{ key: 'dedicated' }]), ['metadata.taints[0].effect: Required value']],
    [
      'a taint twice with one effect',
      (n: Node) =>
        (n.spec!.taints = [
          { key: 'dedicated', value: 'a', effect: 'NoSchedule' },
          { key: 'dedicated', value: 'b', effect: 'NoSchedule' },
        ]),
      ['metadata.taints[1]: Duplicate value: {"key":"dedicated","value":"b","effect":"NoSchedule"}: taints must be unique by key and effect pair'],
    ],
    [
      'a negative capacity',
      (n: Node) => (n.status = { capacity: { cpu: '-1' } }),
      ['status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0', 'status.allocatable.cpu: Invalid value: "-1": must be greater than or equal to 0'],
    ],
    ['a fractional pod count', (n: Node) => (n.status = { capacity: { pods: '1500m' }, allocatable: { pods: '1' } }), ['status.capacity.pods: Invalid value: "1500m": must be an integer']],
  ])('validates %s', (_name, mutate, expected) => {
    expect(nodeStrategy.validate?.(node(mutate)).map(formatFieldError)).toEqual(expected);
  });

  it.each([
    ['a first pod CIDR', (n: Node) => (n.spec = { podCIDR: '10.244.3.0/24' }), (n: Node) => (n.spec = {}), []],
    ['unschedulable and taints', (n: Node) => (n.spec = { ...n.spec, unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] }), () => undefined, []],
    [
      'a changed pod CIDR',
      (n: Node) => (n.spec = { podCIDR: '10.244.3.0/24', podCIDRs: ['10.244.3.0/24'] }),
      () => undefined,
      ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid'],
    ],
    [
      'a changed provider ID',
      (n: Node) => (n.spec = { ...n.spec, providerID: 'kind://b' }),
      (n: Node) => (n.spec = { ...n.spec, providerID: 'kind://a' }),
      ['spec.providerID: Forbidden: node updates may not change providerID except from "" to valid'],
    ],
  ])('updates with %s', (_name, mutate, base, expected) => {
    const old = node(base);
    const next = structuredClone(old);
    mutate(next);
    nodeStrategy.applyDefaults?.(next);
    expect(nodeStrategy.validateUpdate?.(next, old).map(formatFieldError)).toEqual(expected);
  });
});
