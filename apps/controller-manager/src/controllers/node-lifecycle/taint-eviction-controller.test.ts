import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { WorkQueue } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { TaintEvictionController } from './taint-eviction-controller';
import { FakeClock, FakeCluster, FakeEvents, FakeRequeue, readyPod, T0 } from './test-support';

const EVICTION_TIMEOUT = 300_000;
const UNREACHABLE: corev1.Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2024-05-01T12:00:00Z' };
const NOT_READY: corev1.Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };

function world() {
  const clock = new FakeClock(T0);
  const cluster = new FakeCluster(clock);
  const events = new FakeEvents();
  const requeue = new FakeRequeue();
  const queue = new WorkQueue<string>();
  const controller = new TaintEvictionController({
    nodes: cluster.nodes,
    pods: cluster.pods,
    podClient: cluster.podClient,
    recorder: events,
    logger: silentLogger(),
    clock,
    defaultTolerationMs: EVICTION_TIMEOUT,
    queue,
    requeue,
  });
  cluster.putNode({ metadata: { name: 'n1' }, spec: {} });
  const deleted = (name: string): boolean => cluster.podDeletes.includes(`default/${name}`);
  /** Runs sync for every queued key, as workers would. */
  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const key = (await queue.get()) ?? '';
      await controller.sync(key);
      queue.done(key);
    }
  };
  return { clock, cluster, events, requeue, queue, controller, deleted, drain };
}

const tolerate = (key: string, tolerationSeconds?: number): corev1.Toleration => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds });

describe('TaintEvictionController', () => {
  it('leaves pods on an untainted node alone', async () => {
    const w = world();
    w.cluster.putPod(readyPod('web', 'n1'));
    await w.controller.sync('default/web');
    expect(w.cluster.podDeletes).toEqual([]);
    expect(w.requeue.scheduled.size).toBe(0);
  });

  it('deletes at once a pod that does not tolerate a NoExecute taint, marking it DisruptionTarget first', async () => {
    const w = world();
    w.cluster.putPod(readyPod('web', 'n1'));
    w.cluster.setTaints('n1', [{ key: 'maintenance', effect: 'NoExecute' }]);
    await w.controller.sync('default/web');
    expect(w.deleted('web')).toBe(true);
    expect(w.cluster.podStatusWrites[0].status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }),
    );
    expect(w.events.events).toContainEqual({ kind: 'Pod', name: 'web', type: 'Normal', reason: 'TaintManagerEviction', message: 'Marking for deletion Pod default/web' });
    // The delete was graceful: the pod is terminating, and a later sync does nothing more.
    expect(w.cluster.pod('web')?.metadata?.deletionTimestamp).toBeDefined();
    await w.controller.sync('default/web');
    expect(w.cluster.podDeletes).toHaveLength(1);
  });

  it('gives a pod with no toleration for unreachable the pod eviction timeout', async () => {
    const w = world();
    w.cluster.putPod(readyPod('web', 'n1'));
    w.cluster.setTaints('n1', [UNREACHABLE]);
    await w.controller.sync('default/web');
    expect(w.deleted('web')).toBe(false);
    expect(w.requeue.scheduled.get('default/web')).toBe(EVICTION_TIMEOUT);

    w.clock.advance(EVICTION_TIMEOUT - 1);
    await w.controller.sync('default/web');
    expect(w.deleted('web')).toBe(false);
    expect(w.requeue.scheduled.get('default/web')).toBe(1);

    w.clock.advance(1);
    await w.controller.sync('default/web');
    expect(w.deleted('web')).toBe(true);
  });

  it("evicts after the matching toleration's tolerationSeconds, and never without a limit", async () => {
    const w = world();
    w.cluster.putPod(readyPod('short', 'n1', [tolerate('node.kubernetes.io/unreachable', 10)]));
    w.cluster.putPod(readyPod('zero', 'n1', [tolerate('node.kubernetes.io/unreachable', 0)]));
    w.cluster.putPod(readyPod('forever', 'n1', [tolerate('node.kubernetes.io/unreachable')]));
    w.cluster.putPod(readyPod('wildcard', 'n1', [{ operator: 'Exists' }]));
    w.cluster.setTaints('n1', [UNREACHABLE]);
    w.controller.nodeHandlers().onUpdate?.(w.cluster.node('n1'), w.cluster.node('n1'));
    w.controller.nodeHandlers().onAdd?.(w.cluster.node('n1'));
    await w.drain();
    expect(w.deleted('zero')).toBe(true);
    expect(w.deleted('short')).toBe(false);
    expect(w.requeue.scheduled.get('default/short')).toBe(10_000);
    expect(w.requeue.scheduled.has('default/forever')).toBe(false);

    w.clock.advance(10_000);
    for (const name of ['short', 'forever', 'wildcard']) await w.controller.sync(`default/${name}`);
    expect(w.deleted('short')).toBe(true);
    w.clock.advance(3_600_000);
    for (const name of ['forever', 'wildcard']) await w.controller.sync(`default/${name}`);
    expect(w.deleted('forever')).toBe(false);
    expect(w.deleted('wildcard')).toBe(false);
  });

  it('takes the least tolerationSeconds when several taints are tolerated', async () => {
    const w = world();
    w.cluster.putPod(readyPod('web', 'n1', [tolerate('node.kubernetes.io/unreachable', 600), tolerate('maintenance', 60)]));
    w.cluster.setTaints('n1', [UNREACHABLE, { key: 'maintenance', effect: 'NoExecute' }]);
    await w.controller.sync('default/web');
    expect(w.requeue.scheduled.get('default/web')).toBe(60_000);
  });

  it('does not apply the default to a pod that tolerates the taint itself', async () => {
    const w = world();
    // Tolerates not-ready forever; gets the default only for unreachable.
    w.cluster.putPod(readyPod('web', 'n1', [tolerate('node.kubernetes.io/not-ready')]));
    w.cluster.setTaints('n1', [NOT_READY]);
    await w.controller.sync('default/web');
    expect(w.requeue.scheduled.has('default/web')).toBe(false);
    w.cluster.setTaints('n1', [UNREACHABLE]);
    await w.controller.sync('default/web');
    expect(w.requeue.scheduled.get('default/web')).toBe(EVICTION_TIMEOUT);
  });

  it('counts the wait from when it first saw the taint, across a not-ready → unreachable swap', async () => {
    const w = world();
    w.cluster.putPod(readyPod('web', 'n1', [tolerate('node.kubernetes.io/not-ready', 100), tolerate('node.kubernetes.io/unreachable', 100)]));
    w.cluster.setTaints('n1', [NOT_READY]);
    await w.controller.sync('default/web');
    w.clock.advance(60_000);
    w.cluster.setTaints('n1', [UNREACHABLE]);
    await w.controller.sync('default/web');
    expect(w.requeue.scheduled.get('default/web')).toBe(40_000);
    w.clock.advance(40_000);
    await w.controller.sync('default/web');
    expect(w.deleted('web')).toBe(true);
  });

  it('cancels a pending eviction when the taint goes, and starts over if it comes back', async () => {
    const w = world();
    w.cluster.putPod(readyPod('web', 'n1', [tolerate('node.kubernetes.io/unreachable', 100)]));
    w.cluster.setTaints('n1', [UNREACHABLE]);
    await w.controller.sync('default/web');
    w.clock.advance(90_000);
    w.cluster.setTaints('n1', []);
    await w.controller.sync('default/web');
    expect(w.requeue.scheduled.size).toBe(0);
    expect(w.controller.scheduledEviction('default/web')).toBeUndefined();
    expect(w.events.events).toContainEqual({ kind: 'Pod', name: 'web', type: 'Normal', reason: 'TaintManagerEviction', message: 'Cancelling deletion of Pod default/web' });

    w.clock.advance(20_000);
    w.cluster.setTaints('n1', [UNREACHABLE]);
    await w.controller.sync('default/web');
    expect(w.deleted('web')).toBe(false);
    expect(w.requeue.scheduled.get('default/web')).toBe(100_000);
  });

  it('queues the pods of a node whose NoExecute taints change, and pods whose tolerations or node change', () => {
    const w = world();
    w.cluster.putPod(readyPod('a', 'n1'));
    w.cluster.putPod(readyPod('b', 'n1'));
    const node = w.cluster.node('n1');
    const handlers = w.controller.nodeHandlers();
    handlers.onUpdate?.(node, { ...node, spec: { taints: [{ key: 'x', effect: 'NoSchedule' }] } });
    expect(w.queue.length).toBe(0);
    handlers.onUpdate?.(node, { ...node, spec: { taints: [UNREACHABLE] } });
    expect(w.queue.length).toBe(2);

    const w2 = world();
    const pods = w2.controller.podHandlers();
    const pod = readyPod('p', 'n1');
    pods.onUpdate?.(pod, { ...pod, status: { phase: 'Running' } });
    expect(w2.queue.length).toBe(0);
    pods.onUpdate?.(pod, { ...pod, spec: { ...pod.spec, tolerations: [tolerate('x')] } });
    expect(w2.queue.length).toBe(1);
  });

  it('forgets pods that are gone or being deleted, and does not delete a pod recreated under the same name', async () => {
    const w = world();
    w.cluster.putPod(readyPod('web', 'n1'));
    w.cluster.setTaints('n1', [UNREACHABLE]);
    await w.controller.sync('default/web');
    w.cluster.pods.indexer.delete('default/web');
    await w.controller.sync('default/web');
    expect(w.controller.scheduledEviction('default/web')).toBeUndefined();
    expect(w.requeue.scheduled.size).toBe(0);

    // The cache still has the old pod while the apiserver has a new one of the same name.
    const old = w.cluster.putPod({ ...readyPod('web', 'n1'), metadata: { name: 'web', namespace: 'default', uid: 'old' } });
    w.cluster.setTaints('n1', [{ key: 'maintenance', effect: 'NoExecute' }]);
    const get = w.cluster.podClient.get;
    w.cluster.podClient.get = async (ns, name) => ({ ...(await get(ns, name)), metadata: { ...old.metadata, uid: 'new' } });
    await w.controller.sync('default/web');
    expect(w.cluster.podDeletes).toEqual([]);
  });
});
