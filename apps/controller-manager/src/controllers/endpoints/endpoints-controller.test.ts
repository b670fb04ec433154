import { describe, expect, it } from 'vitest';
import { StatusError, type corev1 } from '@minik8s/api';
import { silentLogger } from '@minik8s/logging';
import { FakeLister, NS, pod, service } from '../endpointslice/test-support';
import { EndpointsController, type EndpointsClient } from './endpoints-controller';

class FakeEndpointsClient implements EndpointsClient {
  calls: string[] = [];
  written: corev1.Endpoints[] = [];
  private rv = 100;
  fail: Error | undefined;
  async create(namespace: string, obj: corev1.Endpoints): Promise<corev1.Endpoints> {
    this.calls.push(`create ${namespace}/${obj.metadata?.name}`);
    if (this.fail) throw this.fail;
    this.written.push(obj);
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
  }
  async update(namespace: string, obj: corev1.Endpoints): Promise<corev1.Endpoints> {
    this.calls.push(`update ${namespace}/${obj.metadata?.name}`);
    if (this.fail) throw this.fail;
    this.written.push(obj);
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
  }
  async delete(namespace: string, name: string): Promise<void> {
    this.calls.push(`delete ${namespace}/${name}`);
    if (this.fail) throw this.fail;
  }
}

function world(services: corev1.Service[], pods: corev1.Pod[], endpoints: corev1.Endpoints[] = []) {
  const deps = {
    services: new FakeLister(services),
    pods: new FakeLister(pods),
    endpoints: new FakeLister(endpoints),
    endpointsClient: new FakeEndpointsClient(),
    events: [] as string[],
  };
  const controller = new EndpointsController({
    ...deps,
    recorder: { event: async (_obj, type, reason) => void deps.events.push(`${type} ${reason}`) },
    logger: silentLogger(),
  });
  return { ...deps, controller };
}

describe('EndpointsController.sync', () => {
  it('creates the Endpoints of a Service with a selector, labelled as the controller\'s', async () => {
    const w = world([service('web', { labels: { team: 'a' } })], [pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2', ready: false }), pod('other', { labels: { app: 'db' } })]);
    await w.controller.sync('default/web');
    expect(w.endpointsClient.calls).toEqual(['create default/web']);
    const [ep] = w.endpointsClient.written;
    expect(ep.metadata).toMatchObject({ name: 'web', namespace: NS, labels: { team: 'a', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' } });
    expect(ep.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toBe('2024-05-01T10:00:00Z');
    expect(ep.subsets).toEqual([
      {
        addresses: [{ ip: '10.244.0.1', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: NS, name: 'a', uid: 'uid-a' } }],
        notReadyAddresses: [{ ip: '10.244.0.2', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: NS, name: 'b', uid: 'uid-b' } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('writes nothing when the Endpoints already says it', async () => {
    const w = world([service('web')], [pod('a')]);
    await w.controller.sync('default/web');
    w.endpoints.set({ ...w.endpointsClient.written[0], metadata: { ...w.endpointsClient.written[0].metadata, resourceVersion: '101' } });
    await w.controller.sync('default/web');
    expect(w.endpointsClient.calls).toEqual(['create default/web']);
  });

  it('updates the Endpoints in place when a pod changes, and refuses a stale cache afterwards', async () => {
    const existing: corev1.Endpoints = { metadata: { name: 'web', namespace: NS, resourceVersion: '7', annotations: { keep: 'me' } }, subsets: [] };
    const w = world([service('web', { clusterIP: 'None' })], [pod('a')], [existing]);
    await w.controller.sync('default/web');
    expect(w.endpointsClient.calls).toEqual(['update default/web']);
    expect(w.endpointsClient.written[0].metadata).toMatchObject({
      resourceVersion: '7',
      labels: { 'service.kubernetes.io/headless': '', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' },
      annotations: { keep: 'me' },
    });
    // The cache still holds version 7, which was just replaced.
    await expect(w.controller.sync('default/web')).rejects.toThrow(/informer cache is out of date/);
    expect(w.endpointsClient.calls).toHaveLength(1);
  });

  it('leaves alone the Endpoints of a Service without a selector, and of an ExternalName one', async () => {
    const manual: corev1.Endpoints = { metadata: { name: 'manual', namespace: NS, resourceVersion: '3' }, subsets: [{ addresses: [{ ip: '192.168.1.10' }] }] };
    const w = world([service('manual', { selector: undefined }), service('alias', { type: 'ExternalName' })], [pod('a')], [manual]);
    await w.controller.sync('default/manual');
    await w.controller.sync('default/alias');
    expect(w.endpointsClient.calls).toEqual([]);
  });

  it('deletes the Endpoints of a Service that is gone, tolerating NotFound', async () => {
    const w = world([], []);
    await w.controller.sync('default/web');
    w.endpointsClient.fail = new StatusError('NotFound', 'endpoints "web" not found');
    await w.controller.sync('default/web');
    expect(w.endpointsClient.calls).toEqual(['delete default/web', 'delete default/web']);
  });

  it('reports a failed write and throws to be retried', async () => {
    const w = world([service('web')], [pod('a')]);
    w.endpointsClient.fail = new StatusError('Invalid', 'bad');
    await expect(w.controller.sync('default/web')).rejects.toThrow('bad');
    expect(w.events).toEqual(['Warning FailedToCreateEndpoint']);
  });

  it('drops a create refused because the namespace is terminating', async () => {
    const w = world([service('web')], [pod('a')]);
    w.endpointsClient.fail = new StatusError('Forbidden', 'endpoints "web" is forbidden: unable to create new content in namespace default because it is being terminated');
    await w.controller.sync('default/web');
    expect(w.events).toEqual([]);
  });

  it('marks an Endpoints over capacity and truncates it', async () => {
    const pods = Array.from({ length: 1001 }, (_, i) => pod(`p${i}`, { ip: `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
    const w = world([service('web')], pods);
    await w.controller.sync('default/web');
    const [ep] = w.endpointsClient.written;
    expect(ep.metadata?.annotations?.['endpoints.kubernetes.io/over-capacity']).toBe('truncated');
    expect(ep.subsets?.[0].addresses).toHaveLength(1000);
  });
});

describe('EndpointsController handlers', () => {
  it('queue the Services a pod event concerns, and the leftover Endpoints at start', async () => {
    const w = world(
      [service('web'), service('db', { selector: { app: 'db' } })],
      [],
      [
        { metadata: { name: 'orphan', namespace: NS } },
        { metadata: { name: 'lock', namespace: 'kube-system', annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } } },
      ],
    );
    const pods = w.controller.podHandlers();
    const added: string[] = [];
    const queue = w.controller.queue;
    const drain = async (): Promise<void> => {
      while (queue.length > 0) {
        const key = (await queue.get()) as string;
        added.push(key);
        queue.done(key);
      }
    };
    pods.onAdd?.(pod('a'));
    const before = pod('a', { resourceVersion: '1' });
    pods.onUpdate?.(before, pod('a', { resourceVersion: '2', labels: { app: 'db' } }));
    w.controller.queueLeftoverEndpoints();
    await drain();
    expect(added.sort()).toEqual(['default/db', 'default/orphan', 'default/web']);
  });
});
