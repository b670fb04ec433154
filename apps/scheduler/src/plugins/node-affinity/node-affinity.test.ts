import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state';
import { NodeInfo } from '../../framework/node-info';
import { PodInfo } from '../../framework/pod-info';
import { Code, Status } from '../../framework/status';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers';
import { NodeAffinity } from './node-affinity';

const REJECT = "node(s) didn't match Pod's node affinity/selector";

function run(pod: PodWrapper, labels: Record<string, string>, nodeName = 'n1'): string | null {
  const plugin = new NodeAffinity();
  const state = new CycleState();
  const info = new PodInfo(pod.obj());
  const pre = plugin.preFilter(state, info);
  if (pre instanceof Status && pre.code === Code.Skip) return null;
  if (pre && !(pre instanceof Status) && !pre.nodeNames.has(nodeName)) return 'excluded by PreFilter';
  const n = makeNode(nodeName);
  for (const [k, v] of Object.entries(labels)) n.label(k, v);
  const s = plugin.filter(state, info, new NodeInfo(nodeName, n.obj()));
  return s ? s.message() : null;
}

describe('NodeAffinity Filter', () => {
  const cases: { name: string; pod: PodWrapper; labels: Record<string, string>; want: string | null }[] = [
    { name: 'no constraints', pod: makePod('p'), labels: {}, want: null },
    { name: 'nodeSelector matches', pod: makePod('p').nodeSelector({ disk: 'ssd' }), labels: { disk: 'ssd' }, want: null },
    { name: 'nodeSelector value differs', pod: makePod('p').nodeSelector({ disk: 'ssd' }), labels: { disk: 'hdd' }, want: REJECT },
    { name: 'nodeSelector label missing', pod: makePod('p').nodeSelector({ disk: 'ssd' }), labels: {}, want: REJECT },
    { name: 'In matches', pod: makePod('p').requiredNodeTerm({ key: 'zone', operator: 'In', values: ['a', 'b'] }), labels: { zone: 'b' }, want: null },
    { name: 'In does not match', pod: makePod('p').requiredNodeTerm({ key: 'zone', operator: 'In', values: ['a', 'b'] }), labels: { zone: 'c' }, want: REJECT },
    { name: 'NotIn matches a missing label', pod: makePod('p').requiredNodeTerm({ key: 'zone', operator: 'NotIn', values: ['a'] }), labels: {}, want: null },
    { name: 'NotIn rejects', pod: makePod('p').requiredNodeTerm({ key: 'zone', operator: 'NotIn', values: ['a'] }), labels: { zone: 'a' }, want: REJECT },
    { name: 'Exists', pod: makePod('p').requiredNodeTerm({ key: 'gpu', operator: 'Exists' }), labels: { gpu: '' }, want: null },
    { name: 'Exists rejects', pod: makePod('p').requiredNodeTerm({ key: 'gpu', operator: 'Exists' }), labels: {}, want: REJECT },
    { name: 'DoesNotExist', pod: makePod('p').requiredNodeTerm({ key: 'gpu', operator: 'DoesNotExist' }), labels: {}, want: null },
    { name: 'DoesNotExist rejects', pod: makePod('p').requiredNodeTerm({ key: 'gpu', operator: 'DoesNotExist' }), labels: { gpu: 'x' }, want: REJECT },
    { name: 'Gt', pod: makePod('p').requiredNodeTerm({ key: 'cores', operator: 'Gt', values: ['8'] }), labels: { cores: '16' }, want: null },
    { name: 'Gt rejects equal', pod: makePod('p').requiredNodeTerm({ key: 'cores', operator: 'Gt', values: ['8'] }), labels: { cores: '8' }, want: REJECT },
    { name: 'Gt rejects a non-integer', pod: makePod('p').requiredNodeTerm({ key: 'cores', operator: 'Gt', values: ['8'] }), labels: { cores: 'many' }, want: REJECT },
    { name: 'Lt', pod: makePod('p').requiredNodeTerm({ key: 'cores', operator: 'Lt', values: ['8'] }), labels: { cores: '4' }, want: null },
    {
      name: 'expressions in a term are ANDed',
      pod: makePod('p').requiredNodeTerm({ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gpu', operator: 'Exists' }),
      labels: { zone: 'a' },
      want: REJECT,
    },
    {
      name: 'terms are ORed',
      pod: makePod('p').requiredNodeTerm({ key: 'zone', operator: 'In', values: ['a'] }).requiredNodeTerm({ key: 'gpu', operator: 'Exists' }),
      labels: { gpu: 'x' },
      want: null,
    },
    {
      name: 'nodeSelector and affinity must both hold',
      pod: makePod('p').nodeSelector({ disk: 'ssd' }).requiredNodeTerm({ key: 'zone', operator: 'In', values: ['a'] }),
      labels: { zone: 'a' },
      want: REJECT,
    },
    { name: 'matchFields on the node name', pod: makePod('p').requiredNodeFieldTerm({ key: 'metadata.name', operator: 'In', values: ['n1'] }), labels: {}, want: null },
    {
      name: 'matchFields narrows PreFilter to named nodes',
      pod: makePod('p').requiredNodeFieldTerm({ key: 'metadata.name', operator: 'In', values: ['n2'] }),
      labels: {},
      want: 'excluded by PreFilter',
    },
    { name: 'an unknown operator matches nothing', pod: makePod('p').requiredNodeTerm({ key: 'zone', operator: 'Like', values: ['a'] }), labels: { zone: 'a' }, want: REJECT },
  ];
  for (const c of cases) {
    it(c.name, () => expect(run(c.pod, c.labels)).toBe(c.want));
  }

  it('rejections are unresolvable', () => {
    const plugin = new NodeAffinity();
    const state = new CycleState();
    const pod = new PodInfo(makePod('p').nodeSelector({ a: 'b' }).obj());
    plugin.preFilter(state, pod);
    expect(plugin.filter(state, pod, new NodeInfo('n', makeNode('n').obj()))?.code).toBe(Code.UnschedulableAndUnresolvable);
  });
});

describe('NodeAffinity Score', () => {
  it('sums the weights of matching preferred terms and normalizes to 100', () => {
    const pod = new PodInfo(
      makePod('p')
        .preferredNodeTerm(2, { key: 'zone', operator: 'In', values: ['a'] })
        .preferredNodeTerm(8, { key: 'disk', operator: 'In', values: ['ssd'] })
        .obj(),
    );
    const nodes = [
      new NodeInfo('none', makeNode('none').obj()),
      new NodeInfo('zone', makeNode('zone').label('zone', 'a').obj()),
      new NodeInfo('both', makeNode('both').label('zone', 'a').label('disk', 'ssd').obj()),
    ];
    const plugin = new NodeAffinity();
    const state = new CycleState();
    expect(plugin.preScore(state, pod)).toBeNull();
    const scores = nodes.map((n) => plugin.score(state, pod, n));
    expect(scores).toEqual([0, 2, 10]);
    plugin.normalizeScore(state, pod, nodes, scores);
    expect(scores).toEqual([0, 20, 100]);
  });

  it('skips pods without preferred terms', () => {
    expect(new NodeAffinity().preScore(new CycleState(), new PodInfo(makePod('p').obj()))?.code).toBe(Code.Skip);
  });
});
