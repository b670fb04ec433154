import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { CycleState } from '../../framework/cycle-state';
import { PodInfo } from '../../framework/pod-info';
import { Code, Status } from '../../framework/status';
import { newTestHandle } from '../../testing/fake-handle';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers';
import { PodTopologySpread } from './pod-topology-spread';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const SKEW = "node(s) didn't match pod topology spread constraints";
const MISSING = "node(s) didn't match pod topology spread constraints (missing required label)";

function nodes(): corev1.Node[] {
  return [
    makeNode('a1').label(ZONE, 'a').obj(),
    makeNode('a2').label(ZONE, 'a').obj(),
    makeNode('b1').label(ZONE, 'b').obj(),
    makeNode('b2').label(ZONE, 'b').label('pool', 'gpu').obj(),
    makeNode('nozone').obj(),
  ];
}

function web(name: string, node: string): PodWrapper {
  return makePod(name).label('app', 'web').node(node);
}

function filterAll(pod: PodWrapper, existing: PodWrapper[], nodeList = nodes()): Record<string, string | null> {
  const handle = newTestHandle({ nodes: nodeList, pods: existing.map((p) => p.obj()) });
  const plugin = new PodTopologySpread(handle);
  const state = new CycleState();
  const info = new PodInfo(pod.obj());
  const all = handle.snapshot().list();
  const pre = plugin.preFilter(state, info, all);
  const out: Record<string, string | null> = {};
  for (const n of all) {
    if (pre instanceof Status && pre.code === Code.Skip) out[n.name] = null;
    else out[n.name] = plugin.filter(state, info, n)?.message() ?? null;
  }
  return out;
}

describe('PodTopologySpread Filter', () => {
  const cases: { name: string; pod: PodWrapper; existing: PodWrapper[]; want: Record<string, string | null> }[] = [
    {
      name: 'no constraints',
      pod: makePod('p'),
      existing: [],
      want: { a1: null, a2: null, b1: null, b2: null, nozone: null },
    },
    {
      name: 'empty cluster: every zone is fine, nodes without the key are not',
      pod: makePod('p').label('app', 'web').spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 'web' }),
      existing: [],
      want: { a1: null, a2: null, b1: null, b2: null, nozone: MISSING },
    },
    {
      name: 'zone a has one more: placing there would make skew 2',
      pod: makePod('p').label('app', 'web').spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 'web' }),
      existing: [web('e1', 'a1')],
      want: { a1: SKEW, a2: SKEW, b1: null, b2: null, nozone: MISSING },
    },
    {
      name: 'maxSkew 2 tolerates it',
      pod: makePod('p').label('app', 'web').spreadConstraint(2, ZONE, 'DoNotSchedule', { app: 'web' }),
      existing: [web('e1', 'a1')],
      want: { a1: null, a2: null, b1: null, b2: null, nozone: MISSING },
    },
    {
      name: 'balanced zones accept both',
      pod: makePod('p').label('app', 'web').spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 'web' }),
      existing: [web('e1', 'a1'), web('e2', 'b2')],
      want: { a1: null, a2: null, b1: null, b2: null, nozone: MISSING },
    },
    {
      name: 'pods that do not match the selector do not count',
      pod: makePod('p').label('app', 'web').spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 'web' }),
      existing: [makePod('x').label('app', 'db').node('a1'), makePod('y').label('app', 'db').node('a2')],
      want: { a1: null, a2: null, b1: null, b2: null, nozone: MISSING },
    },
    {
      name: 'terminating pods do not count',
      pod: makePod('p').label('app', 'web').spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 'web' }),
      existing: [web('e1', 'a1').terminating()],
      want: { a1: null, a2: null, b1: null, b2: null, nozone: MISSING },
    },
    {
      name: 'a pod that does not match its own selector adds nothing',
      pod: makePod('p').spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 'web' }),
      existing: [web('e1', 'a1')],
      want: { a1: null, a2: null, b1: null, b2: null, nozone: MISSING },
    },
    {
      name: 'by hostname',
      pod: makePod('p').label('app', 'web').spreadConstraint(1, HOST, 'DoNotSchedule', { app: 'web' }),
      existing: [web('e1', 'a1'), web('e2', 'a2'), web('e3', 'b1'), web('e4', 'b2')],
      want: { a1: SKEW, a2: SKEW, b1: SKEW, b2: SKEW, nozone: null },
    },
    {
      name: 'nodeAffinityPolicy Honor: only nodes the pod may use make domains',
      pod: makePod('p').label('app', 'web').nodeSelector({ pool: 'gpu' }).spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 'web' }),
      existing: [web('e1', 'b1'), web('e2', 'b2')],
      // Zone a has no gpu node, so its 0 is not the minimum; zone b's 2 is.
      want: { a1: null, a2: null, b1: null, b2: null, nozone: MISSING },
    },
    {
      name: 'nodeAffinityPolicy Ignore: every node makes domains',
      pod: makePod('p')
        .label('app', 'web')
        .nodeSelector({ pool: 'gpu' })
        .spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 'web' }, { nodeAffinityPolicy: 'Ignore' }),
      existing: [web('e1', 'b1'), web('e2', 'b2')],
      want: { a1: null, a2: null, b1: SKEW, b2: SKEW, nozone: MISSING },
    },
    {
      name: 'minDomains above the number of domains makes the minimum 0',
      pod: makePod('p').label('app', 'web').spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 'web' }, { minDomains: 3 }),
      existing: [web('e1', 'a1'), web('e2', 'b1')],
      want: { a1: SKEW, a2: SKEW, b1: SKEW, b2: SKEW, nozone: MISSING },
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(filterAll(c.pod, c.existing)).toEqual(c.want));
  }

  it('skew rejections can be resolved by preemption, missing labels cannot', () => {
    const handle = newTestHandle({ nodes: nodes(), pods: [web('e1', 'a1').obj()] });
    const plugin = new PodTopologySpread(handle);
    const state = new CycleState();
    const pod = new PodInfo(makePod('p').label('app', 'web').spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 'web' }).obj());
    plugin.preFilter(state, pod, handle.snapshot().list());
    expect(plugin.filter(state, pod, handle.snapshot().get('a1')!)?.code).toBe(Code.Unschedulable);
    expect(plugin.filter(state, pod, handle.snapshot().get('nozone')!)?.code).toBe(Code.UnschedulableAndUnresolvable);
    const a1 = handle.snapshot().get('a1')!;
    plugin.preFilterExtensions().removePod(state, pod, a1.pods[0], a1);
    expect(plugin.filter(state, pod, a1)).toBeNull();
  });
});

describe('PodTopologySpread Score', () => {
  it('prefers the zone with fewer matching pods', () => {
    const existing = [web('e1', 'a1'), web('e2', 'a2'), web('e3', 'b1')];
    const handle = newTestHandle({ nodes: nodes(), pods: existing.map((p) => p.obj()) });
    const plugin = new PodTopologySpread(handle);
    const state = new CycleState();
    const pod = new PodInfo(makePod('p').label('app', 'web').spreadConstraint(1, ZONE, 'ScheduleAnyway', { app: 'web' }).obj());
    const all = handle.snapshot().list();
    expect(plugin.preScore(state, pod, all)).toBeNull();
    const scores = all.map((n) => plugin.score(state, pod, n) as number);
    plugin.normalizeScore(state, pod, all, scores);
    const byName = Object.fromEntries(all.map((n, i) => [n.name, scores[i]]));
    expect(byName.b1).toBeGreaterThan(byName.a1);
    expect(byName.b1).toBe(byName.b2);
    expect(byName.a1).toBe(byName.a2);
    expect(byName.nozone).toBe(0);
    expect(byName.b1).toBe(100);
  });

  it('skips pods without soft constraints', () => {
    const handle = newTestHandle({ nodes: nodes() });
    expect(new PodTopologySpread(handle).preScore(new CycleState(), new PodInfo(makePod('p').obj()), handle.snapshot().list())?.code).toBe(Code.Skip);
  });
});
