import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Namespaces, realClock, ServiceAccounts, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { getOrUndefined } from '../../test-support/get-or-undefined';
import { newServiceAccountsController } from './serviceaccounts-controller';

let harness: ControllerHarness;
let client: ApiClient;

async function getAccount(namespace: string, name = 'default'): Promise<corev1.ServiceAccount | undefined> {
  return getOrUndefined(() => client.resource(ServiceAccounts).namespace(namespace).get(name));
}

const hasDefault = (namespace: string): (() => Promise<corev1.ServiceAccount | undefined>) => () => getAccount(namespace);

beforeAll(async () => {
  harness = await ControllerHarness.start({ factories: [newServiceAccountsController] });
  client = harness.client;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

describe('service account controller against a real apiserver', () => {
  it('gives the namespaces that exist at start their default ServiceAccount', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      await waitFor(hasDefault(ns), { timeoutMs: 5_000, description: `default ServiceAccount in ${ns}` });
    }
  });

  it('gives a new namespace its default ServiceAccount and makes it again when it is deleted', async () => {
    await client.resource(Namespaces).create({ metadata: { name: 'team-a' } });
    const first = await waitFor(hasDefault('team-a'), { timeoutMs: 5_000, description: 'default ServiceAccount in team-a' });
    expect(first.metadata?.namespace).toBe('team-a');

    await client.resource(ServiceAccounts).namespace('team-a').delete('default');
    const again = await waitFor(
      async () => {
        const sa = await getAccount('team-a');
        return sa && sa.metadata?.uid !== first.metadata?.uid ? sa : undefined;
      },
      { timeoutMs: 5_000, description: 'default ServiceAccount in team-a made again' },
    );
    expect(again.metadata?.name).toBe('default');

    // Other accounts are not the controller's: deleting one brings nothing back.
    await client.resource(ServiceAccounts).namespace('team-a').create({ metadata: { name: 'builder' } });
    await client.resource(ServiceAccounts).namespace('team-a').delete('builder');
    await realClock.sleep(300);
    expect(await getAccount('team-a', 'builder')).toBeUndefined();
  });

  it('makes nothing in a namespace that is terminating', async () => {
    await client.resource(Namespaces).create({ metadata: { name: 'leaving' } });
    await waitFor(hasDefault('leaving'), { timeoutMs: 5_000, description: 'default ServiceAccount in leaving' });
    // No namespace controller runs here, so the namespace stays Terminating.
    await client.resource(Namespaces).delete('leaving');
    await waitFor(async () => (await client.resource(Namespaces).get('leaving')).status?.phase === 'Terminating', {
      timeoutMs: 5_000,
      description: 'leaving terminating',
    });
    await client.resource(ServiceAccounts).namespace('leaving').delete('default');

    // A namespace made after it is served, so the deletion has been seen too.
    await client.resource(Namespaces).create({ metadata: { name: 'after' } });
    await waitFor(hasDefault('after'), { timeoutMs: 5_000, description: 'default ServiceAccount in after' });
    await realClock.sleep(300);
    expect(await getAccount('leaving')).toBeUndefined();
  });
});
