import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state';
import { NodeInfo } from '../../framework/node-info';
import { PodInfo } from '../../framework/pod-info';
import { Code } from '../../framework/status';
import { makeNode, makePod } from '../../testing/wrappers';
import { TaintToleration } from './taint-toleration';

describe('TaintToleration Filter', () => {
  const cases = [
    { name: 'untainted node', node: makeNode('n'), pod: makePod('p'), want: null },
    { name: 'NoSchedule taint, no toleration', node: makeNode('n').taint('dedicated', 'gpu', 'NoSchedule'), pod: makePod('p'), want: 'node(s) had untolerated taint {dedicated: gpu}' },
    { name: 'NoExecute taint, no toleration', node: makeNode('n').taint('k', 'v', 'NoExecute'), pod: makePod('p'), want: 'node(s) had untolerated taint {k: v}' },
    { name: 'PreferNoSchedule does not filter', node: makeNode('n').taint('k', 'v', 'PreferNoSchedule'), pod: makePod('p'), want: null },
    {
      name: 'Equal toleration with the value',
      node: makeNode('n').taint('dedicated', 'gpu', 'NoSchedule'),
      pod: makePod('p').toleration({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }),
      want: null,
    },
    {
      name: 'Equal toleration with another value',
      node: makeNode('n').taint('dedicated', 'gpu', 'NoSchedule'),
      pod: makePod('p').toleration({ key: 'dedicated', operator: 'Equal', value: 'cpu', effect: 'NoSchedule' }),
      want: 'node(s) had untolerated taint {dedicated: gpu}',
    },
    {
      name: 'Exists toleration without effect',
      node: makeNode('n').taint('dedicated', 'gpu', 'NoExecute'),
      pod: makePod('p').toleration({ key: 'dedicated', operator: 'Exists' }),
      want: null,
    },
    {
      name: 'toleration for another effect',
      node: makeNode('n').taint('dedicated', 'gpu', 'NoExecute'),
      pod: makePod('p').toleration({ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }),
      want: 'node(s) had untolerated taint {dedicated: gpu}',
    },
    { name: 'empty key with Exists tolerates all', node: makeNode('n').taint('a', '', 'NoSchedule').taint('b', 'c', 'NoExecute'), pod: makePod('p').toleration({ operator: 'Exists' }), want: null },
    { name: 'taint without a value', node: makeNode('n').taint('node-role.kubernetes.io/control-plane', '', 'NoSchedule'), pod: makePod('p'), want: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = new TaintToleration().filter(new CycleState(), new PodInfo(c.pod.obj()), new NodeInfo('n', c.node.obj()));
      expect(s ? s.message() : null).toBe(c.want);
      if (s) expect(s.code).toBe(Code.UnschedulableAndUnresolvable);
    });
  }
});

describe('TaintToleration Score', () => {
  it('prefers nodes with fewer untolerated PreferNoSchedule taints', () => {
    const nodes = [
      new NodeInfo('clean', makeNode('clean').obj()),
      new NodeInfo('one', makeNode('one').taint('a', '1', 'PreferNoSchedule').obj()),
      new NodeInfo('two', makeNode('two').taint('a', '1', 'PreferNoSchedule').taint('b', '2', 'PreferNoSchedule').obj()),
      new NodeInfo('tolerated', makeNode('tolerated').taint('c', '3', 'PreferNoSchedule').obj()),
    ];
    const pod = new PodInfo(makePod('p').toleration({ key: 'c', operator: 'Equal', value: '3', effect: 'PreferNoSchedule' }).obj());
    const plugin = new TaintToleration();
    const state = new CycleState();
    plugin.preScore(state, pod);
    const scores = nodes.map((n) => plugin.score(state, pod, n));
    expect(scores).toEqual([0, 1, 2, 0]);
    plugin.normalizeScore(state, pod, nodes, scores);
    expect(scores).toEqual([100, 50, 0, 100]);
  });

  it('all equal when no node has such taints', () => {
    const scores = [0, 0];
    new TaintToleration().normalizeScore(new CycleState(), new PodInfo(makePod('p').obj()), [], scores);
    expect(scores).toEqual([100, 100]);
  });
});
