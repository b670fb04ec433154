import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError } from '@minik8s/api';
import { EtcdHarness } from '@minik8s/testing';
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
});
