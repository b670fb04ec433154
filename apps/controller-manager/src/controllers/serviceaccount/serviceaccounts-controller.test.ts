import { describe, expect, it } from 'vitest';
import { StatusError, type corev1 } from '@minik8s/api';
import { silentLogger } from '@minik8s/logging';
import { FakeLister } from '../../test-support/fake-lister';
import { DEFAULT_SERVICE_ACCOUNTS, serviceAccountsToCreate, ServiceAccountsController } from './serviceaccounts-controller';

function namespace(name: string, phase?: string, deleting = false): corev1.Namespace {
  return {
    metadata: { name, deletionTimestamp: deleting ? '2024-05-01T12:00:00Z' : undefined },
    status: phase ? { phase } : undefined,
  };
}

describe('serviceAccountsToCreate', () => {
  const wanted: corev1.ServiceAccount[] = [{ metadata: { name: 'default' } }, { metadata: { name: 'builder', labels: { role: 'ci' } } }];
  it.each<{ title: string; ns: corev1.Namespace | undefined; existing: string[]; want: corev1.ServiceAccount[] }>([
    {
      title: 'an active namespace with none gets them all, in it',
      ns: namespace('shop', 'Active'),
      existing: [],
      want: [
        { metadata: { name: 'default', namespace: 'shop' } },
        { metadata: { name: 'builder', namespace: 'shop', labels: { role: 'ci' } } },
      ],
    },
    {
      title: 'only what is missing',
      ns: namespace('shop', 'Active'),
      existing: ['shop/default'],
      want: [{ metadata: { name: 'builder', namespace: 'shop', labels: { role: 'ci' } } }],
    },
    {
      title: 'an account of the same name elsewhere does not count',
      ns: namespace('shop', 'Active'),
      existing: ['other/default', 'other/builder', 'shop/builder'],
      want: [{ metadata: { name: 'default', namespace: 'shop' } }],
    },
    { title: 'nothing when all exist', ns: namespace('shop', 'Active'), existing: ['shop/default', 'shop/builder'], want: [] },
    { title: 'nothing in a terminating namespace', ns: namespace('shop', 'Terminating', true), existing: [], want: [] },
    { title: 'nothing once the namespace is being deleted, whatever its phase says', ns: namespace('shop', 'Active', true), existing: [], want: [] },
    { title: 'nothing for a namespace that is gone', ns: undefined, existing: [], want: [] },
    { title: 'a namespace without a phase yet counts as Active', ns: namespace('shop'), existing: ['shop/builder'], want: [{ metadata: { name: 'default', namespace: 'shop' } }] },
  ])('$title', ({ ns, existing, want }) => {
    const have = new Set(existing);
    expect(serviceAccountsToCreate(ns, wanted, (n, name) => have.has(`${n}/${name}`))).toEqual(want);
  });

  it('does not change the templates', () => {
    const before = JSON.stringify(DEFAULT_SERVICE_ACCOUNTS);
    serviceAccountsToCreate(namespace('a', 'Active'), DEFAULT_SERVICE_ACCOUNTS, () => false);
    expect(JSON.stringify(DEFAULT_SERVICE_ACCOUNTS)).toBe(before);
  });
});

function setup(): {
  namespaces: FakeLister<corev1.Namespace>;
  accounts: FakeLister<corev1.ServiceAccount>;
  created: string[];
  createErrors: Error[];
  controller: ServiceAccountsController;
} {
  const namespaces = new FakeLister<corev1.Namespace>();
  const accounts = new FakeLister<corev1.ServiceAccount>();
  const created: string[] = [];
  const createErrors: Error[] = [];
  const controller = new ServiceAccountsController({
    namespaces,
    serviceAccounts: accounts,
    client: {
      create: async (ns, sa) => {
        const err = createErrors.shift();
        if (err) throw err;
        expect(sa.metadata?.namespace).toBe(ns);
        created.push(`${ns}/${sa.metadata?.name}`);
        return sa;
      },
    },
    logger: silentLogger(),
  });
  return { namespaces, accounts, created, createErrors, controller };
}

describe('ServiceAccountsController', () => {
  it('creates default in a namespace that lacks it, and leaves one that has it', async () => {
    const { namespaces, accounts, created, controller } = setup();
    namespaces.indexer.set(namespace('shop', 'Active'));
    namespaces.indexer.set(namespace('done', 'Active'));
    accounts.indexer.set({ metadata: { name: 'default', namespace: 'done' } });
    await controller.sync('shop');
    await controller.sync('done');
    await controller.sync('gone');
    expect(created).toEqual(['shop/default']);
  });

  it.each<{ title: string; err: Error; fails: boolean }>([
    { title: 'an account made meanwhile is fine', err: new StatusError('AlreadyExists', 'serviceaccounts "default" already exists'), fails: false },
    {
      title: 'a namespace that began terminating is fine',
      err: new StatusError('Forbidden', 'serviceaccounts "default" is forbidden: unable to create new content in namespace shop because it is being terminated'),
      fails: false,
    },
    {
      title: 'the terminating cause is recognised too',
      err: new StatusError('Forbidden', 'forbidden', { causes: [{ reason: 'NamespaceTerminating', message: '', field: '' }] }),
      fails: false,
    },
    { title: 'another Forbidden is retried', err: new StatusError('Forbidden', 'serviceaccounts is forbidden: quota'), fails: true },
    { title: 'an unavailable apiserver is retried', err: new StatusError('ServiceUnavailable', 'try later'), fails: true },
  ])('$title', async ({ err, fails }) => {
    const { namespaces, createErrors, controller } = setup();
    namespaces.indexer.set(namespace('shop', 'Active'));
    createErrors.push(err);
    const sync = controller.sync('shop');
    if (fails) await expect(sync).rejects.toBe(err);
    else await expect(sync).resolves.toBeUndefined();
  });

  it('queues the namespace on its add and update and on the deletion of one of its accounts', () => {
    const { controller } = setup();
    const queued: string[] = [];
    controller.queue.add = (key: string) => void queued.push(key);
    const ns = controller.namespaceHandlers();
    ns.onAdd?.(namespace('a', 'Active'));
    ns.onUpdate?.(namespace('b', 'Active'), namespace('b', 'Terminating', true));
    const sa = controller.serviceAccountHandlers();
    sa.onDelete?.({ metadata: { name: 'default', namespace: 'c' } });
    expect(sa.onAdd).toBeUndefined();
    expect(queued).toEqual(['a', 'b', 'c']);
  });
});
