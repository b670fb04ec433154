import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state';
import { NodeInfo } from '../../framework/node-info';
import { PodInfo } from '../../framework/pod-info';
import { makeNode, makePod } from '../../testing/wrappers';
import { NodeUnschedulable } from './node-unschedulable';

describe('NodeUnschedulable', () => {
  const cases = [
    { name: 'schedulable node', node: makeNode('n').obj(), pod: makePod('p').obj(), want: null },
    { name: 'cordoned node', node: makeNode('n').unschedulable().obj(), pod: makePod('p').obj(), want: 'node(s) were unschedulable' },
    {
      name: 'cordoned node, pod tolerates it',
      node: makeNode('n').unschedulable().obj(),
      pod: makePod('p').toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }).obj(),
      want: null,
    },
    {
      name: 'cordoned node, pod tolerates everything',
      node: makeNode('n').unschedulable().obj(),
      pod: makePod('p').toleration({ operator: 'Exists' }).obj(),
      want: null,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = new NodeUnschedulable().filter(new CycleState(), new PodInfo(c.pod), new NodeInfo('n', c.node));
      expect(s ? s.message() : null).toBe(c.want);
      if (s) expect(s.codeName()).toBe('UnschedulableAndUnresolvable');
    });
  }
});
