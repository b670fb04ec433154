import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError } from '@minik8s/api';
import { silentLogger } from '@minik8s/logging';
import { EtcdHarness, waitFor } from '@minik8s/testing';
import { Compactor, COMPACT_REVISION_KEY } from './compactor';
import { EtcdStore } from './etcd-store';

let etcd: EtcdHarness;
let store: EtcdStore;
beforeAll(async () => {
  etcd = await EtcdHarness.start();
  store = new EtcdStore({ hosts: etcd.endpoint });
}, 60_000);
afterAll(async () => {
  store?.close();
  await etcd?.stop();
});

/** Whether etcd still serves `revision`: a read there fails with Expired once it is compacted. */
async function readable(revision: number): Promise<boolean> {
  try {
    await store.list('/compactor-test/', { revision });
    return true;
  } catch (err) {
    if (err instanceof StatusError && err.reason === 'Expired') return false;
    throw err;
  }
}

async function write(n: number): Promise<number> {
  let revision = 0;
  for (let i = 0; i < n; i++) {
    const res = await store.create(`/compactor-test/${Date.now()}-${Math.random()}`, Buffer.from('x'));
    if (res.ok) revision = res.revision;
  }
  return revision;
}

describe('Compactor', () => {
  it('takes turns between two apiservers: one compacts per round, to the revision seen a round earlier', async () => {
    const a = new Compactor(store, 0, silentLogger());
    const b = new Compactor(store, 0, silentLogger());
    const before = await write(3);

    // First rounds: a claims the key, b finds it claimed; nobody has a revision from a round ago.
    expect(await a.round()).toBeUndefined();
    const seenByA = await store.currentRevision();
    expect(await b.round()).toBeUndefined();
    expect(await readable(before)).toBe(true);

    // a's next round compacts to what it saw at its first; b's, in the same interval, does not.
    const later = await write(3);
    expect(await a.round()).toBe(seenByA);
    expect(await b.round()).toBeUndefined();
    await waitFor(async () => !(await readable(before)), { timeoutMs: 10_000, description: `revision ${before} compacted` });
    expect(await readable(later)).toBe(true);
    // The key records the revision of each compaction.
    expect((await store.get(COMPACT_REVISION_KEY))?.value.toString()).toBe(String(seenByA));

    // Now b is in step: its turn comes before a's second claim of the interval.
    const last = await write(3);
    const compacted = await b.round();
    expect(compacted).toBeGreaterThanOrEqual(later);
    expect(await a.round()).toBeUndefined();
    await waitFor(async () => !(await readable(later)), { timeoutMs: 10_000, description: `revision ${later} compacted` });
    expect(await readable(last)).toBe(true);
  });

  it('runs by itself every interval once started', async () => {
    const compactor = new Compactor(store, 200, silentLogger());
    const old = await write(1);
    compactor.start();
    try {
      await waitFor(async () => !(await readable(old)), { timeoutMs: 10_000, intervalMs: 100, description: `revision ${old} compacted` });
    } finally {
      compactor.stop();
    }
  });
});
