import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError, type ApiObject } from '@minik8s/api';
import { ApiClient, ConfigMaps, Namespaces, type TypedWatchEvent, type WatchStream } from '@minik8s/client';
import { freePort, waitFor } from '@minik8s/testing';
import { ApiFixture } from '../test/api-fixture';

const f = new ApiFixture();
beforeAll(() => f.start(), 60_000);
afterAll(() => f.stop());

async function ns(name: string): Promise<string> {
  await f.client.resource(Namespaces).create({ metadata: { name } });
  return name;
}

/** Reads `count` events from a watch (leaving it open), giving up after a deadline. */
async function take<T extends ApiObject>(watch: WatchStream<T>, count: number, timeoutMs = 5000): Promise<TypedWatchEvent<T>[]> {
  const events: TypedWatchEvent<T>[] = [];
  const deadline = setTimeout(() => watch.close(), timeoutMs);
  try {
    while (events.length < count) {
      const next = await watch.next();
      if (next.done) break;
      events.push(next.value);
    }
  } finally {
    clearTimeout(deadline);
  }
  return events;
}

function summary(events: TypedWatchEvent<ApiObject>[]): string[] {
  return events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`);
}

describe('watch', () => {
  it('delivers every change after a resourceVersion, in order', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('watch-order'));
    const a = await cms.create({ metadata: { name: 'a' } });
    const watch = cms.watch({ resourceVersion: a.metadata?.resourceVersion });
    await cms.create({ metadata: { name: 'b' } });
    await cms.update({ ...a, data: { k: 'v' } });
    await cms.delete('b');
    const events = await take(watch, 3);
    watch.close();
    expect(summary(events)).toEqual(['ADDED b', 'MODIFIED a', 'DELETED b']);
    const rvs = events.map((e) => Number(e.object.metadata?.resourceVersion));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
  });

  it('starts with the current objects when no resourceVersion is given', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('watch-initial'));
    await cms.create({ metadata: { name: 'one' } });
    await cms.create({ metadata: { name: 'two' } });
    const watch = cms.watch({ resourceVersion: '0' });
    const initial = await take(watch, 2);
    await cms.create({ metadata: { name: 'three' } });
    const live = await take(watch, 1);
    watch.close();
    expect(summary(initial).sort()).toEqual(['ADDED one', 'ADDED two']);
    expect(summary(live)).toEqual(['ADDED three']);
  });

  it('turns objects entering and leaving a selector into ADDED and DELETED', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('watch-selector'));
    const start = await cms.create({ metadata: { name: 'x', labels: { app: 'other' } } });
    const watch = cms.watch({ resourceVersion: start.metadata?.resourceVersion, labelSelector: 'app=web' });
    const inside = await cms.patch('x', 'application/merge-patch+json', { metadata: { labels: { app: 'web' } } });
    await cms.patch('x', 'application/merge-patch+json', { data: { a: '1' } });
    await cms.patch('x', 'application/merge-patch+json', { metadata: { labels: { app: 'gone' } } });
    const events = await take(watch, 3);
    watch.close();
    expect(summary(events)).toEqual(['ADDED x', 'MODIFIED x', 'DELETED x']);
    expect(events[0].object.metadata?.resourceVersion).toBe(inside.metadata?.resourceVersion);
  });

  it('sends bookmarks to watches that allow them', async () => {
    const port = await freePort();
    const server = await f.startServer({ bookmarkIntervalMs: 100, port });
    const client = new ApiClient(server.address);
    try {
      const cms = client.resource(ConfigMaps).namespace(await ns('watch-bookmarks'));
      const c = await cms.create({ metadata: { name: 'c' } });
      const watch = cms.watch({ resourceVersion: c.metadata?.resourceVersion, allowWatchBookmarks: true });
      const [bookmark] = await take(watch, 1);
      watch.close();
      expect(bookmark.type).toBe('BOOKMARK');
      expect(Number(bookmark.object.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(c.metadata?.resourceVersion));
    } finally {
      client.close();
      await server.stop();
    }
  });

  it('serves one etcd watch per resource however many clients watch', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('watch-fanout'));
    const watches = Array.from({ length: 50 }, () => cms.watch({ resourceVersion: '0' }));
    await cms.create({ metadata: { name: 'fan' } });
    const all = await Promise.all(watches.map((w) => take(w, 1)));
    for (const w of watches) w.close();
    expect(all.every((events) => events[0]?.object.metadata?.name === 'fan')).toBe(true);
  });

  it('resumes from etcd when the resourceVersion is older than the cache window, and answers Gone once compacted', async () => {
    const namespace = await ns('watch-gone');
    const cms = f.client.resource(ConfigMaps).namespace(namespace);
    const first = await cms.create({ metadata: { name: 'first' } });
    const oldRv = first.metadata?.resourceVersion;
    const second = await cms.create({ metadata: { name: 'second' } });
    // A new apiserver's cache starts after oldRv, so this watch is served by etcd itself.
    await f.restartServer();
    f.client.close();
    f.client = new ApiClient(f.server.address);
    const resumed = f.client.resource(ConfigMaps).namespace(namespace).watch({ resourceVersion: oldRv });
    const events = await take(resumed, 1);
    resumed.close();
    expect(summary(events)).toEqual(['ADDED second']);
    const third = await f.client.resource(ConfigMaps).namespace(namespace).create({ metadata: { name: 'third' } });
    expect(Number(third.metadata?.resourceVersion)).toBeGreaterThan(Number(second.metadata?.resourceVersion));
    await f.raw.compact(Number(third.metadata?.resourceVersion));
    const stale = f.client.resource(ConfigMaps).namespace(namespace).watch({ resourceVersion: oldRv });
    let failure: unknown;
    try {
      await take(stale, 1);
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(StatusError);
    expect((failure as StatusError).reason).toBe('Expired');
  });

  it('lets two apiservers on one etcd serve the same objects and watches', async () => {
    const port = await freePort();
    const second = await f.startServer({ port });
    const other = new ApiClient(second.address);
    try {
      const namespace = await ns('two-servers');
      const watch = other.resource(ConfigMaps).namespace(namespace).watch({ resourceVersion: '0' });
      await f.client.resource(ConfigMaps).namespace(namespace).create({ metadata: { name: 'shared' } });
      const events = await take(watch, 1);
      watch.close();
      expect(summary(events)).toEqual(['ADDED shared']);
      expect((await other.resource(ConfigMaps).namespace(namespace).get('shared')).metadata?.name).toBe('shared');
    } finally {
      other.close();
      await second.stop();
    }
  });

  it('serves objects another apiserver wrote from the cache: lists at "0" with and without selectors, updates, deletes', async () => {
    // The second apiserver's cache holds what the first wrote only as etcd sent it, undecoded
    // until a selector, an update or a watch needs the object.
    const port = await freePort();
    const second = await f.startServer({ port });
    const other = new ApiClient(second.address);
    try {
      const namespace = await ns('cache-from-etcd');
      const mine = f.client.resource(ConfigMaps).namespace(namespace);
      const theirs = other.resource(ConfigMaps).namespace(namespace);
      const a = await mine.create({ metadata: { name: 'a', labels: { app: 'web' } }, data: { k: 'a' } });
      const b = await mine.create({ metadata: { name: 'b', labels: { app: 'db' } }, data: { k: 'b' } });
      const watch = theirs.watch({ resourceVersion: b.metadata?.resourceVersion, labelSelector: 'app=web' });
      const listAt0 = async (labelSelector?: string): Promise<string[]> => {
        const listed = await theirs.list({ resourceVersion: '0', labelSelector });
        return listed.items.map((cm) => `${cm.metadata?.name}@${cm.metadata?.resourceVersion}:${cm.data?.k}`);
      };
      const bothSeen = `a@${a.metadata?.resourceVersion}:a,b@${b.metadata?.resourceVersion}:b`;
      await waitFor(async () => (await listAt0()).join() === bothSeen, { timeoutMs: 30_000, description: 'both configmaps in the second cache' });
      expect(await listAt0('app=web')).toEqual([`a@${a.metadata?.resourceVersion}:a`]);

      const updated = await theirs.update({ ...a, data: { k: 'a2' } });
      expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(b.metadata?.resourceVersion));
      expect((await mine.get('a')).data).toEqual({ k: 'a2' });
      await mine.delete('a');
      const events = await take(watch, 2);
      watch.close();
      expect(events.map((e) => `${e.type} ${e.object.metadata?.name}@${e.object.metadata?.resourceVersion}:${e.object.data?.k}`)).toEqual([
        `MODIFIED a@${updated.metadata?.resourceVersion}:a2`,
        expect.stringMatching(/^DELETED a@\d+:a2$/),
      ]);
      expect(Number(events[1].object.metadata?.resourceVersion)).toBeGreaterThan(Number(updated.metadata?.resourceVersion));
    } finally {
      other.close();
      await second.stop();
    }
  });
});
