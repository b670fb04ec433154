import { describe, expect, it } from 'vitest';
import { StatusError, type corev1 } from '@minik8s/api';
import { keyOf, realClock } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { FakeClock } from '../../test-support/fake-clock';
import { FakeLister } from '../../test-support/fake-lister';
import { PodGcController, type PodGcSettings } from './pod-gc-controller';
import { OUT_OF_SERVICE_TAINT } from './pod-gc-plan';

// ---- a fake world: pod and node caches, the API behind them, a clock driven by hand ----

const T0 = Date.parse('2024-05-01T12:00:00Z');
const QUARANTINE_MS = 40_000;

/**
 * The apiserver: pods live in the cache (writes land at once, as a watch would deliver them);
 * nodes the API knows are kept apart from the node cache, so a lagging cache can be staged.
 */
class FakeCluster {
  readonly pods = new FakeLister<corev1.Pod>();
  readonly nodes = new FakeLister<corev1.Node>();
  readonly apiNodes = new Map<string, corev1.Node>();
  readonly statusWrites: corev1.Pod[] = [];
  readonly deletes: { key: string; uid: string | undefined }[] = [];
  /** Errors the next calls of each kind throw, first first. */
  readonly failStatus: Error[] = [];
  readonly failDelete: Error[] = [];
  readonly failNodeGet: Error[] = [];
  /** Runs before a status write is applied, e.g. to stage a racing writer. */
  beforeStatusWrite: (pod: corev1.Pod) => void = () => undefined;
  private revision = 1;

  addNode(name: string, ready = 'True', taints: string[] = []): void {
    const node: corev1.Node = {
      metadata: { name, uid: `uid-${name}` },
      spec: { taints: taints.map((key) => ({ key, effect: 'NoExecute' })) },
      status: { conditions: [{ type: 'Ready', status: ready }] },
    };
    this.nodes.indexer.set(node);
    this.apiNodes.set(name, node);
  }

  /** The node is deleted: gone from the API and the cache. */
  removeNode(name: string): void {
    this.apiNodes.delete(name);
    this.nodes.indexer.delete(name);
  }

  putPod(p: { name: string; node?: string; phase?: string; createdMinute?: number; deleting?: boolean; uid?: string }): corev1.Pod {
    const minute = String(p.createdMinute ?? 0).padStart(2, '0');
    const pod: corev1.Pod = {
      metadata: {
        name: p.name,
        namespace: 'default',
        uid: p.uid ?? `uid-${p.name}`,
        resourceVersion: String(++this.revision),
        creationTimestamp: `2024-05-01T11:${minute}:00Z`,
        deletionTimestamp: p.deleting ? '2024-05-01T12:00:30Z' : undefined,
      },
      spec: { nodeName: p.node, containers: [{ name: 'c', image: 'busybox' }] },
      status: { phase: p.phase ?? 'Running', qosClass: 'BestEffort' },
    };
    this.pods.indexer.set(pod);
    return pod;
  }

  pod(name: string): corev1.Pod | undefined {
    return this.pods.get('default', name);
  }

  deletedKeys(): string[] {
    return this.deletes.map((d) => d.key).sort();
  }

  readonly podClient = {
    get: async (namespace: string, name: string): Promise<corev1.Pod> => {
      const pod = this.pods.get(namespace, name);
      if (!pod) throw new StatusError('NotFound', `pods "${name}" not found`);
      return pod;
    },
    updateStatus: async (pod: corev1.Pod): Promise<corev1.Pod> => {
      const err = this.failStatus.shift();
      if (err) throw err;
      this.beforeStatusWrite(pod);
      const current = await this.podClient.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
      if (pod.metadata?.resourceVersion !== current.metadata?.resourceVersion) throw new StatusError('Conflict', 'the object has been modified');
      this.statusWrites.push(pod);
      const stored: corev1.Pod = { ...current, metadata: { ...current.metadata, resourceVersion: String(++this.revision) }, status: pod.status };
      this.pods.indexer.set(stored);
      return stored;
    },
    forceDelete: async (namespace: string, name: string, uid: string | undefined): Promise<void> => {
      const err = this.failDelete.shift();
      if (err) throw err;
      const current = await this.podClient.get(namespace, name);
      if (uid && current.metadata?.uid !== uid) throw new StatusError('Conflict', 'Precondition failed: UID');
      this.deletes.push({ key: keyOf(current), uid });
      this.pods.indexer.delete(keyOf(current));
    },
  };

  readonly nodeClient = {
    get: async (name: string): Promise<corev1.Node> => {
      const err = this.failNodeGet.shift();
      if (err) throw err;
      const node = this.apiNodes.get(name);
      if (!node) throw new StatusError('NotFound', `nodes "${name}" not found`);
      return node;
    },
  };
}

function setup(settings: PodGcSettings = {}, clock = new FakeClock(T0)): { cluster: FakeCluster; clock: FakeClock; gc: PodGcController } {
  const cluster = new FakeCluster();
  const gc = new PodGcController({
    quarantineMs: QUARANTINE_MS,
    ...settings,
    pods: cluster.pods,
    nodes: cluster.nodes,
    podClient: cluster.podClient,
    nodeClient: cluster.nodeClient,
    logger: silentLogger(),
    clock,
  });
  return { cluster, clock, gc };
}

const condition = (pod: corev1.Pod | undefined, type: string): corev1.PodCondition | undefined => pod?.status?.conditions?.find((c) => c.type === type);

describe('PodGcController: pods on nodes that no longer exist', () => {
  it('waits out the quarantine, confirms with a live read, marks the pod Failed with DisruptionTarget, and force-deletes it', async () => {
    const { cluster, clock, gc } = setup();
    cluster.addNode('n1');
    cluster.putPod({ name: 'orphan', node: 'gone' });
    cluster.putPod({ name: 'safe', node: 'n1' });

    const first = await gc.gc();
    expect(first).toMatchObject({ orphaned: [], errors: [], nextDueInMs: QUARANTINE_MS });
    expect(cluster.deletes).toEqual([]);

    clock.advance(QUARANTINE_MS - 1);
    expect((await gc.gc()).orphaned).toEqual([]);

    clock.advance(1);
    const due = await gc.gc();
    expect(due).toMatchObject({ orphaned: ['default/orphan'], errors: [], nextDueInMs: undefined });
    expect(cluster.deletes).toEqual([{ key: 'default/orphan', uid: 'uid-orphan' }]);
    expect(cluster.statusWrites).toHaveLength(1);
    const written = cluster.statusWrites[0];
    expect(written.status?.phase).toBe('Failed');
    expect(written.status?.qosClass).toBe('BestEffort');
    expect(condition(written, 'DisruptionTarget')).toEqual({
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByPodGC',
      message: 'PodGC: node no longer exists',
      lastTransitionTime: '2024-05-01T12:00:40Z',
    });
    expect(cluster.pod('safe')).toBeDefined();

    // The node's name is forgotten once no pod is bound to it.
    await gc.gc();
    expect(gc.quarantine.since('gone')).toBeUndefined();
  });

  it('counts the quarantine from the Node deletion event', async () => {
    const { cluster, clock, gc } = setup();
    cluster.addNode('doomed');
    cluster.putPod({ name: 'p', node: 'doomed' });
    cluster.removeNode('doomed');
    gc.nodeHandlers().onDelete?.({ metadata: { name: 'doomed' } });
    expect(gc.queue.length).toBe(1);

    clock.advance(30_000);
    expect(await gc.gc()).toMatchObject({ orphaned: [], nextDueInMs: 10_000 });
    clock.advance(10_000);
    expect((await gc.gc()).orphaned).toEqual(['default/p']);
  });

  it('leaves the pods of a node the cache lacks but the API has, and starts its quarantine over', async () => {
    const { cluster, clock, gc } = setup();
    cluster.addNode('late');
    cluster.nodes.indexer.delete('late');
    cluster.putPod({ name: 'p', node: 'late' });

    await gc.gc();
    clock.advance(QUARANTINE_MS);
    expect(await gc.gc()).toMatchObject({ orphaned: [], errors: [] });
    expect(cluster.deletes).toEqual([]);
    expect(gc.quarantine.since('late')).toBeUndefined();
  });

  it('keeps a node it could not read quarantined and fails the pass, so it is retried', async () => {
    const { cluster, clock, gc } = setup();
    cluster.putPod({ name: 'p', node: 'gone' });
    await gc.gc();
    clock.advance(QUARANTINE_MS);
    cluster.failNodeGet.push(new StatusError('ServiceUnavailable', 'etcd is down'));
    await expect(gc.sync()).rejects.toThrow(/1 failure\(s\); first: etcd is down/);
    expect(cluster.deletes).toEqual([]);
    expect((await gc.gc()).orphaned).toEqual(['default/p']);
  });

  it('deletes an orphan that has already finished without writing its status', async () => {
    const { cluster, clock, gc } = setup();
    cluster.putPod({ name: 'done', node: 'gone', phase: 'Succeeded' });
    await gc.gc();
    clock.advance(QUARANTINE_MS);
    expect((await gc.gc()).orphaned).toEqual(['default/done']);
    expect(cluster.statusWrites).toEqual([]);
  });

  it('retries the status write on a fresh read after a Conflict', async () => {
    const { cluster, clock, gc } = setup();
    cluster.putPod({ name: 'p', node: 'gone' });
    await gc.gc();
    clock.advance(QUARANTINE_MS);
    // The kubelet's last word lands first.
    let raced = false;
    cluster.beforeStatusWrite = () => {
      if (raced) return;
      raced = true;
      const current = cluster.pod('p') as corev1.Pod;
      cluster.pods.indexer.set({ ...current, metadata: { ...current.metadata, resourceVersion: '999' } });
    };
    expect((await gc.gc()).orphaned).toEqual(['default/p']);
    expect(cluster.statusWrites).toHaveLength(1);
    expect(cluster.statusWrites[0].metadata?.resourceVersion).toBe('999');
  });

  it('leaves a pod replaced by another of the same name meanwhile', async () => {
    const { cluster, clock, gc } = setup();
    cluster.putPod({ name: 'p', node: 'gone' });
    await gc.gc();
    clock.advance(QUARANTINE_MS);
    cluster.beforeStatusWrite = () => {
      cluster.beforeStatusWrite = () => undefined;
      cluster.putPod({ name: 'p', node: 'gone', uid: 'uid-new' });
    };
    expect(await gc.gc()).toMatchObject({ orphaned: [], errors: [] });
    expect(cluster.deletes).toEqual([]);
    expect(cluster.pod('p')?.metadata?.uid).toBe('uid-new');
  });
});

describe('PodGcController: terminated pods beyond the threshold', () => {
  it('deletes the oldest beyond the threshold, without status writes, and nothing else', async () => {
    const { cluster, gc } = setup({ terminatedPodThreshold: 3 });
    cluster.addNode('n1');
    for (const [i, name] of ['e', 'a', 'c', 'b', 'd'].entries()) {
      cluster.putPod({ name, node: 'n1', phase: i % 2 ? 'Failed' : 'Succeeded', createdMinute: name.charCodeAt(0) - 96 });
    }
    cluster.putPod({ name: 'running', node: 'n1', createdMinute: 0 });

    const result = await gc.gc();
    expect(result).toMatchObject({ terminated: ['default/a', 'default/b'], orphaned: [], errors: [] });
    expect(cluster.deletedKeys()).toEqual(['default/a', 'default/b']);
    expect(cluster.statusWrites).toEqual([]);
    // At the threshold now: a second pass leaves the rest.
    expect((await gc.gc()).terminated).toEqual([]);
    expect(cluster.pod('running')).toBeDefined();
  });

  it('defaults to Kubernetes threshold of 12500', () => {
    expect(setup().gc.terminatedPodThreshold).toBe(12_500);
  });

  it('deletes a pod that is both terminated and orphaned once', async () => {
    const { cluster, clock, gc } = setup({ terminatedPodThreshold: 1 });
    cluster.putPod({ name: 'a', node: 'gone', phase: 'Failed', createdMinute: 1 });
    cluster.putPod({ name: 'b', node: 'gone', phase: 'Failed', createdMinute: 2 });
    clock.advance(0);
    expect(await gc.gc()).toMatchObject({ terminated: ['default/a'], orphaned: [] });
    clock.advance(QUARANTINE_MS);
    expect(await gc.gc()).toMatchObject({ terminated: [], orphaned: ['default/b'] });
    expect(cluster.deletes.map((d) => d.key)).toEqual(['default/a', 'default/b']);
  });

  it('treats a pod already gone as done and fails the pass on other delete errors, after trying the rest', async () => {
    const { cluster, gc } = setup({ terminatedPodThreshold: 1, deleteConcurrency: 1 });
    for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) cluster.putPod({ name, phase: 'Succeeded', createdMinute: i });
    cluster.failDelete.push(new StatusError('NotFound', 'pods "a" not found'), new StatusError('InternalError', 'boom'));
    await expect(gc.sync()).rejects.toThrow(/first: boom/);
    expect(cluster.deletedKeys()).toEqual(['default/c']);
    expect((await gc.gc()).terminated).toEqual(['default/a', 'default/b']);
  });
});

describe('PodGcController: terminating pods that will never finish', () => {
  it('deletes a terminating pod that was never scheduled at once, marking it Failed first', async () => {
    const { cluster, gc } = setup();
    cluster.putPod({ name: 'stuck', phase: 'Pending', deleting: true });
    cluster.putPod({ name: 'pending', phase: 'Pending' });
    expect((await gc.gc()).unscheduledTerminating).toEqual(['default/stuck']);
    expect(cluster.statusWrites.map((p) => [p.metadata?.name, p.status?.phase, condition(p, 'DisruptionTarget')])).toEqual([['stuck', 'Failed', undefined]]);
    expect(cluster.pod('pending')).toBeDefined();
  });

  it('deletes a terminating pod on a not-ready node with the out-of-service taint', async () => {
    const { cluster, gc } = setup();
    cluster.addNode('dead', 'False', [OUT_OF_SERVICE_TAINT]);
    cluster.addNode('slow', 'False');
    cluster.putPod({ name: 'on-dead', node: 'dead', deleting: true });
    cluster.putPod({ name: 'on-slow', node: 'slow', deleting: true });
    cluster.putPod({ name: 'alive-on-dead', node: 'dead' });
    expect(await gc.gc()).toMatchObject({ outOfService: ['default/on-dead'], unscheduledTerminating: [], orphaned: [] });
    expect(cluster.deletedKeys()).toEqual(['default/on-dead']);
  });
});

describe('PodGcController: scheduling', () => {
  it('queues a pass when a quarantine is pending', async () => {
    const { cluster, gc } = setup({ quarantineMs: 5 });
    cluster.putPod({ name: 'p', node: 'gone' });
    await gc.sync();
    expect(gc.queue.length).toBe(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(gc.queue.length).toBe(1);
    gc.queue.shutDown();
  });

  it('runs a pass every period until stopped', async () => {
    // A clock that really waits, so the ticker does not spin.
    const clock = new FakeClock(T0);
    clock.sleep = (ms: number, signal?: AbortSignal) => realClock.sleep(ms, signal);
    const { cluster, gc } = setup({ terminatedPodThreshold: 1, gcPeriodMs: 10 }, clock);
    const stop = new AbortController();
    const running = gc.run(stop.signal);
    cluster.putPod({ name: 'a', phase: 'Succeeded', createdMinute: 1 });
    cluster.putPod({ name: 'b', phase: 'Succeeded', createdMinute: 2 });
    for (let i = 0; i < 100 && cluster.deletes.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(cluster.deletedKeys()).toEqual(['default/a']);
    stop.abort();
    await running;
  });
});
