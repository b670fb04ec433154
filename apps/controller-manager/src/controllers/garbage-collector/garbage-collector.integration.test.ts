import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiObject, corev1, OwnerReference } from '@minik8s/api';
import { ConfigMaps, MERGE_PATCH, Namespaces, PriorityClasses, Secrets, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { getOrUndefined } from '../../test-support/get-or-undefined';
import { newGarbageCollectorController } from './garbage-collector-controller';

const NS = 'gc';
const HOLD = 'example.com/hold';

let harness: ControllerHarness;
let client: ApiClient;

beforeAll(async () => {
  harness = await ControllerHarness.start({ factories: [newGarbageCollectorController], options: { concurrentSyncs: 5 }, startControllers: false });
  client = harness.client;
  await client.resource(Namespaces).create({ metadata: { name: NS } });
  await harness.startControllers();
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

const configMaps = () => client.resource(ConfigMaps).namespace(NS);

function refTo(owner: ApiObject, kind = 'ConfigMap', apiVersion = 'v1', extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name, uid: owner.metadata?.uid, ...extra };
}

async function configMap(name: string, owners: OwnerReference[] = [], finalizers: string[] = []): Promise<corev1.ConfigMap> {
  return configMaps().create({ metadata: { name, namespace: NS, ownerReferences: owners, finalizers }, data: { v: name } });
}

async function gone(name: string): Promise<boolean> {
  return (await getOrUndefined(() => configMaps().get(name))) === undefined;
}

async function waitGone(name: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(() => gone(name), { timeoutMs, description: `configmap ${name} to be deleted` });
}

async function release(name: string): Promise<void> {
  await configMaps().patch(name, MERGE_PATCH, { metadata: { finalizers: null } });
}

describe('garbage collector', () => {
  it('deletes a dependent in the background once its owner is deleted', async () => {
    const owner = await configMap('bg-owner');
    await configMap('bg-dep', [refTo(owner)]);
    const secret = await client.resource(Secrets).namespace(NS).create({
      metadata: { name: 'bg-secret', namespace: NS, ownerReferences: [refTo(owner)] },
      stringData: { k: 'v' },
    });
    expect(secret.metadata?.uid).toBeTruthy();
    await configMaps().delete('bg-owner');
    await waitGone('bg-dep');
    await waitFor(async () => !(await getOrUndefined(() => client.resource(Secrets).namespace(NS).get('bg-secret'))), {
      timeoutMs: 15_000,
      description: 'the owned secret to be deleted',
    });
  });

  it('keeps a foreground-deleted owner until its blocking dependent is gone', async () => {
    const owner = await configMap('fg-owner');
    await configMap('fg-dep', [refTo(owner, 'ConfigMap', 'v1', { blockOwnerDeletion: true })], [HOLD]);
    await configMaps().delete('fg-owner', { propagationPolicy: 'Foreground' });

    // The collector deletes the dependent; the dependent's own finalizer holds it, so the owner waits.
    const dep = await waitFor(
      async () => {
        const d = await configMaps().get('fg-dep');
        return d.metadata?.deletionTimestamp ? d : undefined;
      },
      { timeoutMs: 15_000, description: 'the dependent to be marked for deletion' },
    );
    expect(dep.metadata?.finalizers).toEqual([HOLD]);
    const waiting = await configMaps().get('fg-owner');
    expect(waiting.metadata?.deletionTimestamp).toBeTruthy();
    expect(waiting.metadata?.finalizers).toEqual(['foregroundDeletion']);

    await release('fg-dep');
    await waitGone('fg-dep');
    await waitGone('fg-owner');
  });

  it('deletes a chain in the foreground, the middle in the foreground too', async () => {
    const top = await configMap('chain-top');
    const middle = await configMap('chain-middle', [refTo(top, 'ConfigMap', 'v1', { blockOwnerDeletion: true })]);
    await configMap('chain-leaf', [refTo(middle, 'ConfigMap', 'v1', { blockOwnerDeletion: true })], [HOLD]);
    await configMaps().delete('chain-top', { propagationPolicy: 'Foreground' });
    await waitFor(
      async () => {
        const m = await configMaps().get('chain-middle');
        return !!m.metadata?.deletionTimestamp && m.metadata.finalizers?.includes('foregroundDeletion');
      },
      { timeoutMs: 15_000, description: 'the middle to be deleted in the foreground' },
    );
    await waitFor(async () => !!(await configMaps().get('chain-leaf')).metadata?.deletionTimestamp, {
      timeoutMs: 15_000,
      description: 'the leaf to be marked for deletion',
    });
    expect((await configMaps().get('chain-top')).metadata?.finalizers).toEqual(['foregroundDeletion']);
    await release('chain-leaf');
    await waitGone('chain-leaf');
    await waitGone('chain-middle');
    await waitGone('chain-top');
  });

  it('orphans dependents: they lose the reference and stay, and the owner goes', async () => {
    const owner = await configMap('orphan-owner');
    await configMap('orphan-dep', [refTo(owner, 'ConfigMap', 'v1', { controller: true, blockOwnerDeletion: true })]);
    await configMaps().delete('orphan-owner', { propagationPolicy: 'Orphan' });
    await waitGone('orphan-owner');
    const dep = await configMaps().get('orphan-dep');
    expect(dep.metadata?.ownerReferences ?? []).toEqual([]);
    expect(dep.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('keeps a dependent with two owners when one goes, and drops only that reference', async () => {
    const first = await configMap('two-first');
    const second = await configMap('two-second');
    await configMap('two-dep', [refTo(first), refTo(second)]);
    await configMaps().delete('two-first');
    await waitFor(async () => (await configMaps().get('two-dep')).metadata?.ownerReferences?.length === 1, {
      timeoutMs: 15_000,
      description: 'the reference to the deleted owner to be removed',
    });
    const dep = await configMaps().get('two-dep');
    expect(dep.metadata?.ownerReferences?.map((r) => r.name)).toEqual(['two-second']);
    expect(dep.metadata?.deletionTimestamp).toBeUndefined();
    await configMaps().delete('two-second');
    await waitGone('two-dep');
  });

  it('deletes a dependent whose owner never existed, or was replaced under the same name', async () => {
    await configMap('ghost-dep', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-4000-8000-000000000001' }]);
    const replaced = await configMap('replaced');
    await configMaps().delete('replaced');
    await configMap('replaced');
    await configMap('replaced-dep', [refTo(replaced)]);
    await waitGone('ghost-dep');
    await waitGone('replaced-dep');
    expect(await gone('replaced')).toBe(false);
  });

  it('follows cluster-scoped owners', async () => {
    const priorityClass = await client.resource(PriorityClasses).create({ metadata: { name: 'gc-owner' }, value: 1000 });
    await configMap('pc-dep', [refTo(priorityClass, 'PriorityClass', 'scheduling.k8s.io/v1')]);
    await client.resource(PriorityClasses).delete('gc-owner');
    await waitGone('pc-dep');
  });

  it('resumes after a restart from what it lists', async () => {
    await harness.stopControllers();
    const bg = await configMap('restart-bg-owner');
    await configMap('restart-bg-dep', [refTo(bg)]);
    const orphan = await configMap('restart-orphan-owner');
    await configMap('restart-orphan-dep', [refTo(orphan)]);
    const fg = await configMap('restart-fg-owner');
    await configMap('restart-fg-dep', [refTo(fg, 'ConfigMap', 'v1', { blockOwnerDeletion: true })]);
    await configMaps().delete('restart-bg-owner');
    await configMaps().delete('restart-orphan-owner', { propagationPolicy: 'Orphan' });
    await configMaps().delete('restart-fg-owner', { propagationPolicy: 'Foreground' });
    // Nobody collects while the controller is down.
    expect(await gone('restart-bg-dep')).toBe(false);
    expect((await configMaps().get('restart-orphan-owner')).metadata?.finalizers).toEqual(['orphan']);
    expect((await configMaps().get('restart-fg-owner')).metadata?.finalizers).toEqual(['foregroundDeletion']);

    await harness.startControllers();
    await waitGone('restart-bg-dep');
    await waitGone('restart-orphan-owner');
    expect((await configMaps().get('restart-orphan-dep')).metadata?.ownerReferences ?? []).toEqual([]);
    await waitGone('restart-fg-dep');
    await waitGone('restart-fg-owner');
  });
});
