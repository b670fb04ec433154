import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state';
import { NodeInfo } from '../../framework/node-info';
import { PodInfo } from '../../framework/pod-info';
import { Code } from '../../framework/status';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers';
import { balancedResourceScore, NodeResourcesBalancedAllocation } from './node-resources-balanced-allocation';

function node(capacity: Record<string, string>, ...pods: PodWrapper[]): NodeInfo {
  const n = new NodeInfo('n', makeNode('n').capacity(capacity).obj());
  for (const p of pods) n.addPod(new PodInfo(p.node('n').obj()));
  return n;
}

describe('balancedResourceScore', () => {
  const cases = [
    { name: 'perfectly balanced', requested: [500, 500], allocatable: [1000, 1000], want: 100 },
    { name: 'cpu half, memory none', requested: [500, 0], allocatable: [1000, 1000], want: 75 },
    { name: 'fractions capped at one', requested: [3000, 0], allocatable: [1000, 1000], want: 50 },
    { name: 'resources the node lacks are skipped', requested: [500, 10], allocatable: [1000, 0], want: 100 },
    { name: 'three resources use the standard deviation', requested: [0, 500, 1000], allocatable: [1000, 1000, 1000], want: 59 },
  ];
  for (const c of cases) {
    it(c.name, () => expect(balancedResourceScore(c.requested, c.allocatable)).toBe(c.want));
  }
});

describe('NodeResourcesBalancedAllocation', () => {
  it('prefers the node the pod balances', () => {
    const pod = new PodInfo(makePod('p').req({ cpu: '1', memory: '1Gi' }).obj());
    const plugin = new NodeResourcesBalancedAllocation();
    // 1/4 cpu and 1/4 memory in use: balanced.
    expect(plugin.score(new CycleState(), pod, node({ cpu: '4', memory: '4Gi' }))).toBe(100);
    // 3/4 cpu, 1/4 memory: std 0.25.
    expect(plugin.score(new CycleState(), pod, node({ cpu: '4', memory: '4Gi' }, makePod('e').req({ cpu: '2' })))).toBe(75);
  });

  it('skips pods without requests', () => {
    const s = new NodeResourcesBalancedAllocation().preScore(new CycleState(), new PodInfo(makePod('p').container().obj()));
    expect(s?.code).toBe(Code.Skip);
  });
});
