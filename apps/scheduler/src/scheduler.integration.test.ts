import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Pods, PriorityClasses } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { waitFor } from '@minik8s/testing';
import { asStatus, skip } from './framework/status';
import { DEFAULT_PLUGINS, inTreeRegistry } from './plugins/registry';
import { Scheduler } from './scheduler';
import { podScheduledCondition, TestCluster } from './testing/cluster';
import { makePod, type PodWrapper } from './testing/wrappers';

const ZONE = 'topology.kubernetes.io/zone';

/** A pod as a user would create it (no uid, no status). */
function pod(w: PodWrapper): corev1.Pod {
  const p = w.obj();
  if (p.spec?.containers?.length === 0) p.spec.containers.push({ name: 'app', image: 'busybox' });
  delete p.metadata?.uid;
  delete p.status;
  return p;
}

describe('scheduler against a real apiserver', () => {
  let cluster: TestCluster;
  let scheduler: Scheduler;
  let stop: AbortController;
  let running: Promise<void>;

  beforeAll(async () => {
    cluster = await TestCluster.start();
    await cluster.client.resource(PriorityClasses).create({ metadata: { name: 'low' }, value: 10 });
    await cluster.client.resource(PriorityClasses).create({ metadata: { name: 'high' }, value: 1000 });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  beforeEach(async () => {
    scheduler = new Scheduler({ client: cluster.client, logger: silentLogger(), identity: 'test-scheduler' });
    stop = new AbortController();
    running = scheduler.run(stop.signal);
    await scheduler.waitForCacheSync();
  });

  afterEach(async () => {
    stop.abort();
    await running;
    await scheduler.stop();
    await cluster.reset();
  });

  /** Waits until the scheduler has seen `n` nodes. */
  async function nodesSeen(n: number): Promise<void> {
    await waitFor(() => scheduler.cache.nodeCount === n, { description: `${n} nodes in the scheduler cache` });
  }

  it('binds pods to nodes that fit and records a Scheduled event', async () => {
    await cluster.createNode('small', { cpu: '500m', memory: '1Gi' });
    await cluster.createNode('big', { cpu: '4', memory: '8Gi' });
    await nodesSeen(2);
    await cluster.createPod(pod(makePod('needs-2-cpus').req({ cpu: '2', memory: '1Gi' })));
    expect(await cluster.waitForBound('needs-2-cpus')).toBe('big');
    const bound = await cluster.getPod('needs-2-cpus');
    expect(podScheduledCondition(bound)?.status).toBe('True');
    const events = await waitFor(async () => (await cluster.eventsFor('needs-2-cpus')).find((e) => e.reason === 'Scheduled'), { description: 'Scheduled event' });
    expect(events.message).toBe('Successfully assigned default/needs-2-cpus to big');
    expect(events.type).toBe('Normal');
  });

  it('spreads equal pods over equal nodes', async () => {
    for (const n of ['n1', 'n2', 'n3']) await cluster.createNode(n, { cpu: '2', memory: '4Gi' });
    await nodesSeen(3);
    for (let i = 0; i < 6; i++) await cluster.createPod(pod(makePod(`web-${i}`).label('app', 'web').req({ cpu: '200m', memory: '256Mi' })));
    const nodes: string[] = [];
    for (let i = 0; i < 6; i++) nodes.push(await cluster.waitForBound(`web-${i}`));
    const counts = Object.fromEntries(['n1', 'n2', 'n3'].map((n) => [n, nodes.filter((x) => x === n).length]));
    expect(counts).toEqual({ n1: 2, n2: 2, n3: 2 });
  });

  it('spreads over zones with a topology spread constraint', async () => {
    await cluster.createNode('a1', { cpu: '4', memory: '8Gi' }, { labels: { [ZONE]: 'a' } });
    await cluster.createNode('a2', { cpu: '4', memory: '8Gi' }, { labels: { [ZONE]: 'a' } });
    await cluster.createNode('b1', { cpu: '1', memory: '1Gi' }, { labels: { [ZONE]: 'b' } });
    await nodesSeen(3);
    for (let i = 0; i < 4; i++) {
      await cluster.createPod(pod(makePod(`s-${i}`).label('app', 's').req({ cpu: '100m' }).spreadConstraint(1, ZONE, 'DoNotSchedule', { app: 's' })));
      await cluster.waitForBound(`s-${i}`);
    }
    const zones = (await cluster.listPods()).map((p) => (p.spec?.nodeName === 'b1' ? 'b' : 'a'));
    expect(zones.filter((z) => z === 'a').length).toBe(2);
    expect(zones.filter((z) => z === 'b').length).toBe(2);
  });

  it('keeps pods off tainted nodes unless they tolerate the taint', async () => {
    await cluster.createNode('gpu', { cpu: '4', memory: '8Gi' }, { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await cluster.createNode('plain', { cpu: '1', memory: '1Gi' });
    await nodesSeen(2);
    for (let i = 0; i < 3; i++) await cluster.createPod(pod(makePod(`plain-${i}`).req({ cpu: '100m' })));
    await cluster.createPod(
      pod(makePod('tolerant').req({ cpu: '100m' }).toleration({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }).nodeSelector({ 'kubernetes.io/hostname': 'gpu' })),
    );
    for (let i = 0; i < 3; i++) expect(await cluster.waitForBound(`plain-${i}`)).toBe('plain');
    expect(await cluster.waitForBound('tolerant')).toBe('gpu');
  });

  it('honors node selectors and required node affinity', async () => {
    await cluster.createNode('ssd', { cpu: '2', memory: '2Gi' }, { labels: { disk: 'ssd', cores: '16' } });
    await cluster.createNode('hdd', { cpu: '2', memory: '2Gi' }, { labels: { disk: 'hdd', cores: '4' } });
    await nodesSeen(2);
    await cluster.createPod(pod(makePod('by-selector').nodeSelector({ disk: 'ssd' })));
    await cluster.createPod(pod(makePod('by-affinity').requiredNodeTerm({ key: 'cores', operator: 'Lt', values: ['8'] })));
    await cluster.createPod(pod(makePod('not-in').requiredNodeTerm({ key: 'disk', operator: 'NotIn', values: ['hdd'] })));
    expect(await cluster.waitForBound('by-selector')).toBe('ssd');
    expect(await cluster.waitForBound('by-affinity')).toBe('hdd');
    expect(await cluster.waitForBound('not-in')).toBe('ssd');
  });

  it('spreads anti-affine pods one per node and leaves the extra one pending', async () => {
    for (const n of ['h1', 'h2', 'h3']) await cluster.createNode(n, { cpu: '2', memory: '2Gi' });
    await nodesSeen(3);
    for (let i = 0; i < 4; i++) {
      await cluster.createPod(pod(makePod(`db-${i}`).label('app', 'db').podAntiAffinity({ app: 'db' }, 'kubernetes.io/hostname')));
    }
    const placed = await waitFor(
      async () => {
        const pods = await cluster.listPods();
        const bound = pods.filter((p) => p.spec?.nodeName);
        const pending = pods.filter((p) => podScheduledCondition(p)?.reason === 'Unschedulable');
        return bound.length === 3 && pending.length === 1 ? { bound, pending } : undefined;
      },
      { timeoutMs: 20_000, description: '3 bound, 1 unschedulable' },
    );
    expect(new Set(placed.bound.map((p) => p.spec?.nodeName)).size).toBe(3);
    expect(podScheduledCondition(placed.pending[0])?.message).toBe(
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
  });

  it('reports an unschedulable pod and schedules it as soon as a fitting node appears', async () => {
    await cluster.createNode('c1', { cpu: '1', memory: '2Gi' });
    await cluster.createNode('c2', { cpu: '1', memory: '2Gi' });
    await cluster.createNode('tainted', { cpu: '8', memory: '16Gi' }, { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await nodesSeen(3);
    await cluster.createPod(pod(makePod('big').req({ cpu: '2', memory: '1Gi' })));
    const expected = '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    const pending = await waitFor(async () => {
      const p = await cluster.getPod('big');
      return podScheduledCondition(p)?.reason === 'Unschedulable' ? p : undefined;
    }, { description: 'PodScheduled=False' });
    const cond = podScheduledCondition(pending);
    expect(cond?.status).toBe('False');
    expect(cond?.message).toBe(expected);
    const event = await waitFor(async () => (await cluster.eventsFor('big')).find((e) => e.reason === 'FailedScheduling'), { description: 'FailedScheduling event' });
    expect(event.type).toBe('Warning');
    expect(event.message).toBe(expected);

    const added = Date.now();
    await cluster.createNode('c3', { cpu: '4', memory: '8Gi' });
    expect(await cluster.waitForBound('big', 'default', 10_000)).toBe('c3');
    // Retried on the NodeAdd event, well before the pod's back-off could have mattered.
    expect(Date.now() - added).toBeLessThan(5_000);
  });

  it('never overcommits a node in a burst of pods', async () => {
    for (const n of ['b1', 'b2', 'b3']) await cluster.createNode(n, { cpu: '1', memory: '1Gi', pods: '20' });
    await nodesSeen(3);
    await Promise.all(Array.from({ length: 50 }, (_, i) => cluster.createPod(pod(makePod(`burst-${i}`).req({ cpu: '100m', memory: '64Mi' })))));
    const pods = await waitFor(
      async () => {
        const all = await cluster.listPods();
        const bound = all.filter((p) => p.spec?.nodeName);
        const unschedulable = all.filter((p) => podScheduledCondition(p)?.reason === 'Unschedulable');
        return bound.length === 30 && unschedulable.length === 20 ? all : undefined;
      },
      { timeoutMs: 30_000, description: '30 bound and 20 unschedulable' },
    );
    const perNode = new Map<string, number>();
    for (const p of pods) if (p.spec?.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([10, 10, 10]);
    expect(scheduler.metrics.bindErrors).toBe(0);
  });

  it('preempts a lower-priority pod and nominates its node', async () => {
    await cluster.createNode('only', { cpu: '1', memory: '1Gi' });
    await nodesSeen(1);
    const victim = pod(makePod('victim').req({ cpu: '800m' }));
    victim.spec!.priorityClassName = 'low';
    await cluster.createPod(victim);
    expect(await cluster.waitForBound('victim')).toBe('only');
    const preemptor = pod(makePod('preemptor').req({ cpu: '500m' }));
    preemptor.spec!.priorityClassName = 'high';
    await cluster.createPod(preemptor);
    const nominated = await waitFor(async () => (await cluster.getPod('preemptor')).status?.nominatedNodeName, { description: 'nominatedNodeName' });
    expect(nominated).toBe('only');
    const terminating = await waitFor(async () => {
      const v = await cluster.getPod('victim');
      return v.metadata?.deletionTimestamp ? v : undefined;
    }, { description: 'victim terminating' });
    expect(terminating.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.reason).toBe('PreemptionByScheduler');
    expect((await cluster.eventsFor('victim')).map((e) => e.reason)).toContain('Preempted');
    // The victim still runs until its kubelet finishes it off; meanwhile the preemptor waits.
    expect((await cluster.getPod('preemptor')).spec?.nodeName).toBeUndefined();
    // Play the kubelet: the victim's containers stopped.
    await cluster.client.resource(Pods).namespace('default').delete('victim', { gracePeriodSeconds: 0 });
    expect(await cluster.waitForBound('preemptor')).toBe('only');
  });

  it('forgets a pod whose binding failed and retries it', async () => {
    // Swap in a scheduler whose first bind call fails.
    stop.abort();
    await running;
    await scheduler.stop();
    let calls = 0;
    const registry = inTreeRegistry();
    registry.set('FlakyBinder', () => ({
      name: 'FlakyBinder',
      bind: async () => (calls++ === 0 ? asStatus(new Error('connection reset by peer')) : skip()),
    }));
    const plugins = [...DEFAULT_PLUGINS.filter((p) => p.name !== 'DefaultBinder'), { name: 'FlakyBinder' }, { name: 'DefaultBinder' }];
    scheduler = new Scheduler({ client: cluster.client, logger: silentLogger(), registry, plugins, podInitialBackoffSeconds: 0.2 });
    stop = new AbortController();
    running = scheduler.run(stop.signal);
    await scheduler.waitForCacheSync();

    await cluster.createNode('n', { cpu: '1', memory: '1Gi' });
    await nodesSeen(1);
    await cluster.createPod(pod(makePod('flaky').req({ cpu: '300m' })));
    expect(await cluster.waitForBound('flaky')).toBe('n');
    expect(calls).toBe(2);
    expect(scheduler.metrics.bindErrors).toBe(1);
    // Counted once: the failed attempt's assumption was forgotten.
    await waitFor(() => scheduler.cache.nodeInfoFor('n')?.pods.length === 1, { description: 'pod confirmed in the cache' });
    expect(scheduler.cache.nodeInfoFor('n')?.requested.milliCPU).toBe(300);
    const failed = await waitFor(async () => (await cluster.eventsFor('flaky')).find((e) => e.reason === 'FailedScheduling'), { description: 'FailedScheduling event' });
    expect(failed.message).toBe('Binding rejected: running Bind plugin "FlakyBinder": connection reset by peer');
  });

  it('leaves pods of other schedulers alone', async () => {
    await cluster.createNode('n', { cpu: '1', memory: '1Gi' });
    await nodesSeen(1);
    await cluster.createPod(pod(makePod('theirs').schedulerName('other-scheduler')));
    await cluster.createPod(pod(makePod('ours')));
    await cluster.waitForBound('ours');
    await scheduler.idle();
    const theirs = await cluster.getPod('theirs');
    expect(theirs.spec?.nodeName).toBeUndefined();
    expect(podScheduledCondition(theirs)).toBeUndefined();
    expect(await cluster.eventsFor('theirs')).toEqual([]);
  });
});
