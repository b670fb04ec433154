import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isForbidden, isNotFound, type corev1 } from '@minik8s/api';
import { Events, MERGE_PATCH, Nodes, PersistentVolumeClaims, PersistentVolumes, Pods, StorageClasses, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { persistentVolumeBinderFactory } from '../persistentvolume';
import { newPvcProtectionController, newPvProtectionController } from '../volume-protection';
import { CLEANUP_NAMESPACE, cleanupPodName } from './cleanup-pod';
import { newLocalPathProvisioner } from './local-path-provisioner-controller';
import { LOCAL_PATH_FINALIZER, LOCAL_PATH_PROVISIONER } from './volume-plan';

let harness: ControllerHarness;
let client: ApiClient;

beforeAll(async () => {
  harness = await ControllerHarness.start({
    factories: [persistentVolumeBinderFactory, newLocalPathProvisioner, newPvcProtectionController, newPvProtectionController],
    startControllers: false,
  });
  client = harness.client;
  // Two hollow nodes; node-a is cordoned, so Immediate volumes go to node-b.
  for (const [name, unschedulable] of [
    ['node-a', true],
    ['node-b', false],
  ] as const) {
    const node = await client.resource(Nodes).create({ metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: { unschedulable } });
    await client.resource(Nodes).updateStatus({ ...node, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } });
  }
  await client.resource(StorageClasses).create({
    metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
    parameters: { basePath: '/srv/volumes' },
  });
  await client.resource(StorageClasses).create({
    metadata: { name: 'local-wait' },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Retain',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  });
  // DefaultStorageClass admission reads the apiserver's watch cache, so the new default applies
  // a moment after its creation; the first test counts on it.
  await waitFor(
    async () =>
      (await client.resource(PersistentVolumeClaims).namespace('default').create(claim('probe', '1Gi'), { dryRun: true })).spec
        ?.storageClassName === 'local-path',
    { description: 'the default StorageClass to reach admission' },
  );
  await harness.startControllers();
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

function claim(name: string, storage: string, cls?: string): corev1.PersistentVolumeClaim {
  return { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, storageClassName: cls } };
}

async function waitForBound(ns: string, name: string): Promise<corev1.PersistentVolumeClaim> {
  return waitFor(
    async () => {
      const pvc = await client.resource(PersistentVolumeClaims).namespace(ns).get(name);
      return pvc.status?.phase === 'Bound' ? pvc : undefined;
    },
    { timeoutMs: 20_000, description: `claim ${ns}/${name} Bound` },
  );
}

async function reasonsFor(ns: string, name: string): Promise<string[]> {
  const { items } = await client.resource(Events).namespace(ns).list();
  return items.filter((e) => e.involvedObject?.name === name).map((e) => e.reason ?? '');
}

describe('local-path provisioner against a real apiserver', () => {
  it('gives a claim of the default class a hostPath volume on a Ready node, at once (Immediate)', async () => {
    const ns = await harness.createNamespace('lp-immediate');
    const created = await client.resource(PersistentVolumeClaims).namespace(ns).create(claim('data', '2Gi'));
    // DefaultStorageClass admission filled in the class.
    expect(created.spec?.storageClassName).toBe('local-path');
    const bound = await waitForBound(ns, 'data');
    const pvName = `pvc-${created.metadata?.uid}`;
    expect(bound.spec?.volumeName).toBe(pvName);
    expect(bound.status?.capacity?.storage).toBe('2Gi');
    expect(bound.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner']).toBe(LOCAL_PATH_PROVISIONER);
    const pv = await client.resource(PersistentVolumes).get(pvName);
    expect(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by']).toBe(LOCAL_PATH_PROVISIONER);
    expect(pv.spec).toMatchObject({
      capacity: { storage: '2Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'local-path',
      hostPath: { path: `/srv/volumes/${pvName}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] }] } },
    });
    const reasons = await waitFor(
      async () => {
        const r = await reasonsFor(ns, 'data');
        return r.includes('ProvisioningSucceeded') && r.includes('Bound') ? r : undefined;
      },
      { timeoutMs: 10_000, description: 'provisioning events' },
    );
    expect(reasons).toEqual(expect.arrayContaining(['ExternalProvisioning', 'Provisioning', 'ProvisioningSucceeded']));
  });

  it('waits for the scheduler to pick a node (WaitForFirstConsumer), then provisions there', async () => {
    const ns = await harness.createNamespace('lp-wait');
    const claims = client.resource(PersistentVolumeClaims).namespace(ns);
    const created = await claims.create(claim('late', '1Gi', 'local-wait'));
    await waitFor(async () => (await reasonsFor(ns, 'late')).includes('WaitForFirstConsumer'), { timeoutMs: 10_000, description: 'WaitForFirstConsumer event' });
    await expect(client.resource(PersistentVolumes).get(`pvc-${created.metadata?.uid}`)).rejects.toSatisfy(isNotFound);

    // What the scheduler's VolumeBinding plugin does in PreBind; node-a is cordoned but chosen.
    await claims.patch('late', MERGE_PATCH, { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-a' } } });
    const bound = await waitForBound(ns, 'late');
    const pv = await client.resource(PersistentVolumes).get(bound.spec?.volumeName ?? '');
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values).toEqual(['node-a']);
    expect(pv.spec?.hostPath?.path).toBe(`/var/lib/minik8s/local-path/${pv.metadata?.name}`);
    // Retain: nothing to clean up later, so no cleanup finalizer.
    expect(pv.metadata?.finalizers ?? []).not.toContain(LOCAL_PATH_FINALIZER);
  });

  it('refuses to grow a claim whose class does not allow expansion, and says local paths cannot grow', async () => {
    const ns = await harness.createNamespace('lp-resize');
    const claims = client.resource(PersistentVolumeClaims).namespace(ns);
    await claims.create(claim('fixed', '1Gi', 'local-path'));
    await waitForBound(ns, 'fixed');
    const refused = await claims.patch('fixed', MERGE_PATCH, { spec: { resources: { requests: { storage: '2Gi' } } } }).catch((err: unknown) => err);
    expect(refused).toSatisfy(isForbidden);
    expect((refused as Error).message).toContain('only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');

    await claims.create(claim('grow', '1Gi', 'local-wait'));
    await claims.patch('grow', MERGE_PATCH, { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-b' } } });
    await waitForBound(ns, 'grow');
    await claims.patch('grow', MERGE_PATCH, { spec: { resources: { requests: { storage: '2Gi' } } } });
    await waitFor(async () => (await reasonsFor(ns, 'grow')).includes('VolumeResizeFailed'), { timeoutMs: 10_000, description: 'VolumeResizeFailed event' });
  });

  it('removes a Delete volume’s directory through a helper pod on its node before the volume goes', async () => {
    const ns = await harness.createNamespace('lp-delete');
    const claims = client.resource(PersistentVolumeClaims).namespace(ns);
    await claims.create(claim('scratch', '1Gi', 'local-path'));
    const pvName = (await waitForBound(ns, 'scratch')).spec?.volumeName ?? '';
    await claims.delete('scratch');

    const helperName = cleanupPodName(pvName);
    const helpers = client.resource(Pods).namespace(CLEANUP_NAMESPACE);
    const helper = await waitFor(() => helpers.get(helperName).catch(() => undefined), { timeoutMs: 20_000, description: 'the cleanup pod' });
    expect(helper.spec?.nodeName).toBe('node-b');
    expect(helper.spec?.containers?.[0]?.command).toEqual(['rm', '-rf', `/data/${pvName}`]);
    expect(helper.spec?.volumes?.[0]?.hostPath?.path).toBe('/srv/volumes');
    // The volume is being deleted but waits for its directory.
    const held = await client.resource(PersistentVolumes).get(pvName);
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    expect(held.metadata?.finalizers).toContain(LOCAL_PATH_FINALIZER);

    // Play the node's kubelet: the helper ran and exited 0.
    await helpers.updateStatus({ ...helper, status: { ...helper.status, phase: 'Succeeded' } });
    await waitFor(async () => client.resource(PersistentVolumes).get(pvName).then(() => false, isNotFound), { timeoutMs: 20_000, description: 'the volume gone' });
    await waitFor(
      async () => helpers.get(helperName).then((p) => !!p.metadata?.deletionTimestamp, isNotFound),
      { timeoutMs: 20_000, description: 'the cleanup pod deleted' },
    );
  });
});
