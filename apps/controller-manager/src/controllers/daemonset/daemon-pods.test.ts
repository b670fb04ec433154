import { describe, expect, it } from 'vitest';
import type { appsv1, corev1 } from '@minik8s/api';
import type { Clock } from '@minik8s/client';
import { createPodTemplate, groupByNode, isPodUpdated, nodeNameAffinity, oldestFirst, targetNodeName, templateGeneration } from './daemon-pods';
import { FailedPodsBackoff } from './failed-pods-backoff';

const PINNED = (node: string): corev1.NodeSelector => ({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] });

describe('createPodTemplate', () => {
  it('labels the pod with generation and hash and adds the daemon tolerations, leaving the template alone', () => {
    const template: corev1.PodTemplateSpec = { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:1' }] } };
    const before = structuredClone(template);
    const out = createPodTemplate(template, 3, 'abc');
    expect(template).toEqual(before);
    expect(out.metadata?.labels).toEqual({ app: 'agent', 'pod-template-generation': '3', 'controller-revision-hash': 'abc' });
    expect(out.spec?.tolerations?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    expect(out.spec?.tolerations?.every((t) => t.tolerationSeconds === undefined && t.operator === 'Exists')).toBe(true);
  });

  it('leaves the generation label out when the annotation is missing', () => {
    expect(createPodTemplate({}, undefined, 'abc').metadata?.labels).toEqual({ 'controller-revision-hash': 'abc' });
  });

  it.each<{ value: string | undefined; want: number | undefined }>([
    { value: '7', want: 7 },
    { value: undefined, want: undefined },
    { value: 'seven', want: undefined },
  ])('templateGeneration($value) = $want', ({ value, want }) => {
    const ds: appsv1.DaemonSet = { metadata: { annotations: value === undefined ? {} : { 'deprecated.daemonset.template.generation': value } } };
    expect(templateGeneration(ds)).toBe(want);
  });
});

describe('node affinity pinning', () => {
  it.each<{ name: string; affinity: corev1.Affinity | undefined; want: corev1.Affinity }>([
    { name: 'no affinity', affinity: undefined, want: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: PINNED('n1') } } },
    {
      name: 'replaces the required terms, keeps preferred and pod affinity',
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }],
        },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] },
      },
      want: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: PINNED('n1'),
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }],
        },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] },
      },
    },
  ])('$name', ({ affinity, want }) => {
    const before = structuredClone(affinity);
    expect(nodeNameAffinity(affinity, 'n1')).toEqual(want);
    expect(affinity).toEqual(before);
  });

  it.each<{ name: string; spec: corev1.PodSpec; want: string | undefined }>([
    { name: 'bound pod', spec: { nodeName: 'n2', affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: PINNED('n1') } } }, want: 'n2' },
    { name: 'pending pod pinned by affinity', spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: PINNED('n1') } } }, want: 'n1' },
    { name: 'no node at all', spec: {}, want: undefined },
    {
      name: 'two values are not a target',
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }] }] } } } },
      want: undefined,
    },
  ])('targetNodeName: $name', ({ spec, want }) => {
    expect(targetNodeName({ spec })).toBe(want);
  });
});

describe('daemon pods', () => {
  const pod = (name: string, labels: Record<string, string>, extra: Partial<corev1.Pod> = {}): corev1.Pod => ({ metadata: { name, labels, ...extra.metadata }, spec: extra.spec, status: extra.status });

  it('isPodUpdated by hash or by template generation', () => {
    expect(isPodUpdated(pod('a', { 'controller-revision-hash': 'h' }), 'h', 2)).toBe(true);
    expect(isPodUpdated(pod('a', { 'pod-template-generation': '2' }), 'h', 2)).toBe(true);
    expect(isPodUpdated(pod('a', { 'controller-revision-hash': 'old', 'pod-template-generation': '1' }), 'h', 2)).toBe(false);
    expect(isPodUpdated(pod('a', {}), '', undefined)).toBe(false);
  });

  it('orders scheduled pods first, then oldest, then by name', () => {
    const pods = [
      pod('c', {}, { metadata: { creationTimestamp: '2024-01-01T00:00:00Z' } }),
      pod('b', {}, { metadata: { creationTimestamp: '2024-01-02T00:00:00Z' }, spec: { nodeName: 'n' } }),
      pod('a', {}, { metadata: { creationTimestamp: '2024-01-02T00:00:00Z' }, spec: { nodeName: 'n' } }),
      pod('d', {}, { metadata: { creationTimestamp: '2023-01-01T00:00:00Z' }, spec: { nodeName: 'n' } }),
    ];
    expect(oldestFirst(pods).map((p) => p.metadata?.name)).toEqual(['d', 'a', 'b', 'c']);
  });

  it('groups by target node, leaving out finished pods being deleted unless asked', () => {
    const finishedGoing = pod('f', {}, { metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' }, spec: { nodeName: 'n1' }, status: { phase: 'Failed' } });
    const running = pod('r', {}, { spec: { nodeName: 'n1' } });
    const pending = pod('p', {}, { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: PINNED('n2') } } } });
    const nowhere = pod('x', {}, { spec: {} });
    const grouped = groupByNode([finishedGoing, running, pending, nowhere], false);
    expect([...grouped.entries()].map(([n, ps]) => [n, ps.map((p) => p.metadata?.name)])).toEqual([
      ['n1', ['r']],
      ['n2', ['p']],
    ]);
    expect(groupByNode([finishedGoing, running], true).get('n1')?.map((p) => p.metadata?.name)).toEqual(['f', 'r']);
  });
});

describe('FailedPodsBackoff', () => {
  it('doubles from 1s up to the maximum and forgets after twice the maximum', () => {
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async () => undefined };
    const backoff = new FailedPodsBackoff(clock, 1000, 8000);
    expect(backoff.inBackoff('k')).toBe(false);
    backoff.next('k');
    expect(backoff.delayMs('k')).toBe(1000);
    expect(backoff.inBackoff('k')).toBe(true);
    now += 1000;
    expect(backoff.inBackoff('k')).toBe(false);
    backoff.next('k');
    expect(backoff.delayMs('k')).toBe(2000);
    for (let i = 0; i < 5; i++) backoff.next('k');
    expect(backoff.delayMs('k')).toBe(8000);
    now += 16_001;
    expect(backoff.inBackoff('k')).toBe(false);
    backoff.gc();
    expect(backoff.delayMs('k')).toBe(0);
    backoff.next('k');
    expect(backoff.delayMs('k')).toBe(1000);
  });
});
