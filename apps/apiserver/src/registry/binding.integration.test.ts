import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultScheme, StatusError, type ApiObject, type corev1, type KindInfo } from '@minik8s/api';
import { EtcdStore } from '@minik8s/storage';
import { EtcdHarness } from '@minik8s/testing';
import { Admission } from '../admission/admission';
import type { WatchCaches } from '../watch/watch-caches';
import { GenericRegistry } from './generic-registry';
import { ObjectKeys } from './object-keys';
import { ObjectStore } from './object-store';
import { bindPod } from './subresources';

// The registry on a real etcd, with a watch cache that answers what the test says: the copy an
// update starts from is the cache's when it has one, and a cache can be behind etcd.
let etcd: EtcdHarness;
let kv: EtcdStore;
let registry: GenericRegistry;
let cachedCopy: { obj: ApiObject; revision: number } | undefined;
const scheme = defaultScheme();
const podKind = scheme.forKind('v1', 'Pod') as KindInfo;
const clock = { now: () => new Date() };

beforeAll(async () => {
  etcd = await EtcdHarness.start();
  kv = new EtcdStore({ hosts: [etcd.endpoint] });
  const store = new ObjectStore(kv, scheme, new ObjectKeys('/registry'));
  const caches = { get: () => ({ cached: () => cachedCopy }) } as unknown as WatchCaches;
  registry = new GenericRegistry(store, scheme, caches, new Admission([]), clock);
}, 60_000);

afterAll(async () => {
  kv?.close();
  await etcd?.stop();
});

const pod = (name: string): corev1.Pod => ({ metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
const stored = async (name: string): Promise<{ obj: corev1.Pod; revision: number }> => {
  const obj = (await registry.get(podKind, 'default', name)) as corev1.Pod;
  return { obj, revision: Number(obj.metadata?.resourceVersion) };
};
const bind = (name: string, node: string): Promise<unknown> => bindPod(registry, podKind, clock, 'default', name, { target: { name: node } });

describe('pods/binding against the revision it replaces', () => {
  it('binds a pod the watch cache still shows bound from before it was deleted and made again', async () => {
    await registry.create(podKind, 'default', pod('again'));
    const old = await stored('again');
    const boundBefore: corev1.Pod = { ...old.obj, spec: { ...old.obj.spec, nodeName: 'gone-node' } };
    cachedCopy = { obj: boundBefore, revision: old.revision };
    await bind('again', 'node-1');
    expect((await stored('again')).obj.spec?.nodeName).toBe('node-1');
  });

  it("refuses a pod etcd has bound, whatever the cache's older copy says", async () => {
    await registry.create(podKind, 'default', pod('taken'));
    const unbound = await stored('taken');
    cachedCopy = undefined;
    await bind('taken', 'node-1');
    cachedCopy = unbound;
    const refusal = await bind('taken', 'node-2').catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(StatusError);
    expect((refusal as StatusError).message).toBe('Operation cannot be fulfilled on pods "taken": pod taken is already assigned to node "node-1"');
    const after = await stored('taken');
    expect(after.obj.spec?.nodeName).toBe('node-1');
    expect(after.obj.status?.conditions?.filter((c) => c.type === 'PodScheduled')).toHaveLength(1);
  });
});
