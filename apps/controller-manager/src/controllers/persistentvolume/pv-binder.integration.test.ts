import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, type corev1 } from '@minik8s/api';
import { Events, MERGE_PATCH, Namespaces, PersistentVolumeClaims, PersistentVolumes, Pods, StorageClasses, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { persistentVolumeBinderFactory } from './pv-binder-controller';
import { RECYCLER_NAMESPACE, recyclerPodName, SCRUB_SCRIPT } from './recycler-pod';
import { newPvcProtectionController, newPvProtectionController } from '../volume-protection';

let harness: ControllerHarness;
let client: ApiClient;

beforeAll(async () => {
  harness = await ControllerHarness.start({
    // The apiserver puts the protection finalizers on every claim and volume; these let them go.
    factories: [persistentVolumeBinderFactory, newPvcProtectionController, newPvProtectionController],
  });
  client = harness.client;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

function volume(name: string, storage: string, opts: { reclaim?: string; cls?: string; source?: corev1.PersistentVolumeSpec } = {}): corev1.PersistentVolume {
  return {
    metadata: { name },
    spec: {
      capacity: { storage },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: opts.reclaim ?? 'Retain',
      storageClassName: opts.cls,
      ...(opts.source ?? { hostPath: { path: `/tmp/${name}` } }),
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

async function reasonsFor(name: string): Promise<string[]> {
  const { items } = await client.resource(Events).namespace('default').list({ fieldSelector: `involvedObject.name=${name}` });
  return items.map((e) => `${e.reason}: ${e.message}`);
}

async function waitForEvent(pvName: string, reason: string): Promise<string> {
  return waitFor(async () => (await reasonsFor(pvName)).find((r) => r.startsWith(`${reason}: `)), { timeoutMs: 20_000, description: `${reason} event on ${pvName}` });
}

const recyclers = () => client.resource(Pods).namespace(RECYCLER_NAMESPACE);

async function waitForRecycler(pvName: string): Promise<corev1.Pod> {
  return waitFor(
    () => recyclers().get(recyclerPodName(pvName)).then((p) => (p.metadata?.deletionTimestamp ? undefined : p), () => undefined),
    { timeoutMs: 20_000, description: `recycler pod of ${pvName}` },
  );
}

/** What the node's kubelet reports when the recycler exits: the apiserver's qosClass is kept. */
async function finishRecycler(pod: corev1.Pod, phase: 'Succeeded' | 'Failed', message?: string): Promise<void> {
  const exitCode = phase === 'Succeeded' ? 0 : 1;
  const finishedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await recyclers().updateStatus({
    ...pod,
    status: { ...pod.status, phase, message, containerStatuses: [{ name: 'pv-recycler', ready: false, restartCount: 0, state: { terminated: { exitCode, finishedAt } } }] },
  });
}

/** That recycler pod is deleted (a later retry may make another of the same name). */
async function waitForRecyclerGone(pod: corev1.Pod): Promise<void> {
  await waitFor(
    () => recyclers().get(pod.metadata?.name ?? '').then((p) => !!p.metadata?.deletionTimestamp || p.metadata?.uid !== pod.metadata?.uid, isNotFound),
    { timeoutMs: 20_000, description: `recycler pod ${pod.metadata?.name} deleted` },
  );
}

describe('Recycle reclaim policy', () => {
  it('scrubs a released hostPath volume with a recycler pod and makes it Available again, across a controller restart', async () => {
    const ns = 'pv-recycle';
    await client.resource(Namespaces).create({ metadata: { name: ns } });
    const terms = [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-r'] }] }];
    await pvs().create(volume('pv-recycle', '1Gi', { reclaim: 'Recycle', cls: 'reuse', source: { hostPath: { path: '/srv/reuse' }, nodeAffinity: { required: { nodeSelectorTerms: terms } } } }));
    const claims = client.resource(PersistentVolumeClaims).namespace(ns);
    await claims.create(claim('first', '1Gi', 'reuse'));
    expect((await waitForBound(ns, 'first')).spec?.volumeName).toBe('pv-recycle');
    await claims.delete('first');

    const pod = await waitForRecycler('pv-recycle');
    expect(pod.spec?.restartPolicy).toBe('Never');
    expect(pod.spec?.containers?.[0]).toMatchObject({ image: 'minik8s/busybox:1.36', command: ['/bin/sh'], args: ['-c', SCRUB_SCRIPT], volumeMounts: [{ mountPath: '/scrub' }] });
    expect(pod.spec?.volumes?.[0]?.hostPath?.path).toBe('/srv/reuse');
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toMatchObject(terms);
    expect(pod.status?.qosClass).toBe('BestEffort');
    expect((await pvs().get('pv-recycle')).status?.phase).toBe('Released');

    // The controller-manager restarts while the recycler runs: the new one carries on with that pod.
    await harness.stopControllers();
    await finishRecycler(pod, 'Succeeded');
    await harness.startControllers();

    const available = await waitForPhase('pv-recycle', 'Available');
    expect(available.spec?.claimRef).toBeUndefined();
    expect(available.status?.message).toBeUndefined();
    await waitForEvent('pv-recycle', 'VolumeRecycled');
    await waitForRecyclerGone(pod);
    // The same pod was used: no second recycler was started.
    expect((await reasonsFor('pv-recycle')).filter((r) => r.startsWith('VolumeRecycled')).length).toBe(1);

    // And it serves the next claim.
    await claims.create(claim('second', '1Gi', 'reuse'));
    expect((await waitForBound(ns, 'second')).spec?.volumeName).toBe('pv-recycle');
  }, 90_000);

  it('marks the volume Failed with the recycler pod’s message when scrubbing fails', async () => {
    const ns = 'pv-recycle-fail';
    await client.resource(Namespaces).create({ metadata: { name: ns } });
    await pvs().create(volume('pv-stuck', '1Gi', { reclaim: 'Recycle', cls: 'stuck', source: {
          local: { path: '/mnt/stuck' },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-s'] }] }] } },
        }, }));
    const claims = client.resource(PersistentVolumeClaims).namespace(ns);
    await claims.create(claim('data', '1Gi', 'stuck'));
    await waitForBound(ns, 'data');
    await claims.delete('data');

    const pod = await waitForRecycler('pv-stuck');
    expect(pod.spec?.volumes?.[0]?.hostPath?.path).toBe('/mnt/stuck');
    await finishRecycler(pod, 'Failed', 'find: /scrub/locked: Permission denied');

    const failed = await waitForPhase('pv-stuck', 'Failed');
    const message = 'Recycle failed: failed to recycle volume: find: /scrub/locked: Permission denied';
    expect(failed.status?.message).toBe(message);
    expect(failed.spec?.claimRef?.name).toBe('data');
    expect(await waitForEvent('pv-stuck', 'VolumeFailedRecycle')).toBe(`VolumeFailedRecycle: ${message}`);
    await waitForRecyclerGone(pod);
  }, 60_000);

  it('fails a Recycle volume no recycler can scrub', async () => {
    const ns = 'pv-recycle-csi';
    await client.resource(Namespaces).create({ metadata: { name: ns } });
    await pvs().create(volume('pv-csi', '1Gi', { reclaim: 'Recycle', cls: 'remote', source: { csi: { driver: 'disk.example.com', volumeHandle: 'd-1' } } }));
    const claims = client.resource(PersistentVolumeClaims).namespace(ns);
    await claims.create(claim('data', '1Gi', 'remote'));
    await waitForBound(ns, 'data');
    await claims.delete('data');

    const failed = await waitForPhase('pv-csi', 'Failed');
    expect(failed.status?.message).toBe('No recycler plugin found for the volume!');
    expect(await waitForEvent('pv-csi', 'VolumeFailedRecycle')).toBe('VolumeFailedRecycle: No recycler plugin found for the volume!');
    await expect(recyclers().get(recyclerPodName('pv-csi'))).rejects.toSatisfy(isNotFound);
  }, 60_000);
});
