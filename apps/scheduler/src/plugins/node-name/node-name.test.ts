import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state';
import { NodeInfo } from '../../framework/node-info';
import { PodInfo } from '../../framework/pod-info';
import { makeNode, makePod } from '../../testing/wrappers';
import { NodeName } from './node-name';

describe('NodeName', () => {
  const cases = [
    { name: 'no node name', pod: makePod('p').obj(), want: null },
    { name: 'matching node name', pod: makePod('p').node('n1').obj(), want: null },
    { name: 'other node name', pod: makePod('p').node('n2').obj(), want: "node(s) didn't match the requested node name" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = new NodeName().filter(new CycleState(), new PodInfo(c.pod), new NodeInfo('n1', makeNode('n1').obj()));
      expect(s ? s.message() : null).toBe(c.want);
    });
  }
});
