import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state';
import { NodeInfo } from '../../framework/node-info';
import { PodInfo } from '../../framework/pod-info';
import { Code } from '../../framework/status';
import { makeNode, makePod } from '../../testing/wrappers';
import { NodePorts } from './node-ports';

function nodeWith(...pods: ReturnType<typeof makePod>[]): NodeInfo {
  const n = new NodeInfo('n', makeNode('n').obj());
  for (const p of pods) n.addPod(new PodInfo(p.node('n').obj()));
  return n;
}

describe('NodePorts', () => {
  const cases = [
    { name: 'no ports on an empty node', pod: makePod('p'), node: nodeWith(), want: null },
    { name: 'free port', pod: makePod('p').hostPort(8080), node: nodeWith(makePod('e').hostPort(9090)), want: null },
    { name: 'same port, same protocol', pod: makePod('p').hostPort(8080), node: nodeWith(makePod('e').hostPort(8080)), want: "node(s) didn't have free ports for the requested pod ports" },
    { name: 'same port, other protocol', pod: makePod('p').hostPort(8080, 'UDP'), node: nodeWith(makePod('e').hostPort(8080, 'TCP')), want: null },
    { name: 'same port, different ips', pod: makePod('p').hostPort(8080, 'TCP', '10.0.0.1'), node: nodeWith(makePod('e').hostPort(8080, 'TCP', '10.0.0.2')), want: null },
    { name: 'wildcard ip clashes with a specific one', pod: makePod('p').hostPort(8080), node: nodeWith(makePod('e').hostPort(8080, 'TCP', '10.0.0.2')), want: "node(s) didn't have free ports for the requested pod ports" },
    { name: 'specific ip clashes with the wildcard', pod: makePod('p').hostPort(8080, 'TCP', '10.0.0.1'), node: nodeWith(makePod('e').hostPort(8080)), want: "node(s) didn't have free ports for the requested pod ports" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plugin = new NodePorts();
      const state = new CycleState();
      const pod = new PodInfo(c.pod.obj());
      const pre = plugin.preFilter(state, pod);
      if (pre && 'code' in pre && pre.code === Code.Skip) {
        expect(c.want).toBeNull();
        return;
      }
      const s = plugin.filter(state, pod, c.node);
      expect(s ? s.message() : null).toBe(c.want);
      if (s) expect(s.code).toBe(Code.Unschedulable);
    });
  }

  it('a removed pod frees its port', () => {
    const existing = new PodInfo(makePod('e').hostPort(8080).node('n').obj());
    const node = new NodeInfo('n', makeNode('n').obj());
    node.addPod(existing);
    const pod = new PodInfo(makePod('p').hostPort(8080).obj());
    expect(new NodePorts().filter(new CycleState(), pod, node)).not.toBeNull();
    node.removePod(existing);
    expect(new NodePorts().filter(new CycleState(), pod, node)).toBeNull();
  });
});
