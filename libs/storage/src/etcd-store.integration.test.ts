import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError } from '@minik8s/api';
import { EtcdHarness, waitFor } from '@minik8s/testing';
import { EtcdStore } from './etcd-store';

let etcd: EtcdHarness;
beforeAll(async () => {
  etcd = await EtcdHarness.start();
}, 60_000);
afterAll(() => etcd?.stop());

// One endpoint takes the hand-encoded HTTP/2 path; the same endpoint twice makes the store use
// the etcd3 client, so both transports answer the same checks.
const transports = [
  { name: 'HTTP/2 with hand-encoded messages', hosts: () => etcd.endpoint },
  { name: 'the etcd3 client', hosts: () => [etcd.endpoint, etcd.endpoint] },
];

describe.each(transports)('EtcdStore over $name', ({ name, hosts }) => {
  let store: EtcdStore;
  const prefix = `/test/${name.replace(/\W+/g, '-')}/`;
  beforeAll(() => {
    store = new EtcdStore({ hosts: hosts() });
  });
  afterAll(() => store?.close());

  it('creates once, updates and deletes on the expected revision, and reports the current state otherwise', async () => {
    const key = `${prefix}a`;
    const created = await store.create(key, Buffer.from('one'));
    expect(created.ok).toBe(true);
    const revision = created.ok ? created.revision : 0;
    const again = await store.create(key, Buffer.from('two'));
    expect(again).toMatchObject({ ok: false, current: { key, modRevision: revision, createRevision: revision } });
    expect(again.ok ? '' : again.current?.value.toString()).toBe('one');

    const stale = await store.update(key, Buffer.from('two'), revision - 1);
    expect(stale).toMatchObject({ ok: false, current: { modRevision: revision } });
    const updated = await store.update(key, Buffer.from('two'), revision);
    expect(updated.ok).toBe(true);
    const updatedRevision = updated.ok ? updated.revision : 0;
    expect(updatedRevision).toBeGreaterThan(revision);
    const read = await store.get(key);
    expect(read).toMatchObject({ key, modRevision: updatedRevision, createRevision: revision });
    expect(read?.value.toString()).toBe('two');

    expect(await store.delete(key, revision)).toMatchObject({ ok: false, current: { modRevision: updatedRevision } });
    const deleted = await store.delete(key, updatedRevision);
    expect(deleted).toMatchObject({ ok: true, deleted: { key, modRevision: updatedRevision } });
    expect(deleted.ok ? deleted.deleted.value.toString() : '').toBe('two');
    expect(await store.get(key)).toBeUndefined();
    expect(await store.update(key, Buffer.from('three'), updatedRevision)).toEqual({ ok: false, current: undefined });
    expect(await store.delete(key, updatedRevision)).toEqual({ ok: false, current: undefined });
  });

  it('lists by pages at one revision, and refuses a compacted one with Expired', async () => {
    const listPrefix = `${prefix}list/`;
    let first = 0;
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      const res = await store.create(`${listPrefix}${name}`, Buffer.from(name));
      if (res.ok && !first) first = res.revision;
    }
    const page = await store.list(listPrefix, { limit: 2 });
    expect(page.kvs.map((kv) => kv.key)).toEqual([`${listPrefix}a`, `${listPrefix}b`]);
    expect(page.more).toBe(true);
    await store.create(`${listPrefix}bb`, Buffer.from('late'));
    const rest = await store.list(listPrefix, { startKey: `${listPrefix}b\x00`, revision: page.revision });
    expect(rest.kvs.map((kv) => kv.value.toString())).toEqual(['c', 'd', 'e']);
    expect(rest.more).toBe(false);
    expect((await store.list(listPrefix)).kvs).toHaveLength(6);

    await store.compact(await store.currentRevision());
    const err = await store.list(listPrefix, { revision: first }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).reason).toBe('Expired');
  });

  it('lets a key written with a TTL expire by itself, on a lease shared by the writes of one window', async () => {
    const leaseOf = async (key: string): Promise<string> => (await store.client.get(key).exec()).kvs[0]?.lease ?? 'missing';
    // An hour's TTL: writes share a lease of an hour plus the reuse window, and an update
    // without a TTL keeps the key for good.
    const hour = [`${prefix}ttl/a`, `${prefix}ttl/b`];
    for (const key of hour) expect((await store.create(key, Buffer.from('x'), { ttlSeconds: 3600 })).ok).toBe(true);
    const shared = await leaseOf(hour[0]);
    expect(shared).not.toBe('0');
    expect(await leaseOf(hour[1])).toBe(shared);
    const granted = await store.client.leaseClient.leaseTimeToLive({ ID: shared, keys: true });
    expect(Number(granted.grantedTTL)).toBe(3660);
    expect(granted.keys.map((k) => k.toString()).sort()).toEqual(hour);
    const kept = await store.get(hour[1]);
    expect(kept && (await store.update(hour[1], Buffer.from('y'), kept.modRevision)).ok).toBe(true);
    expect(await leaseOf(hour[1])).toBe('0');

    // Two seconds: the key is gone by itself, and a watcher sees it deleted.
    const key = `${prefix}ttl/short`;
    const created = await store.create(key, Buffer.from('short'), { ttlSeconds: 2 });
    expect(created.ok).toBe(true);
    const deletions: string[] = [];
    const watch = await store.watch(`${prefix}ttl/`, created.ok ? created.revision : 0, {
      onEvent: (event) => void (event.type === 'delete' && deletions.push(event.key)),
      onError: () => undefined,
    });
    try {
      await waitFor(async () => (await store.get(key)) === undefined && deletions.includes(key), { timeoutMs: 15_000, description: `${key} to expire` });
    } finally {
      await watch.stop();
    }
    expect(await store.get(hour[1])).toBeDefined();

    // A shared lease that etcd no longer has (revoked here; lost with etcd's data elsewhere)
    // costs no write: the next one gets a new lease.
    await store.client.leaseClient.leaseRevoke({ ID: shared });
    expect(await store.get(hour[0])).toBeUndefined();
    const again = `${prefix}ttl/after-revoke`;
    expect((await store.create(again, Buffer.from('z'), { ttlSeconds: 3600 })).ok).toBe(true);
    const renewed = await leaseOf(again);
    expect(renewed).not.toBe(shared);
    expect(renewed).not.toBe('0');
  }, 30_000);
});
