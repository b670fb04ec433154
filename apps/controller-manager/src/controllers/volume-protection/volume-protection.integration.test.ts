import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, type corev1 } from '@minik8s/api';
import { Namespaces, PersistentVolumeClaims, PersistentVolumes, Pods, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { persistentVolumeBinderFactory } from '../persistentvolume';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from './in-use';
import { newPvcProtectionController, newPvProtectionController } from './volume-protection-controller';

let harness: ControllerHarness;
let client: ApiClient;

beforeAll(async () => {
  harness = await ControllerHarness.start({ factories: [persistentVolumeBinderFactory, newPvcProtectionController, newPvProtectionController] });
  client = harness.client;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

function pod(name: string, claimName: string): corev1.Pod {
  return {
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
  };
}

describe('pvc-protection and pv-protection against a real apiserver', () => {
  it('keeps a claim a pod uses until the pod has finished, and a bound volume until it is released', async () => {
    const ns = 'protect';
    await client.resource(Namespaces).create({ metadata: { name: ns } });
    const pv = await client.resource(PersistentVolumes).create({
      metadata: { name: 'pv-protect' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: '', hostPath: { path: '/tmp/pv-protect' } },
    });
    expect(pv.metadata?.finalizers).toEqual([PV_PROTECTION_FINALIZER]);
    const claims = client.resource(PersistentVolumeClaims).namespace(ns);
    const claim = await claims.create({ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } } } });
    expect(claim.metadata?.finalizers).toEqual([PVC_PROTECTION_FINALIZER]);
    await waitFor(async () => (await claims.get('data')).status?.phase === 'Bound', { timeoutMs: 10_000, description: 'claim Bound' });
    const user = await client.resource(Pods).namespace(ns).create(pod('user', 'data'));

    // Deleting the volume while the claim holds it only marks it.
    await client.resource(PersistentVolumes).delete('pv-protect');
    // Deleting the claim while the pod runs only marks it.
    await claims.delete('data');
    await waitFor(async () => !!(await claims.get('data')).metadata?.deletionTimestamp, { timeoutMs: 10_000, description: 'claim marked' });
    // A claim and a volume nobody uses, deleted after those two, go at once: once they have gone,
    // the controllers have had their turn at the two in use too, and kept them.
    await claims.create({ metadata: { name: 'unused' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'no-volume-fits', resources: { requests: { storage: '1Gi' } } } });
    await client.resource(PersistentVolumes).create({
      metadata: { name: 'pv-unused' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'no-claim-fits', hostPath: { path: '/tmp/pv-unused' } },
    });
    await claims.delete('unused');
    await client.resource(PersistentVolumes).delete('pv-unused');
    await waitFor(async () => claims.get('unused').then(() => false, isNotFound), { timeoutMs: 20_000, description: 'unused claim removed' });
    await waitFor(async () => client.resource(PersistentVolumes).get('pv-unused').then(() => false, isNotFound), { timeoutMs: 20_000, description: 'unused volume removed' });
    expect((await claims.get('data')).metadata?.finalizers).toContain(PVC_PROTECTION_FINALIZER);
    const held = await client.resource(PersistentVolumes).get('pv-protect');
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    expect(held.status?.phase).toBe('Bound');

    // The pod finishes: the claim goes, the volume is Released (Retain) and then goes too.
    await client.resource(Pods).namespace(ns).updateStatus({ ...user, status: { ...user.status, phase: 'Succeeded' } });
    await waitFor(async () => claims.get('data').then(() => false, isNotFound), { timeoutMs: 20_000, description: 'claim removed' });
    await waitFor(async () => client.resource(PersistentVolumes).get('pv-protect').then(() => false, isNotFound), { timeoutMs: 20_000, description: 'volume removed' });
  });
});
