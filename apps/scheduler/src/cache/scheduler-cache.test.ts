import { describe, expect, it } from 'vitest';
import { PodInfo } from '../framework/pod-info';
import { Snapshot } from '../framework/snapshot';
import { makeNode, makePod } from '../testing/wrappers';
import { SchedulerCache } from './scheduler-cache';

function cpuOf(cache: SchedulerCache, node: string): number {
  return cache.nodeInfoFor(node)?.requested.milliCPU ?? -1;
}

describe('SchedulerCache', () => {
  it('an assumed pod counts on its node until forgotten', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1').capacity({ cpu: '1' }).obj());
    const pod = new PodInfo(makePod('p').req({ cpu: '300m' }).obj()).withNodeName('n1');
    cache.assumePod(pod);
    expect(cpuOf(cache, 'n1')).toBe(300);
    expect(cache.isAssumedPod(pod.pod)).toBe(true);
    cache.forgetPod(pod);
    expect(cpuOf(cache, 'n1')).toBe(0);
    expect(cache.podCount).toBe(0);
  });

  it("the informer's add confirms an assumed pod without counting it twice", () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1').capacity({ cpu: '1' }).obj());
    const pod = new PodInfo(makePod('p').req({ cpu: '300m' }).obj()).withNodeName('n1');
    cache.assumePod(pod);
    cache.finishBinding(pod);
    cache.addPod(makePod('p').req({ cpu: '300m' }).node('n1').obj());
    expect(cpuOf(cache, 'n1')).toBe(300);
    expect(cache.isAssumedPod(pod.pod)).toBe(false);
    // Forgetting a confirmed pod does nothing.
    cache.forgetPod(pod);
    expect(cpuOf(cache, 'n1')).toBe(300);
  });

  it("a bound pod's status update swaps its PodInfo in place, reusing what was derived from its spec", () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1').capacity({ cpu: '1' }).obj());
    const assumed = new PodInfo(makePod('p').label('app', 'a').podAntiAffinity({ app: 'a' }, 'kubernetes.io/hostname').req({ cpu: '300m' }).obj()).withNodeName('n1');
    cache.assumePod(assumed);
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    // The binding confirms it, then the kubelet writes its status: the same spec each time.
    const bound = makePod('p').label('app', 'a').podAntiAffinity({ app: 'a' }, 'kubernetes.io/hostname').req({ cpu: '300m' }).node('n1');
    cache.addPod(bound.obj());
    const running = bound.phase('Running').obj();
    cache.updatePod(bound.obj(), running);
    cache.updateSnapshot(snap);
    const info = cache.getPod(running);
    expect(info?.pod).toBe(running);
    expect(info?.requests).toBe(assumed.requests);
    expect(info?.requiredAntiAffinityTerms).toBe(assumed.requiredAntiAffinityTerms);
    const node = snap.get('n1');
    expect(node?.pods).toEqual([info]);
    expect(node?.podsWithRequiredAntiAffinity).toEqual([info]);
    expect(node?.requested.milliCPU).toBe(300);
    expect(snap.havePodsWithRequiredAntiAffinityList.map((n) => n.name)).toEqual(['n1']);
  });

  it('a bound pod whose requests changed is counted again', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1').capacity({ cpu: '1' }).obj());
    const before = makePod('p').req({ cpu: '300m' }).node('n1').obj();
    cache.addPod(before);
    const after = makePod('p').req({ cpu: '200m' }).node('n1').obj();
    cache.updatePod(before, after);
    expect(cpuOf(cache, 'n1')).toBe(200);
    expect(cache.getPod(after)?.pod).toBe(after);
  });

  it('a pod confirmed on another node than assumed moves there', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1').obj());
    cache.addNode(makeNode('n2').obj());
    cache.assumePod(new PodInfo(makePod('p').req({ cpu: '100m' }).obj()).withNodeName('n1'));
    cache.addPod(makePod('p').req({ cpu: '100m' }).node('n2').obj());
    expect(cpuOf(cache, 'n1')).toBe(0);
    expect(cpuOf(cache, 'n2')).toBe(100);
  });

  it('cannot assume a pod twice', () => {
    const cache = new SchedulerCache();
    const pod = new PodInfo(makePod('p').obj()).withNodeName('n1');
    cache.assumePod(pod);
    expect(() => cache.assumePod(pod)).toThrow("is in the cache, so can't be assumed");
  });

  it('pods on a node that is not known yet wait on a placeholder', () => {
    const cache = new SchedulerCache();
    cache.addPod(makePod('p').req({ cpu: '100m' }).node('later').obj());
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    expect(snap.numNodes).toBe(0);
    cache.addNode(makeNode('later').obj());
    cache.updateSnapshot(snap);
    expect(snap.get('later')?.requested.milliCPU).toBe(100);
  });

  it('updates and removes pods', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1').obj());
    const v1 = makePod('p').req({ cpu: '100m' }).node('n1').obj();
    cache.addPod(v1);
    const v2 = makePod('p').req({ cpu: '200m' }).node('n1').obj();
    cache.updatePod(v1, v2);
    expect(cpuOf(cache, 'n1')).toBe(200);
    cache.removePod(v2);
    expect(cpuOf(cache, 'n1')).toBe(0);
  });

  it('the snapshot copies only what changed and is isolated from later changes', () => {
    const cache = new SchedulerCache();
    for (const n of ['a', 'b', 'c']) cache.addNode(makeNode(n).obj());
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    const before = { a: snap.get('a'), b: snap.get('b') };
    cache.assumePod(new PodInfo(makePod('p').req({ cpu: '100m' }).obj()).withNodeName('a'));
    expect(snap.get('a')?.requested.milliCPU).toBe(0);
    cache.updateSnapshot(snap);
    expect(snap.get('a')?.requested.milliCPU).toBe(100);
    expect(snap.get('a')).not.toBe(before.a);
    expect(snap.get('b')).toBe(before.b);
    expect(snap.list().map((n) => n.name).sort()).toEqual(['a', 'b', 'c']);
    expect(snap.list().find((n) => n.name === 'a')).toBe(snap.get('a'));
  });

  it('removed nodes leave the snapshot; nodes with affinity pods are listed', () => {
    const cache = new SchedulerCache();
    for (const n of ['a', 'b']) cache.addNode(makeNode(n).obj());
    cache.addPod(makePod('p').node('b').podAntiAffinity({ app: 'x' }, 'kubernetes.io/hostname').obj());
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    expect(snap.havePodsWithRequiredAntiAffinityList.map((n) => n.name)).toEqual(['b']);
    expect(snap.havePodsWithAffinityList.map((n) => n.name)).toEqual(['b']);
    cache.removeNode(makeNode('a').obj());
    cache.updateSnapshot(snap);
    expect(snap.list().map((n) => n.name)).toEqual(['b']);
  });

  it('nodes interleave across zones', () => {
    const cache = new SchedulerCache();
    for (const [n, z] of [
      ['a1', 'a'],
      ['a2', 'a'],
      ['a3', 'a'],
      ['b1', 'b'],
      ['c1', 'c'],
    ]) {
      cache.addNode(makeNode(n).label('topology.kubernetes.io/zone', z).obj());
    }
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    expect(snap.list().map((n) => n.name)).toEqual(['a1', 'b1', 'c1', 'a2', 'a3']);
  });

  it('counts images by how many nodes hold them', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('a').image('nginx:1', 100).obj());
    cache.addNode(makeNode('b').image('nginx:1', 100).image('redis', 50).obj());
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    expect(snap.imageNumNodes.get('nginx:1')).toBe(2);
    expect(snap.imageNumNodes.get('redis:latest')).toBe(1);
  });
});
