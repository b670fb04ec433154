import { describe, expect, it } from 'vitest';
import { defaultScheme, isForbidden, type ApiObject, type corev1, type KindInfo, type storagev1 } from '@minik8s/api';
import type { AdmissionRequest } from './admission';
import { DefaultStorageClass, pickDefaultClass } from './default-storage-class';
import { PersistentVolumeClaimResize } from './persistent-volume-claim-resize';
import type { StorageClassLookup } from './storage-classes';
import { StorageObjectInUseProtection } from './storage-object-in-use-protection';

const scheme = defaultScheme();
const kind = (apiVersion: string, k: string): KindInfo => {
  const info = scheme.forKind(apiVersion, k);
  if (!info) throw new Error(`${k} not registered`);
  return info;
};
const PVC = kind('v1', 'PersistentVolumeClaim');
const PV = kind('v1', 'PersistentVolume');
const POD = kind('v1', 'Pod');

function reader(classes: storagev1.StorageClass[]): StorageClassLookup {
  return {
    get: async (name) => classes.find((c) => c.metadata?.name === name),
    list: async () => classes,
  };
}

function cls(name: string, opts: { isDefault?: boolean; created?: string; expand?: boolean } = {}): storagev1.StorageClass {
  return {
    metadata: {
      name,
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
      annotations: opts.isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : undefined,
    },
    provisioner: 'minik8s.io/local-path',
    allowVolumeExpansion: opts.expand,
  };
}

function create(info: KindInfo, obj: ApiObject): AdmissionRequest {
  return { operation: 'CREATE', info, obj, dryRun: false };
}

describe('DefaultStorageClass', () => {
  it('picks the newest default class, then the first by name', () => {
    const old = cls('old', { isDefault: true, created: '2026-01-01T00:00:00Z' });
    const newer = cls('newer', { isDefault: true, created: '2026-02-01T00:00:00Z' });
    expect(pickDefaultClass([old, newer, cls('plain')])?.metadata?.name).toBe('newer');
    expect(pickDefaultClass([cls('b', { isDefault: true }), cls('a', { isDefault: true })])?.metadata?.name).toBe('a');
    expect(pickDefaultClass([cls('plain')])).toBeUndefined();
  });

  it('fills in an unset class, and leaves "" and explicit classes alone', async () => {
    const plugin = new DefaultStorageClass(reader([cls('standard', { isDefault: true })]));
    const unset: corev1.PersistentVolumeClaim = { spec: {} };
    const empty: corev1.PersistentVolumeClaim = { spec: { storageClassName: '' } };
    const named: corev1.PersistentVolumeClaim = { spec: { storageClassName: 'fast' } };
    for (const claim of [unset, empty, named]) await plugin.admit(create(PVC, claim));
    expect([unset, empty, named].map((c) => c.spec?.storageClassName)).toEqual(['standard', '', 'fast']);
  });

  it('changes nothing without a default class, or for other kinds', async () => {
    const claim: corev1.PersistentVolumeClaim = { spec: {} };
    await new DefaultStorageClass(reader([cls('plain')])).admit(create(PVC, claim));
    expect(claim.spec?.storageClassName).toBeUndefined();
  });
});

describe('PersistentVolumeClaimResize', () => {
  const plugin = new PersistentVolumeClaimResize(reader([cls('fixed'), cls('growable', { expand: true })]));
  const claim = (className: string, storage: string): corev1.PersistentVolumeClaim => ({
    metadata: { name: 'data' },
    spec: { storageClassName: className, resources: { requests: { storage } } },
  });
  const update = (obj: corev1.PersistentVolumeClaim, old: corev1.PersistentVolumeClaim): AdmissionRequest => ({ operation: 'UPDATE', info: PVC, obj, old, dryRun: false });

  it('refuses growth unless the class allows expansion', async () => {
    const err = await plugin.admit(update(claim('fixed', '2Gi'), claim('fixed', '1Gi'))).catch((e: unknown) => e);
    expect(err).toSatisfy(isForbidden);
    expect((err as Error).message).toContain('only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    await expect(plugin.admit(update(claim('', '2Gi'), claim('', '1Gi')))).rejects.toSatisfy(isForbidden);
    await expect(plugin.admit(update(claim('growable', '2Gi'), claim('growable', '1Gi')))).resolves.toBeUndefined();
    // Not a growth: nothing to refuse.
    await expect(plugin.admit(update(claim('fixed', '1024Mi'), claim('fixed', '1Gi')))).resolves.toBeUndefined();
  });
});

describe('StorageObjectInUseProtection', () => {
  it('adds pvc-protection to new claims and pv-protection to new volumes, once', async () => {
    const plugin = new StorageObjectInUseProtection();
    const claim: corev1.PersistentVolumeClaim = { metadata: { finalizers: ['example.com/keep'] } };
    const volume: corev1.PersistentVolume = { metadata: { finalizers: ['kubernetes.io/pv-protection'] } };
    const pod: corev1.Pod = { metadata: {} };
    await plugin.admit(create(PVC, claim));
    await plugin.admit(create(PV, volume));
    await plugin.admit(create(POD, pod));
    expect(claim.metadata?.finalizers).toEqual(['example.com/keep', 'kubernetes.io/pvc-protection']);
    expect(volume.metadata?.finalizers).toEqual(['kubernetes.io/pv-protection']);
    expect(pod.metadata?.finalizers).toBeUndefined();
  });
});
