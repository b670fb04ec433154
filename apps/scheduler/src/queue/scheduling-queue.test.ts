import { describe, expect, it } from 'vitest';
import type { Clock } from '@minik8s/client';
import { ActionType, type ClusterEventWithHint, type QueuedPodInfo } from '../framework/interfaces';
import { PodInfo } from '../framework/pod-info';
import { unresolvable } from '../framework/status';
import { PrioritySort } from '../plugins/priority-sort/priority-sort';
import { makePod } from '../testing/wrappers';
import { Events } from './events';
import { SchedulingQueue } from './scheduling-queue';

class FakeClock implements Clock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.t += ms;
    return Promise.resolve();
  }
}

const events = new Map<string, ClusterEventWithHint[]>([
  ['NodeResourcesFit', [{ event: { resource: 'Pod', actionType: ActionType.Delete } }, { event: { resource: 'Node', actionType: ActionType.Add } }]],
  ['TaintToleration', [{ event: { resource: 'Node', actionType: ActionType.UpdateNodeTaint } }]],
  [
    'NodeAffinity',
    [{ event: { resource: 'Node', actionType: ActionType.Add }, hint: (_pod, _old, node) => ((node as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.ok ? 'Queue' : 'Skip') }],
  ],
]);

function newQueue(clock = new FakeClock()): { q: SchedulingQueue; clock: FakeClock } {
  const sort = new PrioritySort();
  const q = new SchedulingQueue({
    less: (a, b) => sort.less(a, b),
    clock,
    eventsByPlugin: events,
    preEnqueue: (pod) => ((pod.spec?.schedulingGates ?? []).length > 0 ? unresolvable('gated').withPlugin('SchedulingGates') : null),
  });
  return { q, clock };
}

async function popName(q: SchedulingQueue): Promise<string> {
  const p = await q.pop();
  return p?.podInfo.name ?? '<none>';
}

/** Pops the pod and fails it as unschedulable because of `plugins`. */
async function failAll(q: SchedulingQueue, ...plugins: string[]): Promise<QueuedPodInfo> {
  const p = (await q.pop()) as QueuedPodInfo;
  p.unschedulablePlugins = new Set(plugins);
  q.addUnschedulableIfNotPresent(p);
  return p;
}

describe('SchedulingQueue', () => {
  it('pops by priority, then by age', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('low').priority(1).obj());
    clock.t++;
    q.add(makePod('high').priority(100).obj());
    clock.t++;
    q.add(makePod('low-later').priority(1).obj());
    clock.t++;
    q.add(makePod('mid').priority(50).obj());
    const order = [await popName(q), await popName(q), await popName(q), await popName(q)];
    expect(order).toEqual(['high', 'mid', 'low', 'low-later']);
  });

  it('an empty queue waits for the next pod', async () => {
    const { q } = newQueue();
    const next = q.pop();
    q.add(makePod('late').obj());
    expect((await next)?.podInfo.name).toBe('late');
  });

  it('an unschedulable pod waits until an event its plugins registered for', async () => {
    const { q } = newQueue();
    q.add(makePod('p').obj());
    await failAll(q, 'NodeResourcesFit');
    expect(q.whereIs('default/p')).toBe('unschedulable');
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', actionType: ActionType.UpdateNodeTaint, label: 'NodeUpdate' });
    expect(q.whereIs('default/p')).toBe('unschedulable');
    q.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete);
    // Still within its back-off: it waits there, not in the active queue.
    expect(q.whereIs('default/p')).toBe('backoff');
  });

  it('a moved pod whose back-off expired goes straight to the active queue', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('p').obj());
    await failAll(q, 'NodeResourcesFit');
    clock.t += 1500;
    q.moveAllToActiveOrBackoffQueue(Events.NodeAdd);
    expect(q.whereIs('default/p')).toBe('active');
  });

  it('queueing hints can skip an event', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('p').obj());
    await failAll(q, 'NodeAffinity');
    clock.t += 5000;
    q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, { metadata: { labels: {} } });
    expect(q.whereIs('default/p')).toBe('unschedulable');
    q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, { metadata: { labels: { ok: 'yes' } } });
    expect(q.whereIs('default/p')).toBe('active');
  });

  it('back-off doubles per attempt up to the maximum', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('p').obj());
    const durations: number[] = [];
    for (let i = 0; i < 6; i++) {
      const p = (await q.pop()) as QueuedPodInfo;
      durations.push(q.backoffDuration(p));
      p.failedWithError = true;
      q.addUnschedulableIfNotPresent(p);
      clock.t += 20_000;
      q.flushBackoffQCompleted();
    }
    expect(durations).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('a failed attempt with an error goes to back-off and comes back when it expires', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('p').obj());
    const p = (await q.pop()) as QueuedPodInfo;
    p.failedWithError = true;
    q.addUnschedulableIfNotPresent(p);
    expect(q.whereIs('default/p')).toBe('backoff');
    q.flushBackoffQCompleted();
    expect(q.whereIs('default/p')).toBe('backoff');
    clock.t += 1000;
    q.flushBackoffQCompleted();
    expect(q.whereIs('default/p')).toBe('active');
  });

  it('an event during the attempt sends the rejected pod to back-off instead of parking it', async () => {
    const { q } = newQueue();
    q.add(makePod('p').obj());
    const p = (await q.pop()) as QueuedPodInfo;
    q.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, makePod('gone').obj(), undefined);
    p.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(p);
    expect(q.whereIs('default/p')).toBe('backoff');
  });

  it('an unrelated event during the attempt does not', async () => {
    const { q } = newQueue();
    q.add(makePod('p').obj());
    const p = (await q.pop()) as QueuedPodInfo;
    q.moveAllToActiveOrBackoffQueue(Events.AssignedPodAdd, undefined, makePod('new').obj());
    p.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(p);
    expect(q.whereIs('default/p')).toBe('unschedulable');
  });

  it('events are kept for as long as a pod in flight started before them, however attempts end', async () => {
    const { q } = newQueue();
    // (Popped in any order: they share priority and age.)
    for (const name of ['a', 'b', 'c', 'd']) q.add(makePod(name).obj());
    const a = (await q.pop()) as QueuedPodInfo;
    const b = (await q.pop()) as QueuedPodInfo;
    // Seen by a and b, not by c and d (popped after it).
    q.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, makePod('gone').obj(), undefined);
    const c = (await q.pop()) as QueuedPodInfo;
    const d = (await q.pop()) as QueuedPodInfo;
    // a's attempt ends first (bound): b, which started as early, still needs the event.
    q.done(a.podInfo.key);
    for (let i = 0; i < 600; i++) q.moveAllToActiveOrBackoffQueue(Events.AssignedPodAdd, undefined, makePod(`new-${i}`).obj());
    b.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(b);
    expect(q.whereIs(b.podInfo.key)).toBe('backoff');
    // Only AssignedPodAdd events happened since c and d started: nothing NodeResourcesFit waits for.
    c.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(c);
    expect(q.whereIs(c.podInfo.key)).toBe('unschedulable');
    q.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, makePod('gone-too').obj(), undefined);
    d.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(d);
    expect(q.whereIs(d.podInfo.key)).toBe('backoff');
  });

  it('when nothing is active, a backing-off pod is popped at once', async () => {
    const { q } = newQueue();
    q.add(makePod('p').obj());
    await failAll(q, 'NodeResourcesFit');
    q.moveAllToActiveOrBackoffQueue(Events.NodeAdd);
    expect(q.whereIs('default/p')).toBe('backoff');
    expect(await popName(q)).toBe('p');
  });

  it("a pod's own update moves it out of the unschedulable set", async () => {
    const { q, clock } = newQueue();
    const pod = makePod('p').obj();
    q.add(pod);
    await failAll(q, 'TaintToleration');
    clock.t += 5000;
    // A status-only change does nothing.
    q.update(pod, { ...pod, status: { phase: 'Pending' } });
    expect(q.whereIs('default/p')).toBe('unschedulable');
    q.update(pod, makePod('p').toleration({ operator: 'Exists' }).obj());
    expect(q.whereIs('default/p')).toBe('active');
  });

  it('gated pods wait until their gates are removed', async () => {
    const { q } = newQueue();
    const gated = makePod('g').schedulingGates('wait').obj();
    q.add(gated);
    expect(q.whereIs('default/g')).toBe('unschedulable');
    q.moveAllToActiveOrBackoffQueue(Events.NodeAdd);
    expect(q.whereIs('default/g')).toBe('unschedulable');
    q.update(gated, makePod('g').obj());
    expect(q.whereIs('default/g')).toBe('active');
  });

  it('pods unschedulable for too long are retried anyway', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('p').obj());
    await failAll(q, 'TaintToleration');
    q.flushUnschedulableLeftover();
    expect(q.whereIs('default/p')).toBe('unschedulable');
    clock.t += 5 * 60_000;
    q.flushUnschedulableLeftover();
    expect(q.whereIs('default/p')).toBe('active');
  });

  it('delete removes the pod wherever it is', async () => {
    const { q } = newQueue();
    q.add(makePod('a').obj());
    q.add(makePod('b').obj());
    await failAll(q, 'NodeResourcesFit');
    q.delete(makePod('a').obj());
    q.delete(makePod('b').obj());
    expect(q.stats()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });

  it('updates of an in-flight pod are kept for its next attempt, not queued twice', async () => {
    const { q } = newQueue();
    const pod = makePod('p').obj();
    q.add(pod);
    const p = (await q.pop()) as QueuedPodInfo;
    q.update(pod, makePod('p').label('new', 'label').obj());
    expect(q.stats().active).toBe(0);
    expect(q.latestInFlight('default/p')?.metadata?.labels?.new).toBe('label');
    p.unschedulablePlugins = new Set(['TaintToleration']);
    q.addUnschedulableIfNotPresent(p);
    // Its own change during the attempt may help: it is retried.
    expect(q.whereIs('default/p')).toBe('backoff');
  });

  it('tracks nominated pods per node', () => {
    const { q } = newQueue();
    const a = new PodInfo(makePod('a').priority(10).obj());
    const b = new PodInfo(makePod('b').priority(5).obj());
    q.addNominatedPod(a, 'n1');
    q.addNominatedPod(b, 'n1');
    expect(q.nominatedPodsForNode('n1').map((p) => p.name)).toEqual(['a', 'b']);
    q.addNominatedPod(a, 'n2');
    expect(q.nominatedPodsForNode('n1').map((p) => p.name)).toEqual(['b']);
    q.deleteNominatedPodIfExists(b.pod);
    expect(q.nominatedPodsForNode('n1')).toEqual([]);
    q.add(makePod('c').nominatedNodeName('n3').obj());
    expect(q.nominatedPodsForNode('n3').map((p) => p.name)).toEqual(['c']);
  });
});
