import { ApiClient, Events, Namespaces, Pods } from '@minik8s/client';
import type { corev1 } from '@minik8s/api';
import { ControlPlaneHarness, waitFor } from '@minik8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Events expire --event-ttl after their last write, as kube-apiserver's do: etcd deletes them
// through a lease, and watchers see them go. Other kinds are kept.

const TTL_SECONDS = 3;
let plane: ControlPlaneHarness;
let client: ApiClient;

function event(name: string, pod: string): corev1.Event {
  return {
    metadata: { name },
    involvedObject: { kind: 'Pod', namespace: 'ttl', name: pod, apiVersion: 'v1' },
    reason: 'Scheduled',
    message: `Successfully assigned ttl/${pod} to node-1`,
    type: 'Normal',
    source: { component: 'default-scheduler' },
    count: 1,
  };
}

describe('--event-ttl', () => {
  beforeAll(async () => {
    plane = await ControlPlaneHarness.start({ extraArgs: [`--event-ttl=${TTL_SECONDS}s`] });
    client = new ApiClient(plane.address, { timeoutMs: 10_000 });
    await client.resource(Namespaces).create({ metadata: { name: 'ttl' } });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await plane?.stop();
  });

  it('deletes an Event TTL after its last write, seen by watchers; an update restarts the clock; pods stay', async () => {
    const events = client.resource(Events).namespace('ttl');
    const pod = await client.resource(Pods).namespace('ttl').create({ metadata: { name: 'kept' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const first = await events.create(event('first', 'kept'));
    const createdAt = Date.now();
    const watch = events.watch({ resourceVersion: first.metadata?.resourceVersion });
    const deleted: string[] = [];
    const seen = (async () => {
      for await (const e of watch) if (e.type === 'DELETED') deleted.push(e.object.metadata?.name ?? '');
    })().catch(() => undefined);
    try {
      // A second Event, updated a second later: its lease is renewed by the update.
      const second = await events.create(event('second', 'kept'));
      await waitFor(async () => Date.now() - createdAt >= 1000, { timeoutMs: 5_000, intervalMs: 100, description: 'a second to pass' });
      const updatedAt = Date.now();
      await events.update({ ...second, count: 2 });

      await waitFor(async () => deleted.includes('first'), { timeoutMs: 20_000, intervalMs: 100, description: 'the first Event to expire' });
      const firstGoneAfter = Date.now() - createdAt;
      expect(firstGoneAfter).toBeGreaterThanOrEqual(TTL_SECONDS * 1000);
      await expect(events.get('first')).rejects.toMatchObject({ reason: 'NotFound' });

      await waitFor(async () => deleted.includes('second'), { timeoutMs: 20_000, intervalMs: 100, description: 'the updated Event to expire' });
      expect(Date.now() - updatedAt).toBeGreaterThanOrEqual(TTL_SECONDS * 1000);
      expect(await events.list()).toMatchObject({ items: [] });
      expect((await client.resource(Pods).namespace('ttl').get('kept')).metadata?.uid).toBe(pod.metadata?.uid);
    } finally {
      watch.close();
      await seen;
    }
  }, 60_000);
});
