import { describe, expect, it } from 'vitest';
import type { appsv1, corev1 } from '@minik8s/api';
import {
  addOrUpdateToleration,
  daemonPodTolerations,
  labelRequirementMatches,
  nodeShouldRunDaemonPod,
  requiredNodeAffinityMatches,
  toleratesTaint,
  type NodeFit,
} from './node-eligibility';

function node(name: string, extra: { labels?: Record<string, string>; taints?: corev1.Taint[]; unschedulable?: boolean; ready?: boolean } = {}): corev1.Node {
  return {
    metadata: { name, labels: extra.labels ?? {} },
    spec: { taints: extra.taints, unschedulable: extra.unschedulable },
    status: { conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
  };
}

function ds(spec: corev1.PodSpec = {}): appsv1.DaemonSet {
  return {
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:1' }], ...spec } },
    },
  };
}

const RUN: NodeFit = { shouldRun: true, shouldContinueRunning: true };
const NEVER: NodeFit = { shouldRun: false, shouldContinueRunning: false };
const STAY: NodeFit = { shouldRun: false, shouldContinueRunning: true };

const term = (...matchExpressions: corev1.NodeSelectorRequirement[]): corev1.NodeSelectorTerm => ({ matchExpressions });
const required = (...nodeSelectorTerms: corev1.NodeSelectorTerm[]): corev1.PodSpec => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } },
});

describe('nodeShouldRunDaemonPod', () => {
  it.each<{ name: string; node: corev1.Node; spec?: corev1.PodSpec; want: NodeFit }>([
    { name: 'a plain node', node: node('n1'), want: RUN },
    // Selectors.
    { name: 'nodeSelector matches', node: node('n1', { labels: { disk: 'ssd', zone: 'a' } }), spec: { nodeSelector: { disk: 'ssd' } }, want: RUN },
    { name: 'nodeSelector: other value', node: node('n1', { labels: { disk: 'hdd' } }), spec: { nodeSelector: { disk: 'ssd' } }, want: NEVER },
    { name: 'nodeSelector: label missing', node: node('n1'), spec: { nodeSelector: { disk: 'ssd' } }, want: NEVER },
    { name: 'template nodeName is this node', node: node('n1'), spec: { nodeName: 'n1' }, want: RUN },
    { name: 'template nodeName is another node', node: node('n1'), spec: { nodeName: 'n2' }, want: NEVER },
    // Required node affinity.
    { name: 'affinity In matches', node: node('n1', { labels: { zone: 'a' } }), spec: required(term({ key: 'zone', operator: 'In', values: ['a', 'b'] })), want: RUN },
    { name: 'affinity In fails', node: node('n1', { labels: { zone: 'c' } }), spec: required(term({ key: 'zone', operator: 'In', values: ['a', 'b'] })), want: NEVER },
    { name: 'affinity NotIn with the label absent', node: node('n1'), spec: required(term({ key: 'zone', operator: 'NotIn', values: ['a'] })), want: RUN },
    { name: 'affinity DoesNotExist', node: node('n1', { labels: { gpu: 'yes' } }), spec: required(term({ key: 'gpu', operator: 'DoesNotExist' })), want: NEVER },
    { name: 'affinity Gt', node: node('n1', { labels: { cores: '16' } }), spec: required(term({ key: 'cores', operator: 'Gt', values: ['8'] })), want: RUN },
    { name: 'affinity Lt with a non-integer label', node: node('n1', { labels: { cores: 'many' } }), spec: required(term({ key: 'cores', operator: 'Lt', values: ['8'] })), want: NEVER },
    {
      name: 'affinity terms are ORed',
      node: node('n1', { labels: { zone: 'b' } }),
      spec: required(term({ key: 'zone', operator: 'In', values: ['a'] }), term({ key: 'zone', operator: 'In', values: ['b'] })),
      want: RUN,
    },
    {
      name: 'affinity expressions of one term are ANDed',
      node: node('n1', { labels: { zone: 'a' } }),
      spec: required(term({ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'Exists' })),
      want: NEVER,
    },
    { name: 'affinity with no terms matches nothing', node: node('n1'), spec: required(), want: NEVER },
    { name: 'affinity with an empty term matches nothing', node: node('n1'), spec: required({}), want: NEVER },
    {
      name: 'affinity matchFields metadata.name',
      node: node('n1'),
      spec: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }),
      want: RUN,
    },
    {
      name: 'affinity matchFields another node',
      node: node('n1'),
      spec: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }),
      want: NEVER,
    },
    {
      name: 'nodeSelector and affinity must both hold',
      node: node('n1', { labels: { zone: 'a' } }),
      spec: { nodeSelector: { disk: 'ssd' }, ...required(term({ key: 'zone', operator: 'In', values: ['a'] })) },
      want: NEVER,
    },
    // Taints and tolerations.
    { name: 'NoSchedule taint, not tolerated: none, but a running pod stays', node: node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), want: STAY },
    { name: 'NoExecute taint, not tolerated: none, and none stays', node: node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] }), want: NEVER },
    { name: 'PreferNoSchedule taint is ignored', node: node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'PreferNoSchedule' }] }), want: RUN },
    {
      name: 'NoSchedule taint tolerated with Equal',
      node: node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
      spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] },
      want: RUN,
    },
    {
      name: 'toleration with another value',
      node: node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
      spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'cpu', effect: 'NoSchedule' }] },
      want: STAY,
    },
    {
      name: 'NoExecute tolerated, NoSchedule not: a running pod stays',
      node: node('n1', { taints: [{ key: 'a', effect: 'NoExecute' }, { key: 'b', effect: 'NoSchedule' }] }),
      spec: { tolerations: [{ key: 'a', operator: 'Exists' }] },
      want: STAY,
    },
    {
      name: 'tolerate everything',
      node: node('n1', { taints: [{ key: 'a', effect: 'NoExecute' }, { key: 'b', value: 'c', effect: 'NoSchedule' }] }),
      spec: { tolerations: [{ operator: 'Exists' }] },
      want: RUN,
    },
    // What every daemon pod tolerates.
    { name: 'unschedulable (cordoned) node still gets a daemon pod', node: node('n1', { unschedulable: true }), want: RUN },
    {
      name: 'cordoned node with the unschedulable taint',
      node: node('n1', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }),
      want: RUN,
    },
    {
      name: 'not-ready node (condition and NoExecute taint)',
      node: node('n1', { ready: false, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }),
      want: RUN,
    },
    { name: 'unreachable node', node: node('n1', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }), want: RUN },
    { name: 'disk pressure', node: node('n1', { taints: [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }] }), want: RUN },
    { name: 'memory pressure', node: node('n1', { taints: [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }] }), want: RUN },
    { name: 'pid pressure', node: node('n1', { taints: [{ key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' }] }), want: RUN },
    {
      name: 'network unavailable: not tolerated without hostNetwork',
      node: node('n1', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }),
      want: STAY,
    },
    {
      name: 'network unavailable: tolerated with hostNetwork',
      node: node('n1', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }),
      spec: { hostNetwork: true },
      want: RUN,
    },
    {
      name: 'control-plane taint is not tolerated by default',
      node: node('n1', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
      want: STAY,
    },
  ])('$name', ({ node: n, spec, want }) => {
    expect(nodeShouldRunDaemonPod(n, ds(spec))).toEqual(want);
  });
});

describe('daemonPodTolerations', () => {
  it('adds the default daemon tolerations after the template’s own', () => {
    const tolerations = daemonPodTolerations({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] });
    expect(tolerations).toEqual([
      { key: 'dedicated', operator: 'Exists' },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });

  it('replaces a not-ready toleration with tolerationSeconds by one without, in place', () => {
    const tolerations = daemonPodTolerations({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] });
    expect(tolerations[0]).toEqual({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' });
    expect(tolerations.filter((t) => t.key === 'node.kubernetes.io/not-ready')).toHaveLength(1);
  });

  it('adds network-unavailable for host-network pods', () => {
    expect(daemonPodTolerations({ hostNetwork: true }).map((t) => t.key)).toContain('node.kubernetes.io/network-unavailable');
  });

  it('does not touch the template', () => {
    const spec: corev1.PodSpec = { tolerations: [{ key: 'x', operator: 'Exists' }] };
    daemonPodTolerations(spec);
    expect(spec.tolerations).toEqual([{ key: 'x', operator: 'Exists' }]);
  });

  it('addOrUpdateToleration keeps an identical toleration once', () => {
    const t: corev1.Toleration = { key: 'k', operator: 'Exists', effect: 'NoSchedule' };
    expect(addOrUpdateToleration([t], { ...t })).toEqual([t]);
  });
});

describe('toleratesTaint', () => {
  it.each<{ name: string; toleration: corev1.Toleration; taint: corev1.Taint; want: boolean }>([
    { name: 'Equal with the same value', toleration: { key: 'k', operator: 'Equal', value: 'v' }, taint: { key: 'k', value: 'v', effect: 'NoSchedule' }, want: true },
    { name: 'empty operator means Equal', toleration: { key: 'k', value: 'v' }, taint: { key: 'k', value: 'w', effect: 'NoSchedule' }, want: false },
    { name: 'Exists ignores the value', toleration: { key: 'k', operator: 'Exists' }, taint: { key: 'k', value: 'v', effect: 'NoExecute' }, want: true },
    { name: 'another effect', toleration: { key: 'k', operator: 'Exists', effect: 'NoSchedule' }, taint: { key: 'k', effect: 'NoExecute' }, want: false },
    { name: 'another key', toleration: { key: 'j', operator: 'Exists' }, taint: { key: 'k', effect: 'NoExecute' }, want: false },
    { name: 'unknown operator', toleration: { key: 'k', operator: 'Maybe' }, taint: { key: 'k', effect: 'NoExecute' }, want: false },
  ])('$name', ({ toleration, taint, want }) => {
    expect(toleratesTaint(toleration, taint)).toBe(want);
  });
});

describe('node selector requirements', () => {
  it.each<{ req: corev1.NodeSelectorRequirement; labels: Record<string, string>; want: boolean }>([
    { req: { key: 'a', operator: 'In', values: [] }, labels: { a: 'x' }, want: false },
    { req: { key: 'a', operator: 'Exists', values: ['x'] }, labels: { a: 'x' }, want: false },
    { req: { key: 'a', operator: 'Gt', values: ['1', '2'] }, labels: { a: '5' }, want: false },
    { req: { key: 'a', operator: 'Lt', values: ['10'] }, labels: { a: '5' }, want: true },
    { req: { key: 'a', operator: 'Bogus', values: ['x'] }, labels: { a: 'x' }, want: false },
  ])('$req.operator $req.values on $labels → $want', ({ req, labels, want }) => {
    expect(labelRequirementMatches(req, labels)).toBe(want);
  });

  it('matchFields only knows metadata.name with one value', () => {
    const n = node('n1');
    expect(requiredNodeAffinityMatches(required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] }), n)).toBe(true);
    expect(requiredNodeAffinityMatches(required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1', 'n2'] }] }), n)).toBe(false);
    expect(requiredNodeAffinityMatches(required({ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['n1'] }] }), n)).toBe(false);
  });
});
