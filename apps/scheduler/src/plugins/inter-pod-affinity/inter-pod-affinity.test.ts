import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { CycleState } from '../../framework/cycle-state';
import type { NodeInfo } from '../../framework/node-info';
import { PodInfo } from '../../framework/pod-info';
import { Code, Status } from '../../framework/status';
import { newTestHandle } from '../../testing/fake-handle';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers';
import { InterPodAffinity } from './inter-pod-affinity';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';

function nodes(): corev1.Node[] {
  return [
    makeNode('a1').label(ZONE, 'a').obj(),
    makeNode('a2').label(ZONE, 'a').obj(),
    makeNode('b1').label(ZONE, 'b').obj(),
    makeNode('nozone').obj(),
  ];
}

/** Filter results per node: null (fits) or the reason. */
function filterAll(pod: PodWrapper, existing: PodWrapper[], namespaces: corev1.Namespace[] = []): Record<string, string | null> {
  const handle = newTestHandle({ nodes: nodes(), pods: existing.map((p) => p.obj()), namespaces });
  const plugin = new InterPodAffinity(handle);
  const state = new CycleState();
  const info = new PodInfo(pod.obj());
  const all = handle.snapshot().list();
  const pre = plugin.preFilter(state, info, all);
  const out: Record<string, string | null> = {};
  for (const n of all) {
    if (pre instanceof Status && pre.code === Code.Skip) out[n.name] = null;
    else {
      const s = plugin.filter(state, info, n);
      out[n.name] = s ? s.message() : null;
    }
  }
  return out;
}

const AFF = "node(s) didn't match pod affinity rules";
const ANTI = "node(s) didn't match pod anti-affinity rules";
const EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules";

describe('InterPodAffinity Filter', () => {
  const cases: { name: string; pod: PodWrapper; existing: PodWrapper[]; want: Record<string, string | null> }[] = [
    {
      name: 'no affinity anywhere',
      pod: makePod('p'),
      existing: [makePod('e').node('a1').label('app', 'db')],
      want: { a1: null, a2: null, b1: null, nozone: null },
    },
    {
      name: 'affinity to a zone with a matching pod',
      pod: makePod('p').podAffinity({ app: 'db' }, ZONE),
      existing: [makePod('e').node('a1').label('app', 'db')],
      want: { a1: null, a2: null, b1: AFF, nozone: AFF },
    },
    {
      name: 'affinity by hostname',
      pod: makePod('p').podAffinity({ app: 'db' }, HOST),
      existing: [makePod('e').node('a2').label('app', 'db')],
      want: { a1: AFF, a2: null, b1: AFF, nozone: AFF },
    },
    {
      name: 'affinity ignores pods in other namespaces',
      pod: makePod('p').podAffinity({ app: 'db' }, ZONE),
      existing: [makePod('e').node('a1').label('app', 'db').namespace('other'), makePod('x').node('b1').label('app', 'web')],
      want: { a1: AFF, a2: AFF, b1: AFF, nozone: AFF },
    },
    {
      name: 'affinity with explicit namespaces',
      pod: makePod('p').podAffinity({ app: 'db' }, ZONE, { namespaces: ['other'] }),
      existing: [makePod('e').node('b1').label('app', 'db').namespace('other')],
      want: { a1: AFF, a2: AFF, b1: null, nozone: AFF },
    },
    {
      name: 'the first pod of a self-affine group goes anywhere with the topology label',
      pod: makePod('p').label('app', 'web').podAffinity({ app: 'web' }, ZONE),
      existing: [],
      want: { a1: null, a2: null, b1: null, nozone: AFF },
    },
    {
      name: 'anti-affinity keeps out of a zone',
      pod: makePod('p').podAntiAffinity({ app: 'web' }, ZONE),
      existing: [makePod('e').node('a1').label('app', 'web')],
      want: { a1: ANTI, a2: ANTI, b1: null, nozone: null },
    },
    {
      name: 'anti-affinity by hostname',
      pod: makePod('p').label('app', 'web').podAntiAffinity({ app: 'web' }, HOST),
      existing: [makePod('e').node('a1').label('app', 'web'), makePod('f').node('b1').label('app', 'web')],
      want: { a1: ANTI, a2: null, b1: ANTI, nozone: null },
    },
    {
      name: "an existing pod's anti-affinity keeps the incoming pod out",
      pod: makePod('p').label('app', 'web'),
      existing: [makePod('e').node('b1').podAntiAffinity({ app: 'web' }, ZONE)],
      want: { a1: null, a2: null, b1: EXISTING, nozone: null },
    },
    {
      name: "an existing pod's anti-affinity for other pods does not matter",
      pod: makePod('p').label('app', 'web'),
      existing: [makePod('e').node('b1').podAntiAffinity({ app: 'db' }, ZONE)],
      want: { a1: null, a2: null, b1: null, nozone: null },
    },
    {
      name: "existing pods' anti-affinity over different topology keys each keep the pod out",
      pod: makePod('p').label('app', 'web'),
      existing: [makePod('e').node('b1').podAntiAffinity({ app: 'web' }, ZONE), makePod('f').node('a2').podAntiAffinity({ app: 'web' }, HOST)],
      want: { a1: null, a2: EXISTING, b1: EXISTING, nozone: null },
    },
    {
      name: 'affinity terms must all be met by the same pods',
      pod: makePod('p').podAffinity({ app: 'db' }, ZONE).podAffinity({ tier: 'cache' }, ZONE),
      existing: [makePod('e').node('a1').label('app', 'db'), makePod('f').node('a2').label('tier', 'cache')],
      want: { a1: AFF, a2: AFF, b1: AFF, nozone: AFF },
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(filterAll(c.pod, c.existing)).toEqual(c.want));
  }

  it('namespaceSelector picks namespaces by their labels', () => {
    const namespaces: corev1.Namespace[] = [
      { metadata: { name: 'team-a', labels: { team: 'a' } } },
      { metadata: { name: 'team-b', labels: { team: 'b' } } },
    ];
    const pod = makePod('p').podAffinity({ app: 'db' }, ZONE, { namespaceSelector: { matchLabels: { team: 'b' } } });
    const existing = [makePod('e').node('a1').label('app', 'db').namespace('team-a'), makePod('f').node('b1').label('app', 'db').namespace('team-b')];
    expect(filterAll(pod, existing, namespaces)).toEqual({ a1: AFF, a2: AFF, b1: null, nozone: AFF });
  });

  it('affinity rejections are unresolvable, anti-affinity ones are not', () => {
    const handle = newTestHandle({ nodes: nodes(), pods: [makePod('e').node('a1').label('app', 'web').obj()] });
    const plugin = new InterPodAffinity(handle);
    for (const [pod, code] of [
      [makePod('p').podAffinity({ app: 'none' }, ZONE), Code.UnschedulableAndUnresolvable],
      [makePod('q').podAntiAffinity({ app: 'web' }, ZONE), Code.Unschedulable],
    ] as const) {
      const state = new CycleState();
      const info = new PodInfo(pod.obj());
      plugin.preFilter(state, info, handle.snapshot().list());
      expect(plugin.filter(state, info, handle.snapshot().get('a1')!)?.code).toBe(code);
    }
  });

  it('PreFilter extensions add and remove pods (for preemption)', () => {
    const handle = newTestHandle({ nodes: nodes(), pods: [makePod('e').node('a1').label('app', 'web').obj()] });
    const plugin = new InterPodAffinity(handle);
    const state = new CycleState();
    const pod = new PodInfo(makePod('p').podAntiAffinity({ app: 'web' }, HOST).obj());
    plugin.preFilter(state, pod, handle.snapshot().list());
    const a1 = handle.snapshot().get('a1')!;
    expect(plugin.filter(state, pod, a1)?.message()).toBe(ANTI);
    const victim = a1.pods[0];
    plugin.preFilterExtensions().removePod(state, pod, victim, a1);
    expect(plugin.filter(state, pod, a1)).toBeNull();
    plugin.preFilterExtensions().addPod(state, pod, victim, a1);
    expect(plugin.filter(state, pod, a1)?.message()).toBe(ANTI);
  });

  it('a pod of the same shape as the last recounts only changed nodes, and gets what a fresh count gives', () => {
    const handle = newTestHandle({ nodes: nodes(), pods: [makePod('e').node('a1').label('app', 'web').obj()] });
    const plugin = new InterPodAffinity(handle);
    const shaped = (name: string): PodInfo => new PodInfo(makePod(name).label('app', 'web').podAntiAffinity({ app: 'web' }, HOST).obj());
    const run = (p: InterPodAffinity, pod: PodInfo, list: readonly NodeInfo[]): Record<string, string | null> => {
      const state = new CycleState();
      p.preFilter(state, pod, list);
      return Object.fromEntries(list.map((n) => [n.name, p.filter(state, pod, n)?.message() ?? null]));
    };
    const all = handle.snapshot().list();
    expect(run(plugin, shaped('p1'), all)).toEqual({ a1: ANTI, a2: null, b1: null, nozone: null });
    // p1 went to b1, a pod that shuns app=web arrived on a2 (both in place), and node nozone left.
    const byName = (name: string): NodeInfo => all.find((n) => n.name === name)!;
    byName('b1').addPod(shaped('p1').withNodeName('b1'));
    byName('a2').addPod(new PodInfo(makePod('x').node('a2').podAntiAffinity({ app: 'web' }, HOST).obj()));
    const next = all.filter((n) => n.name !== 'nozone');
    const want = { a1: ANTI, a2: EXISTING, b1: ANTI };
    expect(run(new InterPodAffinity(handle), shaped('p2'), next)).toEqual(want);
    expect(run(plugin, shaped('p2'), next)).toEqual(want);
    // Back to all nodes: nozone counts again, with nothing on it.
    expect(run(plugin, shaped('p3'), all)).toEqual({ ...want, nozone: null });
  });

  it("removing the last existing pod whose anti-affinity shuns the pod frees its zone, on a clone only", () => {
    const handle = newTestHandle({ nodes: nodes(), pods: [makePod('e').node('a1').podAntiAffinity({ app: 'web' }, ZONE).obj()] });
    const plugin = new InterPodAffinity(handle);
    const state = new CycleState();
    const pod = new PodInfo(makePod('p').label('app', 'web').obj());
    plugin.preFilter(state, pod, handle.snapshot().list());
    const a1 = handle.snapshot().get('a1')!;
    const a2 = handle.snapshot().get('a2')!;
    const forked = state.clone();
    plugin.preFilterExtensions().removePod(forked, pod, a1.pods[0], a1);
    expect(plugin.filter(forked, pod, a2)).toBeNull();
    expect(plugin.filter(state, pod, a2)?.message()).toBe(EXISTING);
  });
});

describe('InterPodAffinity Score', () => {
  function scoreAll(pod: PodWrapper, existing: PodWrapper[]): Record<string, number> {
    const handle = newTestHandle({ nodes: nodes(), pods: existing.map((p) => p.obj()) });
    const plugin = new InterPodAffinity(handle);
    const state = new CycleState();
    const info = new PodInfo(pod.obj());
    const all = handle.snapshot().list();
    const pre = plugin.preScore(state, info, all);
    if (pre?.code === Code.Skip) return Object.fromEntries(all.map((n) => [n.name, -1]));
    const scores = all.map((n) => plugin.score(state, info, n));
    plugin.normalizeScore(state, info, all, scores);
    return Object.fromEntries(all.map((n, i) => [n.name, scores[i]]));
  }

  it('preferred affinity favors the zone with matching pods', () => {
    const got = scoreAll(makePod('p').preferredPodAffinity(10, { app: 'db' }, ZONE), [makePod('e').node('b1').label('app', 'db')]);
    expect(got).toEqual({ a1: 0, a2: 0, b1: 100, nozone: 0 });
  });

  it('preferred anti-affinity disfavors the zone with matching pods', () => {
    const got = scoreAll(makePod('p').preferredPodAntiAffinity(10, { app: 'db' }, ZONE), [makePod('e').node('b1').label('app', 'db')]);
    expect(got).toEqual({ a1: 100, a2: 100, b1: 0, nozone: 100 });
  });

  it("existing pods' preferred terms count too", () => {
    const got = scoreAll(makePod('p').label('app', 'web'), [makePod('e').node('a2').preferredPodAffinity(5, { app: 'web' }, HOST)]);
    expect(got).toEqual({ a1: 0, a2: 100, b1: 0, nozone: 0 });
  });

  it("existing pods' required anti-affinity does not score, their required affinity does", () => {
    const got = scoreAll(makePod('p').label('app', 'web'), [
      makePod('e').node('a1').podAntiAffinity({ app: 'db' }, HOST),
      makePod('f').node('b1').podAffinity({ app: 'web' }, ZONE),
    ]);
    expect(got).toEqual({ a1: 0, a2: 0, b1: 100, nozone: 0 });
  });

  it('skips when only required anti-affinity exists', () => {
    const got = scoreAll(makePod('p').label('app', 'web'), [makePod('e').node('a1').podAntiAffinity({ app: 'web' }, HOST)]);
    expect(got.a1).toBe(-1);
  });

  it('skips when no pod has affinity', () => {
    const got = scoreAll(makePod('p'), [makePod('e').node('a1')]);
    expect(got.a1).toBe(-1);
  });
});
