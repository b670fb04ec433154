import { describe, expect, it } from 'vitest';
import { Framework } from '../framework/framework';
import { newTestHandle } from '../testing/fake-handle';
import { DEFAULT_PLUGINS, inTreeRegistry } from './registry';

describe('registry', () => {
  it('knows every default plugin', () => {
    const reg = inTreeRegistry();
    for (const p of DEFAULT_PLUGINS) expect(reg.has(p.name), p.name).toBe(true);
  });

  it('builds the default profile with plugins at their extension points', () => {
    const handle = newTestHandle();
    const fw = new Framework(inTreeRegistry(), { schedulerName: 'default-scheduler', plugins: DEFAULT_PLUGINS }, handle);
    expect(fw.filterPlugins.map((p) => p.name)).toEqual([
      'NodeUnschedulable',
      'NodeName',
      'TaintToleration',
      'NodeAffinity',
      'NodePorts',
      'NodeResourcesFit',
      'VolumeBinding',
      'PodTopologySpread',
      'InterPodAffinity',
    ]);
    expect(fw.scorePlugins.map((p) => `${p.plugin.name}:${p.weight}`)).toEqual([
      'TaintToleration:3',
      'NodeAffinity:2',
      'NodeResourcesFit:1',
      'PodTopologySpread:2',
      'InterPodAffinity:2',
      'NodeResourcesBalancedAllocation:1',
      'ImageLocality:1',
    ]);
    expect(fw.postFilterPlugins.map((p) => p.name)).toEqual(['DefaultPreemption']);
    expect(fw.bindPlugins.map((p) => p.name)).toEqual(['DefaultBinder']);
    expect(fw.queueSort?.name).toBe('PrioritySort');
    expect(fw.preEnqueuePlugins.map((p) => p.name)).toEqual(['SchedulingGates']);
  });

  it('rejects unknown plugins', () => {
    expect(() => new Framework(inTreeRegistry(), { schedulerName: 's', plugins: [{ name: 'Nope' }] }, newTestHandle())).toThrow(
      'plugin "Nope" does not exist in the registry',
    );
  });

  it('passes plugin arguments to the factories', () => {
    const build = () =>
      new Framework(
        inTreeRegistry(),
        { schedulerName: 's', plugins: DEFAULT_PLUGINS, pluginConfig: { NodeResourcesFit: { scoringStrategy: { type: 'Bogus' } } } },
        newTestHandle(),
      );
    expect(build).toThrow('scoringStrategy.type: Unsupported value: "Bogus"');
  });
});
