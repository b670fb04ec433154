import { describe, expect, it } from 'vitest';
import type { corev1, discoveryv1 } from '@minik8s/api';
import { WorkQueue } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { EndpointSliceController, StaleInformerCacheError, type EndpointSliceClient } from './endpointslice-controller';
import { FakeLister, node, NS, pod, service } from './test-support';

/** Stores what the controller writes, as the apiserver would (names, uids, generations). */
class FakeSliceClient implements EndpointSliceClient {
  calls: string[] = [];
  readonly objects = new Map<string, discoveryv1.EndpointSlice>();
  private n = 0;
  async create(namespace: string, slice: discoveryv1.EndpointSlice): Promise<discoveryv1.EndpointSlice> {
    const name = `${slice.metadata?.generateName}${++this.n}`;
    this.calls.push(`create ${namespace}/${name}`);
    const created = { ...slice, metadata: { ...slice.metadata, name, uid: `uid-${name}`, generation: 1, resourceVersion: String(this.n) } };
    this.objects.set(name, created);
    return created;
  }
  async update(namespace: string, slice: discoveryv1.EndpointSlice): Promise<discoveryv1.EndpointSlice> {
    const name = slice.metadata?.name ?? '';
    this.calls.push(`update ${namespace}/${name}`);
    const generation = (this.objects.get(name)?.metadata?.generation ?? 0) + 1;
    const updated = { ...slice, metadata: { ...slice.metadata, generation, resourceVersion: String(++this.n) } };
    this.objects.set(name, updated);
    return updated;
  }
  async delete(namespace: string, name: string): Promise<void> {
    this.calls.push(`delete ${namespace}/${name}`);
    this.objects.delete(name);
  }
}

/** Records delayed adds instead of waiting for them. */
class RecordingQueue extends WorkQueue<string> {
  delayed: string[] = [];
  override addAfter(key: string, delayMs: number): void {
    this.delayed.push(`${key} after ${delayMs}ms`);
  }
}

function world(services: corev1.Service[], pods: corev1.Pod[], nodes: corev1.Node[] = [node('node-a'), node('node-b')]) {
  const slices = new FakeLister<discoveryv1.EndpointSlice>();
  const sliceClient = new FakeSliceClient();
  const events: string[] = [];
  const queue = new RecordingQueue();
  const podLister = new FakeLister(pods);
  const controller = new EndpointSliceController({
    services: new FakeLister(services),
    pods: podLister,
    nodes: new FakeLister(nodes),
    slices,
    sliceClient,
    recorder: { event: async (_obj, type, reason) => void events.push(`${type} ${reason}`) },
    logger: silentLogger(),
    queue,
  });
  /** The informer catches up with everything written. */
  const catchUp = (): void => {
    for (const s of slices.list()) slices.delete(s);
    for (const s of sliceClient.objects.values()) slices.set({ ...s, metadata: { ...s.metadata, namespace: NS } });
  };
  return { controller, pods: podLister, slices, sliceClient, events, queue, catchUp };
}

describe('EndpointSliceController.sync', () => {
  it('creates a slice for a Service, then writes nothing once the cache has it', async () => {
    const w = world([service('web')], [pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2' }), pod('c', { ip: '10.244.0.3' })]);
    await w.controller.sync('default/web');
    expect(w.sliceClient.calls).toEqual(['create default/web-1']);
    const slice = w.sliceClient.objects.get('web-1');
    expect(slice?.endpoints?.map((e) => e.addresses?.[0])).toEqual(['10.244.0.1', '10.244.0.2', '10.244.0.3']);
    expect(slice?.metadata?.annotations).toEqual({ 'endpoints.kubernetes.io/last-change-trigger-time': '2024-05-01T10:00:00Z' });
    w.catchUp();
    await w.controller.sync('default/web');
    expect(w.sliceClient.calls).toEqual(['create default/web-1']);
  });

  it('waits for the cache to show its own writes before planning again', async () => {
    const w = world([service('web')], [pod('a')]);
    await w.controller.sync('default/web');
    await expect(w.controller.sync('default/web')).rejects.toBeInstanceOf(StaleInformerCacheError);
    expect(w.sliceClient.calls).toHaveLength(1);
  });

  it('updates a slice in place when a pod becomes not ready', async () => {
    const w = world([service('web')], [pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2' })]);
    await w.controller.sync('default/web');
    w.catchUp();
    w.pods.set(pod('b', { ip: '10.244.0.2', ready: false, resourceVersion: '2', readySince: '2024-05-01T11:30:00Z' }));
    await w.controller.sync('default/web');
    expect(w.sliceClient.calls).toEqual(['create default/web-1', 'update default/web-1']);
    const slice = w.sliceClient.objects.get('web-1');
    expect(slice?.endpoints?.map((e) => e.conditions)).toEqual([
      { ready: true, serving: true, terminating: false },
      { ready: false, serving: false, terminating: false },
    ]);
    // Only the pod's transition is new since the last sync.
    expect(slice?.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toBe('2024-05-01T11:30:00Z');
  });

  it('does nothing for a Service without a selector, an ExternalName one, or one that is gone', async () => {
    const w = world([service('manual', { selector: undefined }), service('alias', { type: 'ExternalName' })], [pod('a')]);
    await w.controller.sync('default/manual');
    await w.controller.sync('default/alias');
    await w.controller.sync('default/gone');
    expect(w.sliceClient.calls).toEqual([]);
  });

  it('creates no slice for a Service being deleted', async () => {
    const deleting = service('web');
    deleting.metadata = { ...deleting.metadata, deletionTimestamp: '2024-05-01T12:00:00Z' };
    const w = world([deleting], [pod('a')]);
    await w.controller.sync('default/web');
    expect(w.sliceClient.calls).toEqual([]);
  });

  it('writes the slices without a pod whose Node is unknown, then asks to be retried', async () => {
    const w = world([service('web')], [pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2', node: 'node-new' })]);
    await expect(w.controller.sync('default/web')).rejects.toThrow(/Node node-new Not Found/);
    expect(w.sliceClient.objects.get('web-1')?.endpoints?.map((e) => e.addresses?.[0])).toEqual(['10.244.0.1']);
  });
});

describe('EndpointSliceController slice handlers', () => {
  it('ignore the controller\'s own writes and queue the Service for anybody else\'s', async () => {
    const w = world([service('web')], [pod('a')]);
    await w.controller.sync('default/web');
    const own = w.sliceClient.objects.get('web-1') as discoveryv1.EndpointSlice;
    const handlers = w.controller.sliceHandlers();
    handlers.onAdd?.(own);
    expect(w.queue.delayed).toEqual([]);

    const edited = { ...own, metadata: { ...own.metadata, generation: 2 } };
    handlers.onUpdate?.(own, edited);
    expect(w.queue.delayed).toEqual(['default/web after 1000ms']);

    const foreign: discoveryv1.EndpointSlice = { metadata: { name: 'x', namespace: NS, uid: 'x', labels: { 'kubernetes.io/service-name': 'web' } } };
    handlers.onAdd?.(foreign);
    expect(w.queue.delayed).toHaveLength(1);

    // Deleted by somebody else: repaired.
    handlers.onDelete?.(own);
    expect(w.queue.delayed).toEqual(['default/web after 1000ms', 'default/web after 1000ms']);
  });
});
