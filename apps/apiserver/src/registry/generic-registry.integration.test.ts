import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError, type corev1 } from '@minik8s/api';
import { ConfigMaps, Deployments, Events, Namespaces, Pods, ReplicaSets } from '@minik8s/client';
import { ApiFixture } from '../test/api-fixture';

const f = new ApiFixture();
beforeAll(() => f.start(), 60_000);
afterAll(() => f.stop());

function pod(name: string, labels: Record<string, string> = {}, extra: Partial<corev1.Pod> = {}): corev1.Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] }, ...extra };
}

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StatusError) return `${err.reason}: ${err.message}`;
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function ns(name: string): Promise<string> {
  await f.client.resource(Namespaces).create({ metadata: { name } });
  return name;
}

describe('bootstrap', () => {
  it('creates the system namespaces', async () => {
    const names = (await f.client.resource(Namespaces).list()).items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
  });
});

describe('expiry', () => {
  it('keeps Events an hour by default, on one shared etcd lease, and other kinds for good', async () => {
    const name = await ns('expiry');
    const events = f.client.resource(Events).namespace(name);
    const involvedObject = { kind: 'Pod', namespace: name, name: 'a', apiVersion: 'v1' };
    for (const e of ['a.1', 'a.2']) await events.create({ metadata: { name: e }, involvedObject, reason: 'Started', message: 'Started container app' });
    await f.client.resource(Pods).namespace(name).create(pod('a'));
    const leaseOf = async (key: string): Promise<string> => (await f.raw.client.get(key).exec()).kvs[0]?.lease ?? 'missing';
    const lease = await leaseOf(`/registry/events/${name}/a.1`);
    expect(await leaseOf(`/registry/events/${name}/a.2`)).toBe(lease);
    expect(await leaseOf(`/registry/pods/${name}/a`)).toBe('0');
    // An hour, plus the minute in which further Events share the lease.
    expect(Number((await f.raw.client.leaseClient.leaseTimeToLive({ ID: lease })).grantedTTL)).toBe(3660);
  });
});

describe('create and get', () => {
  it('fills in uid, creationTimestamp, generation and resourceVersion from etcd', async () => {
    const pods = f.client.resource(Pods).namespace(await ns('create-get'));
    const created = await pods.create(pod('a'));
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.metadata?.generation).toBe(1);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    const got = await pods.get('a');
    expect(got.metadata).toEqual(created.metadata);
    expect(await f.raw.get('/registry/pods/create-get/a')).toBeDefined();
  });

  it('generates names from generateName', async () => {
    const pods = f.client.resource(Pods).namespace(await ns('generate'));
    const a = await pods.create({ ...pod(''), metadata: { generateName: 'web-' } });
    const b = await pods.create({ ...pod(''), metadata: { generateName: 'web-' } });
    expect(a.metadata?.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(b.metadata?.name).not.toBe(a.metadata?.name);
  });

  it('refuses a duplicate name with AlreadyExists', async () => {
    const pods = f.client.resource(Pods).namespace(await ns('dup'));
    await pods.create(pod('a'));
    expect(await reasonOf(pods.create(pod('a')))).toBe('AlreadyExists: pods "a" already exists');
  });

  it('refuses creation in a missing namespace', async () => {
    expect(await reasonOf(f.client.resource(Pods).namespace('does-not-exist').create(pod('a')))).toBe(
      'NotFound: namespaces "does-not-exist" not found',
    );
  });

  it('refuses an invalid object with every field error and writes nothing', async () => {
    const before = await f.registryKeys();
    const message = await reasonOf(
      f.client.resource(ConfigMaps).namespace('default').create({ metadata: { name: 'Bad_Name', labels: { 'bad key!': 'x' } } }),
    );
    expect(message).toContain('Invalid: ConfigMap "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name"');
    expect(message).toContain('metadata.labels: Invalid value: "bad key!"');
    expect(await f.registryKeys()).toEqual(before);
  });

  it('keeps cluster-scoped kinds out of namespaces', async () => {
    const created = await f.client.resource(Namespaces).create({ metadata: { name: 'scoped' } });
    expect(created.metadata?.namespace).toBeUndefined();
    expect(await f.raw.get('/registry/namespaces/scoped')).toBeDefined();
  });
});

describe('update', () => {
  it('fails with Conflict on a stale resourceVersion', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('conflict'));
    const v1 = await cms.create({ metadata: { name: 'c' }, data: { a: '1' } });
    await cms.update({ ...v1, data: { a: '2' } });
    expect(await reasonOf(cms.update({ ...v1, data: { a: '3' } }))).toBe(
      'Conflict: Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect((await cms.get('c')).data).toEqual({ a: '2' });
  });

  it('bumps generation on spec changes only and keeps status out of ordinary updates', async () => {
    const rss = f.client.resource(ReplicaSets).namespace(await ns('generation'));
    const rs = await rss.create({
      metadata: { name: 'rs' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
    const relabelled = await rss.update({ ...rs, metadata: { ...rs.metadata, labels: { tier: 'web' } } });
    expect(relabelled.metadata?.generation).toBe(1);
    const scaled = await rss.update({ ...relabelled, spec: { ...relabelled.spec, replicas: 3 }, status: { replicas: 99 } });
    expect(scaled.metadata?.generation).toBe(2);
    expect(scaled.status?.replicas).toBeUndefined();
    const withStatus = await rss.updateStatus({ ...scaled, spec: { ...scaled.spec, replicas: 7 }, status: { replicas: 3, observedGeneration: 2 } });
    expect(withStatus.status).toMatchObject({ replicas: 3, observedGeneration: 2 });
    expect(withStatus.spec?.replicas).toBe(3);
    expect(withStatus.metadata?.generation).toBe(2);
  });

  it('writes nothing for an update that changes nothing', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('noop'));
    const c = await cms.create({ metadata: { name: 'c' }, data: { a: '1' } });
    const again = await cms.update(c);
    expect(again.metadata?.resourceVersion).toBe(c.metadata?.resourceVersion);
  });

  it('answers a dry run with the object as it would be stored, and stores nothing', async () => {
    const rss = f.client.resource(ReplicaSets).namespace(await ns('dry-run'));
    const rs = await rss.create({
      metadata: { name: 'rs' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
    const wouldBe = await rss.update({ ...rs, spec: { ...rs.spec, replicas: 4 } }, { dryRun: true });
    expect(wouldBe.spec?.replicas).toBe(4);
    expect(wouldBe.metadata?.generation).toBe(2);
    expect(wouldBe.metadata?.resourceVersion).toBe(rs.metadata?.resourceVersion);
    const after = await rss.get('rs');
    expect(after.spec?.replicas).toBe(1);
    expect(after.metadata?.resourceVersion).toBe(rs.metadata?.resourceVersion);
  });
});

describe('patch', () => {
  it('applies JSON merge patches and JSON patches', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('patch'));
    await cms.create({ metadata: { name: 'c', labels: { keep: 'yes', drop: 'yes' } }, data: { a: '1' } });
    const merged = await cms.patch('c', 'application/merge-patch+json', { metadata: { labels: { drop: null, added: 'x' } }, data: { b: '2' } });
    expect(merged.metadata?.labels).toEqual({ keep: 'yes', added: 'x' });
    expect(merged.data).toEqual({ a: '1', b: '2' });
    const patched = await cms.patch('c', 'application/json-patch+json', [
      { op: 'replace', path: '/data/a', value: '10' },
      { op: 'remove', path: '/data/b' },
    ]);
    expect(patched.data).toEqual({ a: '10' });
    expect(await reasonOf(cms.patch('c', 'application/json-patch+json', [{ op: 'test', path: '/data/a', value: 'nope' }]))).toMatch(/^BadRequest: /);
  });

  it('treats a resourceVersion inside the patch as a precondition', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('patch-rv'));
    await cms.create({ metadata: { name: 'c' }, data: { a: '1' } });
    expect(await reasonOf(cms.patch('c', 'application/merge-patch+json', { metadata: { resourceVersion: '1' }, data: { a: '2' } }))).toMatch(
      /^Conflict: /,
    );
  });
});

describe('list', () => {
  it('selects by label and field selectors', async () => {
    const namespace = await ns('select');
    const pods = f.client.resource(Pods).namespace(namespace);
    await pods.create(pod('web-1', { app: 'web', tier: 'front' }));
    await pods.create(pod('web-2', { app: 'web' }));
    await pods.create(pod('db-1', { app: 'db', tier: 'back' }));
    const names = async (labelSelector?: string, fieldSelector?: string): Promise<string[]> =>
      (await pods.list({ labelSelector, fieldSelector })).items.map((p) => p.metadata?.name ?? '').sort();
    expect(await names('app=web')).toEqual(['web-1', 'web-2']);
    expect(await names('app==db')).toEqual(['db-1']);
    expect(await names('app!=web')).toEqual(['db-1']);
    expect(await names('tier in (front,back)')).toEqual(['db-1', 'web-1']);
    expect(await names('tier notin (front)')).toEqual(['db-1', 'web-2']);
    expect(await names('tier')).toEqual(['db-1', 'web-1']);
    expect(await names('!tier')).toEqual(['web-2']);
    expect(await names('app=web,tier')).toEqual(['web-1']);
    expect(await names(undefined, 'metadata.name=db-1')).toEqual(['db-1']);
    expect(await names(undefined, 'status.phase!=Running')).toEqual(['db-1', 'web-1', 'web-2']);
    expect(await names(undefined, 'spec.nodeName=')).toEqual(['db-1', 'web-1', 'web-2']);
    expect(await reasonOf(pods.list({ fieldSelector: 'spec.color=red' }))).toBe('BadRequest: field label not supported: spec.color');
    expect(await reasonOf(pods.list({ labelSelector: 'app in web' }))).toMatch(/^BadRequest: unable to parse requirement/);
  });

  it('pages with limit and continue over one snapshot', async () => {
    const namespace = await ns('paging');
    const cms = f.client.resource(ConfigMaps).namespace(namespace);
    for (let i = 0; i < 7; i++) await cms.create({ metadata: { name: `cm-${i}` } });
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    let firstRv: string | undefined;
    do {
      const page = await cms.list({ limit: 3, continue: token });
      firstRv ??= page.resourceVersion;
      expect(page.resourceVersion).toBe(firstRv);
      seen.push(...page.items.map((c) => c.metadata?.name ?? ''));
      token = page.continue;
      pages++;
      // A write between pages does not show up in a snapshot list.
      if (pages === 1) await cms.create({ metadata: { name: 'cm-late' } });
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6']);
  });

  it('lists across namespaces when no namespace is given', async () => {
    const a = await ns('across-a');
    const b = await ns('across-b');
    await f.client.resource(ConfigMaps).namespace(a).create({ metadata: { name: 'x', labels: { across: 'yes' } } });
    await f.client.resource(ConfigMaps).namespace(b).create({ metadata: { name: 'x', labels: { across: 'yes' } } });
    const all = await f.client.resource(ConfigMaps).list({ labelSelector: 'across=yes' });
    expect(all.items.map((c) => c.metadata?.namespace).sort()).toEqual([a, b]);
  });
});

describe('delete', () => {
  it('checks uid and resourceVersion preconditions', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('preconditions'));
    const c = await cms.create({ metadata: { name: 'c' } });
    expect(await reasonOf(cms.delete('c', { preconditions: { uid: 'not-the-uid' } }))).toBe(
      `Conflict: Operation cannot be fulfilled on configmaps "c": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${c.metadata?.uid}`,
    );
    await cms.delete('c', { preconditions: { uid: c.metadata?.uid, resourceVersion: c.metadata?.resourceVersion } });
    expect(await reasonOf(cms.get('c'))).toBe('NotFound: configmaps "c" not found');
  });

  it('keeps an object with finalizers until they are removed', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('finalizers'));
    await cms.create({ metadata: { name: 'c', finalizers: ['example.com/hold'] } });
    const deleting = await cms.delete('c');
    expect(deleting.metadata?.deletionTimestamp).toBeDefined();
    expect((await cms.get('c')).metadata?.deletionTimestamp).toBe(deleting.metadata?.deletionTimestamp);
    await cms.patch('c', 'application/merge-patch+json', { metadata: { finalizers: null } });
    expect(await reasonOf(cms.get('c'))).toMatch(/^NotFound/);
  });

  it('adds the foregroundDeletion and orphan finalizers for those propagation policies', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('propagation'));
    await cms.create({ metadata: { name: 'fg' } });
    await cms.create({ metadata: { name: 'orphan' } });
    expect((await cms.delete('fg', { propagationPolicy: 'Foreground' })).metadata?.finalizers).toEqual(['foregroundDeletion']);
    expect((await cms.delete('orphan', { propagationPolicy: 'Orphan' })).metadata?.finalizers).toEqual(['orphan']);
  });

  it('deletes a scheduled pod gracefully and an unscheduled one at once', async () => {
    const pods = f.client.resource(Pods).namespace(await ns('graceful'));
    await pods.create(pod('pending'));
    await pods.delete('pending');
    expect(await reasonOf(pods.get('pending'))).toMatch(/^NotFound/);
    await pods.create({ ...pod('running'), spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 45, containers: [{ name: 'a', image: 'b' }] } });
    const deleting = await pods.delete('running');
    expect(deleting.metadata?.deletionGracePeriodSeconds).toBe(45);
    const shortened = await pods.delete('running', { gracePeriodSeconds: 5 });
    expect(shortened.metadata?.deletionGracePeriodSeconds).toBe(5);
    // The kubelet reports its containers stopping while the grace period runs; the pod stays.
    const stopping = await pods.updateStatus({ ...shortened, status: { ...shortened.status, phase: 'Failed' } });
    expect(stopping.status?.phase).toBe('Failed');
    expect((await pods.get('running')).metadata?.deletionTimestamp).toBeDefined();
    await pods.delete('running', { gracePeriodSeconds: 0 });
    expect(await reasonOf(pods.get('running'))).toMatch(/^NotFound/);
  });

  it('forbids new content in a terminating namespace', async () => {
    const namespace = await ns('terminating');
    const deleting = await f.client.resource(Namespaces).delete(namespace);
    expect(deleting.status?.phase).toBe('Terminating');
    expect(await reasonOf(f.client.resource(ConfigMaps).namespace(namespace).create({ metadata: { name: 'late' } }))).toBe(
      `Forbidden: configmaps "late" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    );
  });

  it('deletes a collection by label', async () => {
    const cms = f.client.resource(ConfigMaps).namespace(await ns('collection'));
    await cms.create({ metadata: { name: 'a', labels: { batch: '1' } } });
    await cms.create({ metadata: { name: 'b', labels: { batch: '1' } } });
    await cms.create({ metadata: { name: 'c', labels: { batch: '2' } } });
    const deleted = await cms.deleteCollection({ labelSelector: 'batch=1' });
    expect(deleted.items.map((c) => c.metadata?.name).sort()).toEqual(['a', 'b']);
    expect((await cms.list()).items.map((c) => c.metadata?.name)).toEqual(['c']);
  });
});

describe('subresources', () => {
  it('binds a pod once through pods/binding', async () => {
    const namespace = await ns('binding');
    const pods = f.client.resource(Pods).namespace(namespace);
    await pods.create(pod('p'));
    await f.client.bind(namespace, 'p', 'node-1');
    const bound = await pods.get('p');
    expect(bound.spec?.nodeName).toBe('node-1');
    expect(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    expect(await reasonOf(f.client.bind(namespace, 'p', 'node-2'))).toBe(
      'Conflict: Operation cannot be fulfilled on pods "p": pod p is already assigned to node "node-1"',
    );
  });

  it('reads and writes replicas through the scale subresource', async () => {
    const namespace = await ns('scale');
    const deployments = f.client.resource(Deployments).namespace(namespace);
    await deployments.create({
      metadata: { name: 'd' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
    const info = deployments.info;
    const scale = (await f.client.getScale(info, namespace, 'd')) as { spec?: { replicas?: number }; status?: { selector?: string } };
    expect(scale.spec?.replicas).toBe(2);
    expect(scale.status?.selector).toBe('app=d');
    await f.client.updateScale(info, namespace, 'd', 5);
    expect((await deployments.get('d')).spec?.replicas).toBe(5);
  });
});
