import { ApiClient, Events, Namespaces, Pods } from '@minik8s/client';
import type { corev1 } from '@minik8s/api';
import { StatusError } from '@minik8s/api';
import { EtcdStore } from '@minik8s/storage';
import { ControlPlaneHarness, waitFor } from '@minik8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What keeps etcd from growing for ever, as in kube-apiserver: Events expire --event-ttl after
// their last write (etcd deletes them through a lease, and watchers see them go; other kinds are
// kept), and the history is compacted every --etcd-compaction-interval.

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

describe('--event-ttl and --etcd-compaction-interval', () => {
  beforeAll(async () => {
    plane = await ControlPlaneHarness.start({ extraArgs: [`--event-ttl=${TTL_SECONDS}s`, '--etcd-compaction-interval=1s'] });
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

  it('compacts etcd every interval to the revision of the interval before, while watches go on', async () => {
    const pods = client.resource(Pods).namespace('ttl');
    const created = await pods.create({ metadata: { name: 'compacted' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const old = Number(created.metadata?.resourceVersion);
    const watch = pods.watch({ resourceVersion: created.metadata?.resourceVersion });
    const raw = new EtcdStore({ hosts: plane.etcd.endpoint });
    try {
      await waitFor(
        async () => {
          try {
            await raw.list('/registry/pods/', { revision: old });
            return false;
          } catch (err) {
            if (err instanceof StatusError && err.reason === 'Expired') return true;
            throw err;
          }
        },
        { timeoutMs: 20_000, intervalMs: 200, description: `etcd compacted past revision ${old}` },
      );
      // The apiserver records each compaction where other apiservers (Kubernetes' too) look.
      expect(Number((await raw.get('compact_rev_key'))?.value.toString())).toBeGreaterThanOrEqual(old);
      // A watch opened before the compaction still gets what happens after it.
      await pods.update({ ...(await pods.get('compacted')), metadata: { ...created.metadata, resourceVersion: undefined, labels: { after: 'compaction' } } });
      for await (const e of watch) if (e.type === 'MODIFIED' && e.object.metadata?.labels?.after === 'compaction') break;
    } finally {
      watch.close();
      raw.close();
    }
  }, 60_000);
});
