import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isForbidden, type corev1 } from '@minik8s/api';
import { ConfigMaps, MERGE_PATCH, Namespaces, Pods, Secrets, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { getOrUndefined } from '../../test-support/get-or-undefined';
import { newNamespaceController } from './namespace-controller';

const HOLD = 'example.com/hold';

let harness: ControllerHarness;
let client: ApiClient;

beforeAll(async () => {
  harness = await ControllerHarness.start({ factories: [newNamespaceController], options: { concurrentSyncs: 5 } });
  client = harness.client;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

async function namespaceOrUndefined(name: string): Promise<corev1.Namespace | undefined> {
  return getOrUndefined(() => client.resource(Namespaces).get(name));
}

/** A namespace with configmaps, secrets, unscheduled pods, and one configmap held by a finalizer. */
async function populate(ns: string): Promise<void> {
  await client.resource(Namespaces).create({ metadata: { name: ns } });
  for (const name of ['a', 'b', 'c']) await client.resource(ConfigMaps).namespace(ns).create({ metadata: { name }, data: { k: name } });
  for (const name of ['s1', 's2']) await client.resource(Secrets).namespace(ns).create({ metadata: { name }, stringData: { k: name } });
  for (const name of ['p1', 'p2']) {
    await client.resource(Pods).namespace(ns).create({ metadata: { name }, spec: { containers: [{ name: 'main', image: 'busybox' }] } });
  }
  await client.resource(ConfigMaps).namespace(ns).create({ metadata: { name: 'held', finalizers: [HOLD] } });
}

async function names(ns: string): Promise<string[]> {
  const [cms, secrets, pods] = await Promise.all([
    client.resource(ConfigMaps).namespace(ns).list(),
    client.resource(Secrets).namespace(ns).list(),
    client.resource(Pods).namespace(ns).list(),
  ]);
  return [...cms.items, ...secrets.items, ...pods.items].map((o) => o.metadata?.name ?? '').sort();
}

function condition(ns: corev1.Namespace | undefined, type: string): corev1.NamespaceCondition | undefined {
  return ns?.status?.conditions?.find((c) => c.type === type);
}

async function release(ns: string): Promise<void> {
  await client.resource(ConfigMaps).namespace(ns).patch('held', MERGE_PATCH, { metadata: { finalizers: null } });
}

describe('namespace controller', () => {
  it('empties a terminating namespace, reports what remains, and then lets it go', async () => {
    await populate('doomed');
    await client.resource(Namespaces).delete('doomed');

    await waitFor(async () => (await names('doomed')).join() === 'held', { timeoutMs: 15_000, description: 'all but the held configmap to go' });
    const terminating = await waitFor(
      async () => {
        const ns = await namespaceOrUndefined('doomed');
        return condition(ns, 'NamespaceFinalizersRemaining')?.status === 'True' ? ns : undefined;
      },
      { timeoutMs: 15_000, description: 'the namespace conditions to show the held content' },
    );
    expect(terminating?.status?.phase).toBe('Terminating');
    expect(terminating?.spec?.finalizers).toEqual(['kubernetes']);
    expect(condition(terminating, 'NamespaceContentRemaining')).toMatchObject({
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: configmaps. has 1 resource instances',
    });
    expect(condition(terminating, 'NamespaceFinalizersRemaining')?.message).toBe(`Some finalizers are remaining: ${HOLD} in 1 resource instances`);
    expect(condition(terminating, 'NamespaceDeletionContentFailure')).toMatchObject({ status: 'False', reason: 'ContentDeleted' });

    // Nothing new may be created meanwhile.
    const created = client.resource(ConfigMaps).namespace('doomed').create({ metadata: { name: 'late' } });
    await expect(created).rejects.toSatisfy(isForbidden);

    await release('doomed');
    await waitFor(async () => !(await namespaceOrUndefined('doomed')), { timeoutMs: 30_000, description: 'the namespace to be removed' });
  }, 60_000);

  it('removes an empty namespace at once', async () => {
    await client.resource(Namespaces).create({ metadata: { name: 'empty' } });
    await client.resource(Namespaces).delete('empty');
    await waitFor(async () => !(await namespaceOrUndefined('empty')), { timeoutMs: 15_000, description: 'the empty namespace to be removed' });
  });

  it('resumes after a restart mid-way', async () => {
    await populate('resumed');
    await client.resource(Namespaces).delete('resumed');
    await waitFor(async () => (await names('resumed')).join() === 'held', { timeoutMs: 15_000, description: 'all but the held configmap to go' });

    await harness.stopControllers();
    await release('resumed');
    await waitFor(async () => (await names('resumed')).length === 0, { timeoutMs: 10_000, description: 'the held configmap to go' });
    // With no controller, the namespace stays terminating.
    const waiting = await namespaceOrUndefined('resumed');
    expect(waiting?.status?.phase).toBe('Terminating');
    expect(waiting?.spec?.finalizers).toEqual(['kubernetes']);

    await harness.startControllers();
    await waitFor(async () => !(await namespaceOrUndefined('resumed')), { timeoutMs: 15_000, description: 'the namespace to be removed after the restart' });
  }, 60_000);

  it('leaves namespaces that are not being deleted alone', async () => {
    await client.resource(Namespaces).create({ metadata: { name: 'kept' } });
    await client.resource(ConfigMaps).namespace('kept').create({ metadata: { name: 'stays' } });
    // The controller has seen the namespace once it is in its cache; its content is untouched.
    await waitFor(() => namespaceOrUndefined('kept'), { description: 'the namespace' });
    expect(await names('kept')).toEqual(['stays']);
    expect((await namespaceOrUndefined('kept'))?.status?.phase).toBe('Active');
  });
});
