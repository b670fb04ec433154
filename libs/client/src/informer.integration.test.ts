import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { ControlPlaneHarness, waitFor } from '@minik8s/testing';
import { EtcdStore } from '@minik8s/storage';
import { ApiClient } from './api-client';
import { Informer } from './informer';
import { ConfigMaps, Namespaces } from './kinds';
import { LeaderElector } from './leader-election';
import { EventRecorder } from './event-recorder';
import { InformerFactory } from './informer-factory';
import { Events } from './kinds';

let controlPlane: ControlPlaneHarness;
let client: ApiClient;

beforeAll(async () => {
  controlPlane = await ControlPlaneHarness.start();
  client = new ApiClient(controlPlane.address, { timeoutMs: 5000 });
}, 60_000);

afterAll(async () => {
  client?.close();
  await controlPlane?.stop();
});

function names(informer: Informer<corev1.ConfigMap>): string[] {
  return informer.list().map((c) => c.metadata?.name ?? '').sort();
}

describe('Informer', () => {
  it('lists, watches, and keeps its cache and handlers in step across an apiserver restart', async () => {
    await client.resource(Namespaces).create({ metadata: { name: 'informer' } });
    const cms = client.resource(ConfigMaps).namespace('informer');
    await cms.create({ metadata: { name: 'before' } });
    const informer = new Informer<corev1.ConfigMap>(client, cms.info, { namespace: 'informer' });
    const seen: string[] = [];
    informer.addEventHandler({
      onAdd: (c) => seen.push(`add ${c.metadata?.name}`),
      onUpdate: (_, c) => seen.push(`update ${c.metadata?.name} ${c.data?.v ?? ''}`),
      onDelete: (c) => seen.push(`delete ${c.metadata?.name}`),
    });
    informer.start();
    expect(await informer.waitForCacheSync(10_000)).toBe(true);
    expect(names(informer)).toEqual(['before']);

    await cms.create({ metadata: { name: 'live' } });
    await waitFor(() => names(informer).includes('live'), { description: 'the live object in the cache' });

    await controlPlane.restartApiServer();
    await cms.create({ metadata: { name: 'after-restart' } });
    await cms.patch('live', 'application/merge-patch+json', { data: { v: '2' } });
    await cms.delete('before');
    await waitFor(() => names(informer).join() === 'after-restart,live', { timeoutMs: 20_000, description: 'the cache to catch up after the restart' });
    expect(informer.get('informer', 'live')?.data).toEqual({ v: '2' });
    expect(seen).toEqual(['add before', 'add live', 'add after-restart', 'update live 2', 'delete before']);
    await informer.stop();
  });

  it('relists after its resourceVersion is compacted and delivers what it missed', async () => {
    await client.resource(Namespaces).create({ metadata: { name: 'compaction' } });
    const cms = client.resource(ConfigMaps).namespace('compaction');
    await cms.create({ metadata: { name: 'old' } });
    const informer = new Informer<corev1.ConfigMap>(client, cms.info, { namespace: 'compaction' });
    const deleted: string[] = [];
    informer.addEventHandler({ onDelete: (c) => deleted.push(c.metadata?.name ?? '') });
    informer.start();
    await informer.waitForCacheSync(10_000);

    // While the apiserver is down the informer cannot watch; etcd moves on and is compacted.
    await controlPlane.apiserver.kill();
    const raw = new EtcdStore({ hosts: controlPlane.etcd.endpoint });
    try {
      const old = await raw.get('/registry/configmaps/compaction/old');
      const result = await raw.delete('/registry/configmaps/compaction/old', old?.modRevision ?? 0);
      expect(result.ok).toBe(true);
      // One more write, so that the compaction covers the revision right after the informer's.
      await raw.create('/registry/configmaps/compaction/direct', Buffer.alloc(0));
      await raw.delete('/registry/configmaps/compaction/direct', (await raw.get('/registry/configmaps/compaction/direct'))?.modRevision ?? 0);
      await raw.compact(await raw.currentRevision());
    } finally {
      raw.close();
    }
    await controlPlane.restartApiServer();
    await cms.create({ metadata: { name: 'new' } });
    await waitFor(() => names(informer).join() === 'new', { timeoutMs: 5_000, description: 'the relisted cache' });
    expect(deleted).toEqual(['old']);
    await informer.stop();
  });
});

describe('LeaderElector', () => {
  it('elects one of two candidates and hands over when the leader stops', async () => {
    const options = { namespace: 'kube-system', name: 'test-election', leaseDurationSeconds: 2, renewDeadlineSeconds: 1, retryPeriodSeconds: 0.2 };
    const a = new LeaderElector(client, { ...options, identity: 'a' });
    const b = new LeaderElector(client, { ...options, identity: 'b' });
    const stopA = new AbortController();
    const stopB = new AbortController();
    const leaders: string[] = [];
    const runA = a.run(() => void leaders.push('a'), stopA.signal);
    await waitFor(() => a.isLeader, { description: 'a to lead' });
    const runB = b.run(() => void leaders.push('b'), stopB.signal);
    await new Promise((r) => setTimeout(r, 600));
    expect(b.isLeader).toBe(false);
    stopA.abort();
    await runA;
    await waitFor(() => b.isLeader, { timeoutMs: 10_000, description: 'b to take over' });
    expect(leaders).toEqual(['a', 'b']);
    stopB.abort();
    await runB;
  });
});

describe('EventRecorder', () => {
  it('records an event about an object and counts its repeats', async () => {
    await client.resource(Namespaces).create({ metadata: { name: 'events' } });
    const cm = await client.resource(ConfigMaps).namespace('events').create({ metadata: { name: 'subject' } });
    const recorder = new EventRecorder(client, { component: 'test-controller' });
    const subject = { ...cm, apiVersion: 'v1', kind: 'ConfigMap' };
    await recorder.event(subject, 'Warning', 'Broken', 'it broke');
    await recorder.event(subject, 'Warning', 'Broken', 'it broke');
    await recorder.event(subject, 'Normal', 'Fixed', 'it works');
    const events = (await client.resource(Events).namespace('events').list({ fieldSelector: 'involvedObject.name=subject' })).items;
    const byReason = Object.fromEntries(events.map((e) => [e.reason, e]));
    expect(byReason.Broken).toMatchObject({ type: 'Warning', message: 'it broke', count: 2, involvedObject: { kind: 'ConfigMap', uid: cm.metadata?.uid } });
    expect(byReason.Fixed).toMatchObject({ type: 'Normal', count: 1, source: { component: 'test-controller' } });
  });
});

describe('InformerFactory', () => {
  it('shares one informer per kind and syncs them together', async () => {
    const factory = new InformerFactory(client);
    const a = factory.informerFor(ConfigMaps);
    const b = factory.informerFor(ConfigMaps);
    const namespaces = factory.informerFor(Namespaces);
    expect(a).toBe(b);
    factory.start();
    expect(await factory.waitForCacheSync(10_000)).toBe(true);
    expect(namespaces.list().map((n) => n.metadata?.name)).toContain('kube-system');
    await factory.stop();
  });
});
