import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '@minik8s/client';
import { CycleState } from './framework/cycle-state';
import { PodInfo } from './framework/pod-info';
import { Scheduler } from './scheduler';
import { makeNode, makePod } from './testing/wrappers';

/** A scheduler whose informers never start: nodes and pods go straight into its cache. */
function offlineScheduler(random = Math.random, percentageOfNodesToScore = 0): Scheduler {
  const client = new ApiClient('127.0.0.1:1', { waitForReady: false });
  return new Scheduler({ client, recordEvents: false, random, percentageOfNodesToScore });
}

const schedulers: Scheduler[] = [];
function make(random?: () => number, pct?: number): Scheduler {
  const s = offlineScheduler(random, pct);
  schedulers.push(s);
  return s;
}

afterEach(() => {
  for (const s of schedulers.splice(0)) s.queue.close();
});

async function hostFor(s: Scheduler, pod: ReturnType<typeof makePod>): Promise<string | undefined> {
  const out = await s.schedulePod(new CycleState(), new PodInfo(pod.obj()));
  return 'host' in out ? out.host : undefined;
}

describe('Scheduler cycle', () => {
  it('finds this many feasible nodes before scoring (percentageOfNodesToScore)', () => {
    const s = make();
    expect([50, 100, 1000, 5000, 10_000].map((n) => s.numFeasibleNodesToFind(n))).toEqual([50, 100, 420, 500, 500]);
    expect(make(Math.random, 10).numFeasibleNodesToFind(5000)).toBe(500);
    expect(make(Math.random, 100).numFeasibleNodesToFind(5000)).toBe(5000);
  });

  it('breaks ties at random', async () => {
    const picks = new Set<string>();
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const s = make(() => r);
      for (const n of ['a', 'b', 'c']) s.cache.addNode(makeNode(n).capacity({ cpu: '1', memory: '1Gi' }).obj());
      picks.add((await hostFor(s, makePod('p').req({ cpu: '100m' }))) ?? '');
    }
    expect(picks.size).toBeGreaterThan(1);
  });

  it('picks the best-scoring node', async () => {
    const s = make(() => 0);
    s.cache.addNode(makeNode('busy').capacity({ cpu: '2', memory: '2Gi' }).obj());
    s.cache.addNode(makeNode('idle').capacity({ cpu: '2', memory: '2Gi' }).obj());
    s.cache.addPod(makePod('e').req({ cpu: '1', memory: '1Gi' }).node('busy').obj());
    expect(await hostFor(s, makePod('p').req({ cpu: '100m', memory: '100Mi' }))).toBe('idle');
  });

  it('counts assumed pods, so it never overcommits', async () => {
    const s = make();
    s.cache.addNode(makeNode('n').capacity({ cpu: '1', memory: '1Gi' }).obj());
    let placed = 0;
    for (let i = 0; i < 15; i++) {
      const pod = new PodInfo(makePod(`p${i}`).req({ cpu: '100m' }).obj());
      const out = await s.schedulePod(new CycleState(), pod);
      if ('host' in out) {
        s.cache.assumePod(pod.withNodeName(out.host));
        placed++;
      } else {
        expect('fitError' in out && out.fitError.message).toBe('0/1 nodes are available: 1 Insufficient cpu.');
      }
    }
    expect(placed).toBe(10);
  });

  it('tries the nominated node first', async () => {
    const s = make(() => 0);
    for (const n of ['a', 'b', 'c']) s.cache.addNode(makeNode(n).capacity({ cpu: '1', memory: '1Gi' }).obj());
    expect(await hostFor(s, makePod('p').nominatedNodeName('a'))).toBe('a');
  });

  it('keeps room for higher-priority nominated pods', async () => {
    const s = make();
    s.cache.addNode(makeNode('n').capacity({ cpu: '1', memory: '1Gi' }).obj());
    s.queue.addNominatedPod(new PodInfo(makePod('vip').priority(100).req({ cpu: '800m' }).obj()), 'n');
    const out = await s.schedulePod(new CycleState(), new PodInfo(makePod('low').priority(1).req({ cpu: '500m' }).obj()));
    expect('fitError' in out).toBe(true);
    expect(await hostFor(s, makePod('higher').priority(1000).req({ cpu: '500m' }))).toBe('n');
  });

  it('reports no nodes at all', async () => {
    const out = await make().schedulePod(new CycleState(), new PodInfo(makePod('p').obj()));
    expect('fitError' in out && out.fitError.message).toBe('no nodes available to schedule pods');
  });

  it('visits nodes round-robin across cycles', async () => {
    const s = make(() => 0);
    for (let i = 0; i < 200; i++) s.cache.addNode(makeNode(`n${String(i).padStart(3, '0')}`).capacity({ cpu: '1', memory: '1Gi' }).obj());
    const first = await s.schedulePod(new CycleState(), new PodInfo(makePod('a').obj()));
    const second = await s.schedulePod(new CycleState(), new PodInfo(makePod('b').obj()));
    // 200 nodes: the adaptive share is 100 nodes per cycle, and the next cycle starts after them.
    expect('evaluated' in first && first.evaluated).toBe(100);
    expect('host' in first && 'host' in second && first.host !== second.host).toBe(true);
  });
});
