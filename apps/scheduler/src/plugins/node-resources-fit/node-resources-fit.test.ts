import { describe, expect, it } from 'vitest';
import { CycleState } from '../../framework/cycle-state';
import { NodeInfo } from '../../framework/node-info';
import { PodInfo } from '../../framework/pod-info';
import { computePodRequests } from '../../framework/resource';
import { Code } from '../../framework/status';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers';
import { NodeResourcesFit } from './node-resources-fit';

const Mi = 1024 * 1024;

function node(capacity: Record<string, string>, ...pods: PodWrapper[]): NodeInfo {
  const n = new NodeInfo('n', makeNode('n').capacity(capacity).obj());
  for (const p of pods) n.addPod(new PodInfo(p.node('n').obj()));
  return n;
}

describe('pod requests', () => {
  const cases = [
    { name: 'sums app containers', pod: makePod('p').req({ cpu: '100m', memory: '1Mi' }).req({ cpu: '200m' }), cpu: 300, memory: 1 * Mi },
    { name: 'an init container bigger than the app counts', pod: makePod('p').req({ cpu: '100m' }).initReq({ cpu: '500m' }), cpu: 500, memory: 0 },
    { name: 'init containers take the max, not the sum', pod: makePod('p').req({ cpu: '100m' }).initReq({ cpu: '300m' }).initReq({ cpu: '200m' }), cpu: 300, memory: 0 },
    { name: 'an init container smaller than the app', pod: makePod('p').req({ cpu: '1' }).initReq({ cpu: '500m' }), cpu: 1000, memory: 0 },
    { name: 'sidecars add to the app containers', pod: makePod('p').req({ cpu: '1' }).sidecarReq({ cpu: '200m' }), cpu: 1200, memory: 0 },
    {
      name: 'an init container after a sidecar runs beside it',
      pod: makePod('p').req({ cpu: '100m' }).sidecarReq({ cpu: '200m' }).initReq({ cpu: '1' }),
      cpu: 1200,
      memory: 0,
    },
    {
      name: 'an init container before a sidecar runs alone',
      pod: makePod('p').req({ cpu: '100m' }).initReq({ cpu: '1' }).sidecarReq({ cpu: '200m' }),
      cpu: 1000,
      memory: 0,
    },
    { name: 'overhead is added', pod: makePod('p').req({ cpu: '100m', memory: '10Mi' }).overhead({ cpu: '50m', memory: '5Mi' }), cpu: 150, memory: 15 * Mi },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = computePodRequests(c.pod.obj().spec);
      expect(r.milliCPU).toBe(c.cpu);
      expect(r.memory).toBe(c.memory);
    });
  }

  it('non-zero requests default cpu and memory per container for scoring', () => {
    const r = computePodRequests(makePod('p').container().req({ cpu: '1' }).obj().spec, true);
    expect(r.milliCPU).toBe(1100);
    expect(r.memory).toBe(400 * Mi);
  });
});

describe('NodeResourcesFit Filter', () => {
  const cases: { name: string; pod: PodWrapper; node: NodeInfo; want: string[] }[] = [
    { name: 'no requests fit anywhere with a free pod slot', pod: makePod('p').container(), node: node({ cpu: '1', memory: '1Gi' }), want: [] },
    { name: 'fits', pod: makePod('p').req({ cpu: '500m', memory: '512Mi' }), node: node({ cpu: '1', memory: '1Gi' }, makePod('e').req({ cpu: '500m', memory: '512Mi' })), want: [] },
    { name: 'insufficient cpu', pod: makePod('p').req({ cpu: '600m' }), node: node({ cpu: '1', memory: '1Gi' }, makePod('e').req({ cpu: '500m' })), want: ['Insufficient cpu'] },
    {
      name: 'insufficient cpu and memory',
      pod: makePod('p').req({ cpu: '2', memory: '2Gi' }),
      node: node({ cpu: '1', memory: '1Gi' }),
      want: ['Insufficient cpu', 'Insufficient memory'],
    },
    { name: 'insufficient ephemeral-storage', pod: makePod('p').req({ 'ephemeral-storage': '2Gi' }), node: node({ cpu: '1', 'ephemeral-storage': '1Gi' }), want: ['Insufficient ephemeral-storage'] },
    { name: 'too many pods', pod: makePod('p').container(), node: node({ cpu: '1', pods: '1' }, makePod('e').container()), want: ['Too many pods'] },
    {
      name: 'too many pods and insufficient cpu',
      pod: makePod('p').req({ cpu: '2' }),
      node: node({ cpu: '1', pods: '1' }, makePod('e').container()),
      want: ['Too many pods', 'Insufficient cpu'],
    },
    { name: 'an init container counts', pod: makePod('p').req({ cpu: '100m' }).initReq({ cpu: '2' }), node: node({ cpu: '1' }), want: ['Insufficient cpu'] },
    { name: 'extended resource', pod: makePod('p').req({ 'example.com/gpu': '2' }), node: node({ cpu: '1', 'example.com/gpu': '1' }), want: ['Insufficient example.com/gpu'] },
    { name: 'extended resource the node lacks', pod: makePod('p').req({ 'example.com/gpu': '1' }), node: node({ cpu: '1' }), want: ['Insufficient example.com/gpu'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = new NodeResourcesFit().filter(new CycleState(), new PodInfo(c.pod.obj()), c.node);
      expect(s ? [...s.reasons] : []).toEqual(c.want);
      if (s) expect(s.code).toBe(Code.Unschedulable);
    });
  }

  it('ignored resources are not checked', () => {
    const pod = new PodInfo(makePod('p').req({ 'example.com/gpu': '1', 'other.io/fpga': '1' }).obj());
    const plugin = new NodeResourcesFit({ ignoredResources: ['example.com/gpu'], ignoredResourceGroups: ['other.io'] });
    expect(plugin.filter(new CycleState(), pod, node({ cpu: '1' }))).toBeNull();
  });
});

describe('NodeResourcesFit Score', () => {
  it('LeastAllocated prefers the emptier node', () => {
    const pod = new PodInfo(makePod('p').req({ cpu: '1', memory: '1Gi' }).obj());
    const empty = node({ cpu: '4', memory: '4Gi' });
    const half = node({ cpu: '4', memory: '4Gi' }, makePod('e').req({ cpu: '2', memory: '2Gi' }));
    const plugin = new NodeResourcesFit();
    // (4-1)/4 = 75 on both resources; (4-3)/4 = 25.
    expect(plugin.score(new CycleState(), pod, empty)).toBe(75);
    expect(plugin.score(new CycleState(), pod, half)).toBe(25);
  });

  it('counts default requests for pods that ask for none', () => {
    const pod = new PodInfo(makePod('p').container().obj());
    // cpu: (1000-100)*100/1000 = 90; memory: (1000Mi-200Mi)*100/1000Mi = 80; mean 85.
    expect(new NodeResourcesFit().score(new CycleState(), pod, node({ cpu: '1', memory: '1000Mi' }))).toBe(85);
  });

  it('MostAllocated prefers the fuller node', () => {
    const pod = new PodInfo(makePod('p').req({ cpu: '1', memory: '1Gi' }).obj());
    const plugin = new NodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } });
    expect(plugin.score(new CycleState(), pod, node({ cpu: '4', memory: '4Gi' }))).toBe(25);
    expect(plugin.score(new CycleState(), pod, node({ cpu: '4', memory: '4Gi' }, makePod('e').req({ cpu: '2', memory: '2Gi' })))).toBe(75);
  });

  it('weights resources', () => {
    const pod = new PodInfo(makePod('p').req({ cpu: '1', memory: '3Gi' }).obj());
    const plugin = new NodeResourcesFit({ scoringStrategy: { resources: [{ name: 'cpu', weight: 3 }, { name: 'memory', weight: 1 }] } });
    // cpu 75 * 3 + memory 25 * 1 = 250 / 4 = 62.
    expect(plugin.score(new CycleState(), pod, node({ cpu: '4', memory: '4Gi' }))).toBe(62);
  });
});
