import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, type corev1 } from '@minik8s/api';
import { ApiClient, EventRecorder, InformerFactory, MERGE_PATCH, Namespaces, PersistentVolumeClaims, PersistentVolumes, realClock, StorageClasses } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { ApiServerHarness, EtcdHarness, waitFor } from '@minik8s/testing';
import type { Controller, ControllerContext } from '../../controller';
import { persistentVolumeBinderFactory } from './pv-binder-controller';
import { newPvcProtectionController, newPvProtectionController } from '../volume-protection';

let etcd: EtcdHarness;
let apiserver: ApiServerHarness;
let client: ApiClient;
let informers: InformerFactory;
const stop = new AbortController();
let running: Promise<void[]> | undefined;

beforeAll(async () => {
  etcd = await EtcdHarness.start();
  apiserver = await ApiServerHarness.start({ etcdEndpoint: etcd.endpoint });
  client = new ApiClient(apiserver.address, { timeoutMs: 5000 });
  informers = new InformerFactory(client);
  const context: ControllerContext = {
    client,
    informers,
    recorder: (component) => new EventRecorder(client, { component, host: 'integration-test' }),
    logger: silentLogger(),
    clock: realClock,
    options: { clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24, nodeMonitorGracePeriodMs: 40_000, podEvictionTimeoutMs: 300_000, concurrentSyncs: 2 },
  };
  // The apiserver puts the protection finalizers on every claim and volume; these let them go.
  const controllers: Controller[] = [persistentVolumeBinderFactory(context), newPvcProtectionController(context), newPvProtectionController(context)];
  informers.start();
  expect(await informers.waitForCacheSync(10_000)).toBe(true);
  running = Promise.all(controllers.map((c) => c.run(stop.signal)));
}, 60_000);

afterAll(async () => {
  stop.abort();
  await running;
  await informers?.stop();
  client?.close();
  await apiserver?.stop();
  await etcd?.stop();
});

function volume(name: string, storage: string, opts: { reclaim?: string; cls?: string } = {}): corev1.PersistentVolume {
  return {
    metadata: { name },
    spec: {
      capacity: { storage },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: opts.reclaim ?? 'Retain',
      storageClassName: opts.cls,
      hostPath: { path: `/tmp/${name}` },
    },
  };
}

function claim(name: string, storage: string, cls?: string): corev1.PersistentVolumeClaim {
  return { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, storageClassName: cls } };
}

const pvs = () => client.resource(PersistentVolumes);

async function waitForPhase(name: string, phase: string): Promise<corev1.PersistentVolume> {
  return waitFor(
    async () => {
      const pv = await pvs().get(name);
      return pv.status?.phase === phase ? pv : undefined;
    },
    { timeoutMs: 10_000, description: `volume ${name} ${phase}` },
  );
}

async function waitForBound(ns: string, name: string): Promise<corev1.PersistentVolumeClaim> {
  return waitFor(
    async () => {
      const pvc = await client.resource(PersistentVolumeClaims).namespace(ns).get(name);
      return pvc.status?.phase === 'Bound' ? pvc : undefined;
    },
    { timeoutMs: 10_000, description: `claim ${name} Bound` },
  );
}

describe('PersistentVolume binder against a real apiserver', () => {
  it('binds a claim to the smallest fitting volume, and releases it (Retain) when the claim goes', async () => {
    const ns = 'pv-basic';
    await client.resource(Namespaces).create({ metadata: { name: ns } });
    for (const pv of [volume('pv-10g', '10Gi'), volume('pv-1g', '1Gi'), volume('pv-2g', '2Gi')]) await pvs().create(pv);
    await waitForPhase('pv-1g', 'Available');

    const created = await client.resource(PersistentVolumeClaims).namespace(ns).create(claim('data', '1500Mi'));
    const bound = await waitForBound(ns, 'data');
    expect(bound.spec?.volumeName).toBe('pv-2g');
    expect(bound.status?.capacity).toEqual({ storage: '2Gi' });
    expect(bound.status?.accessModes).toEqual(['ReadWriteOnce']);
    const pv = await waitForPhase('pv-2g', 'Bound');
    expect(pv.spec?.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: ns, name: 'data', uid: created.metadata?.uid });
    expect((await pvs().get('pv-1g')).status?.phase).toBe('Available');

    await client.resource(PersistentVolumeClaims).namespace(ns).delete('data');
    const released = await waitForPhase('pv-2g', 'Released');
    expect(released.spec?.claimRef?.name).toBe('data');
    // A released volume is not bound again.
    await client.resource(PersistentVolumeClaims).namespace(ns).create(claim('again', '1500Mi'));
    const again = await waitForBound(ns, 'again');
    expect(again.spec?.volumeName).toBe('pv-10g');
  });

  it('deletes a released volume whose policy is Delete', async () => {
    const ns = 'pv-delete';
    await client.resource(Namespaces).create({ metadata: { name: ns } });
    await pvs().create(volume('pv-gone', '3Gi', { reclaim: 'Delete', cls: 'scratch' }));
    await client.resource(PersistentVolumeClaims).namespace(ns).create(claim('tmp', '1Gi', 'scratch'));
    expect((await waitForBound(ns, 'tmp')).spec?.volumeName).toBe('pv-gone');
    await client.resource(PersistentVolumeClaims).namespace(ns).delete('tmp');
    await waitFor(
      async () => {
        try {
          await pvs().get('pv-gone');
          return false;
        } catch (err) {
          return isNotFound(err);
        }
      },
      { timeoutMs: 10_000, description: 'volume deleted' },
    );
  });

  it('leaves a WaitForFirstConsumer claim Pending until a node is selected', async () => {
    const ns = 'pv-wffc';
    await client.resource(Namespaces).create({ metadata: { name: ns } });
    await client.resource(StorageClasses).create({ metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
    await pvs().create(volume('pv-local', '1Gi', { cls: 'local' }));
    const claims = client.resource(PersistentVolumeClaims).namespace(ns);
    await claims.create(claim('late', '1Gi', 'local'));
    await new Promise((r) => setTimeout(r, 1000));
    const pending = await claims.get('late');
    expect(pending.status?.phase).toBe('Pending');
    expect(pending.spec?.volumeName ?? '').toBe('');

    // What the scheduler does once it places a pod using the claim.
    await claims.patch('late', MERGE_PATCH, { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-1' } } });
    expect((await waitForBound(ns, 'late')).spec?.volumeName).toBe('pv-local');
  });
});
