import { describe, expect, it } from 'vitest';
import type { corev1, storagev1 } from '@minik8s/api';
import { ANN_PROVISIONED_BY, LOCAL_PATH_FINALIZER, LOCAL_PATH_PROVISIONER, nodeOfVolume, pickNode, provisionedVolume, wantsExpansion } from './volume-plan';

function node(name: string, opts: { ready?: boolean; unschedulable?: boolean; zone?: string; hostname?: string } = {}): corev1.Node {
  const labels: Record<string, string> = { 'kubernetes.io/hostname': opts.hostname ?? name };
  if (opts.zone) labels['topology.kubernetes.io/zone'] = opts.zone;
  return {
    metadata: { name, labels },
    spec: { unschedulable: opts.unschedulable },
    status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

const klass: storagev1.StorageClass = { metadata: { name: 'local-path' }, provisioner: LOCAL_PATH_PROVISIONER };

function volumeOn(hostname: string): corev1.PersistentVolume {
  return {
    metadata: { name: `pv-${Math.random()}`, annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER } },
    spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] } } },
  };
}

describe('pickNode', () => {
  it('skips nodes that are not Ready, cordoned, or outside allowedTopologies', () => {
    const nodes = [node('a', { ready: false }), node('b', { unschedulable: true }), node('c', { zone: 'z1' }), node('d', { zone: 'z2' })];
    expect(pickNode(nodes, klass, [])?.metadata?.name).toBe('c');
    const zoned = { ...klass, allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['z2'] }] }] };
    expect(pickNode(nodes, zoned, [])?.metadata?.name).toBe('d');
    expect(pickNode([node('a', { ready: false })], klass, [])).toBeUndefined();
  });

  it('spreads volumes: the node holding the fewest local-path volumes wins', () => {
    const nodes = [node('a'), node('b')];
    expect(pickNode(nodes, klass, [volumeOn('a')])?.metadata?.name).toBe('b');
    expect(pickNode(nodes, klass, [volumeOn('a'), volumeOn('b'), volumeOn('b')])?.metadata?.name).toBe('a');
  });
});

describe('provisionedVolume', () => {
  const claim: corev1.PersistentVolumeClaim = {
    metadata: { name: 'data', namespace: 'ns', uid: 'u-1', resourceVersion: '7' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
  };

  it('describes a hostPath directory under the base path, pinned to the node and pre-bound to the claim', () => {
    const pv = provisionedVolume(claim, { ...klass, parameters: { basePath: '/mnt/disks/' } }, 'host-1');
    expect(pv).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pvc-u-1', annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER }, finalizers: [LOCAL_PATH_FINALIZER] },
      spec: {
        capacity: { storage: '5Gi' },
        accessModes: ['ReadWriteOnce'],
        volumeMode: 'Filesystem',
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: 'local-path',
        mountOptions: undefined,
        hostPath: { path: '/mnt/disks/pvc-u-1', type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['host-1'] }] }] } },
        claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'ns', name: 'data', uid: 'u-1', resourceVersion: '7' },
      },
    });
    expect(nodeOfVolume(pv)).toBe('host-1');
  });

  it('keeps a Retain volume without the cleanup finalizer, under the default base path', () => {
    const pv = provisionedVolume(claim, { ...klass, reclaimPolicy: 'Retain' }, 'host-1');
    expect(pv.metadata?.finalizers).toBeUndefined();
    expect(pv.spec?.hostPath?.path).toBe('/var/lib/minik8s/local-path/pvc-u-1');
  });
});

describe('wantsExpansion', () => {
  const pv: corev1.PersistentVolume = { spec: { capacity: { storage: '1Gi' } } };
  it.each([
    ['1Gi', false],
    ['1024Mi', false],
    ['1025Mi', true],
    ['512Mi', false],
  ])('a claim of %s against 1Gi: %s', (request, want) => {
    expect(wantsExpansion({ spec: { resources: { requests: { storage: request } } } }, pv)).toBe(want);
  });
});
