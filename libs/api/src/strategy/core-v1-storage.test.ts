import { describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim } from '../generated/core/v1';
import { formatFieldError } from '../validation/field-path';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './core-v1-storage';

function pv(mutate: (pv: PersistentVolume) => void = () => undefined): PersistentVolume {
  const v: PersistentVolume = {
    metadata: { name: 'data-1' },
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/srv/data-1' } },
  };
  mutate(v);
  persistentVolumeStrategy.prepareForCreate?.(v);
  persistentVolumeStrategy.applyDefaults?.(v);
  return v;
}

function pvc(mutate: (pvc: PersistentVolumeClaim) => void = () => undefined): PersistentVolumeClaim {
  const c: PersistentVolumeClaim = {
    metadata: { name: 'data', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  };
  mutate(c);
  persistentVolumeClaimStrategy.prepareForCreate?.(c);
  persistentVolumeClaimStrategy.applyDefaults?.(c);
  return c;
}

const ACCESS_MODES = 'supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"';

describe('PersistentVolume', () => {
  it('defaults reclaim policy Retain, volume mode Filesystem and phase Pending', () => {
    const v = pv();
    expect(v.spec?.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(v.spec?.volumeMode).toBe('Filesystem');
    expect(v.status?.phase).toBe('Pending');
  });

  it.each([
    ['a hostPath volume', () => undefined, []],
    ['no access modes', (v: PersistentVolume) => (v.spec!.accessModes = []), ['spec.accessModes: Required value']],
    ['an unknown access mode', (v: PersistentVolume) => (v.spec!.accessModes = ['ReadWriteSome']), [`spec.accessModes: Unsupported value: "ReadWriteSome": ${ACCESS_MODES}`]],
    [
      'ReadWriteOncePod with another mode',
      (v: PersistentVolume) => (v.spec!.accessModes = ['ReadWriteOncePod', 'ReadOnlyMany']),
      ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes'],
    ],
    [
      'no capacity',
      (v: PersistentVolume) => (v.spec!.capacity = {}),
      ['spec.capacity: Required value', 'spec.capacity: Unsupported value: {}: supported values: "storage"'],
    ],
    ['a zero capacity', (v: PersistentVolume) => (v.spec!.capacity = { storage: '0' }), ['spec.capacity[storage]: Invalid value: "0": must be greater than zero']],
    ['no source', (v: PersistentVolume) => delete v.spec!.hostPath, ['spec: Required value: must specify a volume type']],
    [
      'two sources',
      (v: PersistentVolume) => (v.spec!.nfs = { server: 'nfs', path: '/exports' }),
      ['spec.nfs: Forbidden: may not specify more than 1 volume type'],
    ],
    [
      'a local volume without node affinity',
      (v: PersistentVolume) => {
        delete v.spec!.hostPath;
        v.spec!.local = { path: '/mnt/disks/a' };
      },
      ['spec.nodeAffinity: Required value: Local volume requires node affinity'],
    ],
    [
      'an unknown reclaim policy',
      (v: PersistentVolume) => (v.spec!.persistentVolumeReclaimPolicy = 'Keep'),
      ['spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"'],
    ],
    [
      'recycling the root of the host',
      (v: PersistentVolume) => {
        v.spec!.hostPath = { path: '/' };
        v.spec!.persistentVolumeReclaimPolicy = 'Recycle';
      },
      ["spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'"],
    ],
    [
      'a CSI volume without a handle',
      (v: PersistentVolume) => {
        delete v.spec!.hostPath;
        v.spec!.csi = { driver: 'ebs.csi.aws.com' };
      },
      ['spec.csi.volumeHandle: Required value'],
    ],
  ])('validates %s', (_name, mutate, expected) => {
    expect(persistentVolumeStrategy.validate?.(pv(mutate)).map(formatFieldError)).toEqual(expected);
  });

  it('keeps its source immutable', () => {
    const old = pv();
    const next = structuredClone(old);
    next.spec!.hostPath = { path: '/srv/data-2' };
    expect(persistentVolumeStrategy.validateUpdate?.(next, old).map(formatFieldError)).toEqual([
      'spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n  spec.hostPath.path: "/srv/data-1" -> "/srv/data-2"',
    ]);
  });

  it('lets a claim be bound and the reclaim policy change', () => {
    const old = pv();
    const next = structuredClone(old);
    next.spec!.claimRef = { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data' };
    next.spec!.persistentVolumeReclaimPolicy = 'Delete';
    expect(persistentVolumeStrategy.validateUpdate?.(next, old)).toEqual([]);
  });

  it('keeps its volume mode', () => {
    const old = pv();
    const next = structuredClone(old);
    next.spec!.volumeMode = 'Block';
    expect(persistentVolumeStrategy.validateUpdate?.(next, old).map(formatFieldError)).toEqual(['volumeMode: Invalid value: "Block": field is immutable']);
  });
});

describe('PersistentVolumeClaim', () => {
  it('defaults volume mode Filesystem and starts Pending', () => {
    const c = pvc((x) => (x.status = { phase: 'Bound' }));
    expect(c.spec?.volumeMode).toBe('Filesystem');
    expect(c.status).toEqual({ phase: 'Pending' });
  });

  it('mirrors dataSource into dataSourceRef on create', () => {
    const c = pvc((x) => (x.spec!.dataSource = { kind: 'PersistentVolumeClaim', name: 'src' }));
    expect(c.spec?.dataSourceRef).toEqual({ kind: 'PersistentVolumeClaim', name: 'src' });
  });

  it.each([
    ['a claim', () => undefined, []],
    ['no access modes', (c: PersistentVolumeClaim) => (c.spec!.accessModes = []), ['spec.accessModes: Required value: at least 1 access mode is required']],
    ['an unknown access mode', (c: PersistentVolumeClaim) => (c.spec!.accessModes = ['RWO']), [`spec.accessModes: Unsupported value: "RWO": ${ACCESS_MODES}`]],
    ['no storage request', (c: PersistentVolumeClaim) => (c.spec!.resources = {}), ['spec.resources[storage]: Required value']],
    ['a zero storage request', (c: PersistentVolumeClaim) => (c.spec!.resources = { requests: { storage: '0' } }), ['spec.resources[storage]: Invalid value: "0": must be greater than zero']],
    [
      'an unknown volume mode',
      (c: PersistentVolumeClaim) => (c.spec!.volumeMode = 'Raw'),
      ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"'],
    ],
    [
      'a data source of another API group without one',
      (c: PersistentVolumeClaim) => (c.spec!.dataSourceRef = { kind: 'VolumeSnapshot', name: 'snap' }),
      ["spec.dataSourceRef: Invalid value: \"VolumeSnapshot\": must be 'PersistentVolumeClaim' when referencing the default apiGroup"],
    ],
  ])('validates %s', (_name, mutate, expected) => {
    expect(persistentVolumeClaimStrategy.validate?.(pvc(mutate)).map(formatFieldError)).toEqual(expected);
  });

  function update(mutate: (c: PersistentVolumeClaim) => void, phase = 'Bound'): string[] {
    const old = pvc();
    old.status = { phase, capacity: { storage: '1Gi' } };
    const next = structuredClone(old);
    mutate(next);
    persistentVolumeClaimStrategy.applyDefaults?.(next);
    return (persistentVolumeClaimStrategy.validateUpdate?.(next, old) ?? []).map(formatFieldError);
  }

  it('lets a bound claim grow', () => {
    expect(update((c) => (c.spec!.resources = { requests: { storage: '2Gi' } }))).toEqual([]);
  });

  it('lets the volume controller set volumeName once', () => {
    expect(update((c) => (c.spec!.volumeName = 'pv-1'), 'Pending')).toEqual([]);
  });

  it('refuses to shrink a bound claim', () => {
    expect(update((c) => (c.spec!.resources = { requests: { storage: '512Mi' } }))).toEqual([
      'spec.resources.requests.storage: Forbidden: field can not be less than previous value',
    ]);
  });

  it('refuses to resize a claim that is not bound', () => {
    expect(update((c) => (c.spec!.resources = { requests: { storage: '2Gi' } }), 'Pending')).toEqual([
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n' +
        '  spec.resources.requests.storage: "1Gi" -> "2Gi"',
    ]);
  });

  it('refuses other spec changes', () => {
    expect(update((c) => (c.spec!.accessModes = ['ReadWriteMany']))).toEqual([
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n' +
        '  spec.accessModes[0]: "ReadWriteOnce" -> "ReadWriteMany"',
    ]);
  });
});
