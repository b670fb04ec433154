import { describe, expect, it } from 'vitest';
import type { corev1, storagev1 } from '@minik8s/api';
import { CycleState } from '../../framework/cycle-state';
import { PodInfo } from '../../framework/pod-info';
import { Code, Status } from '../../framework/status';
import { newTestHandle } from '../../testing/fake-handle';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers';
import { ERR_REASON_BIND_CONFLICT, ERR_REASON_NODE_CONFLICT, ERR_UNBOUND_IMMEDIATE, VolumeBinding } from './volume-binding';

const ZONE = 'topology.kubernetes.io/zone';

function pvc(name: string, opts: { volumeName?: string; storageClassName?: string; storage?: string } = {}): corev1.PersistentVolumeClaim {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: opts.storage ?? '1Gi' } },
      volumeName: opts.volumeName,
      storageClassName: opts.storageClassName,
    },
  };
}

function pv(name: string, opts: { zone?: string; storageClassName?: string; storage?: string; claimRef?: string } = {}): corev1.PersistentVolume {
  return {
    metadata: { name },
    spec: {
      capacity: { storage: opts.storage ?? '1Gi' },
      accessModes: ['ReadWriteOnce'],
      storageClassName: opts.storageClassName,
      claimRef: opts.claimRef ? { namespace: 'default', name: opts.claimRef } : undefined,
      nodeAffinity: opts.zone ? { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: [opts.zone] }] }] } } : undefined,
      local: { path: '/mnt/disk' },
    },
  };
}

function klass(name: string, mode: 'Immediate' | 'WaitForFirstConsumer', provisioner = 'kubernetes.io/no-provisioner', zones?: string[]): storagev1.StorageClass {
  return {
    metadata: { name },
    provisioner,
    volumeBindingMode: mode,
    allowedTopologies: zones ? [{ matchLabelExpressions: [{ key: ZONE, values: zones }] }] : undefined,
  };
}

const nodes = [makeNode('a1').label(ZONE, 'a').obj(), makeNode('b1').label(ZONE, 'b').obj()];

function run(
  pod: PodWrapper,
  objs: { pvcs?: corev1.PersistentVolumeClaim[]; pvs?: corev1.PersistentVolume[]; classes?: storagev1.StorageClass[] },
): { pre?: string; nodes: Record<string, string | null> } {
  const handle = newTestHandle({ nodes, pvcs: objs.pvcs, pvs: objs.pvs, storageClasses: objs.classes });
  const plugin = new VolumeBinding(handle);
  const state = new CycleState();
  const info = new PodInfo(pod.obj());
  const pre = plugin.preFilter(state, info);
  if (pre instanceof Status && pre.code === Code.Skip) return { nodes: { a1: null, b1: null } };
  if (pre instanceof Status && !pre.isSuccess()) return { pre: pre.message(), nodes: {} };
  const out: Record<string, string | null> = {};
  for (const n of handle.snapshot().list()) out[n.name] = plugin.filter(state, info, n)?.message() ?? null;
  return { nodes: out };
}

describe('VolumeBinding', () => {
  const cases: { name: string; pod: PodWrapper; objs: Parameters<typeof run>[1]; want: ReturnType<typeof run> }[] = [
    { name: 'no volumes', pod: makePod('p'), objs: {}, want: { nodes: { a1: null, b1: null } } },
    { name: 'missing claim', pod: makePod('p').pvc('data'), objs: {}, want: { pre: 'persistentvolumeclaim "data" not found', nodes: {} } },
    {
      name: 'bound claim with a zonal volume',
      pod: makePod('p').pvc('data'),
      objs: { pvcs: [pvc('data', { volumeName: 'pv-a' })], pvs: [pv('pv-a', { zone: 'a' })] },
      want: { nodes: { a1: null, b1: ERR_REASON_NODE_CONFLICT } },
    },
    {
      name: 'bound claim with a volume reachable anywhere',
      pod: makePod('p').pvc('data'),
      objs: { pvcs: [pvc('data', { volumeName: 'pv-x' })], pvs: [pv('pv-x')] },
      want: { nodes: { a1: null, b1: null } },
    },
    {
      name: 'unbound Immediate claim',
      pod: makePod('p').pvc('data'),
      objs: { pvcs: [pvc('data', { storageClassName: 'fast' })], classes: [klass('fast', 'Immediate')] },
      want: { pre: ERR_UNBOUND_IMMEDIATE, nodes: {} },
    },
    {
      name: 'WaitForFirstConsumer claim with a local volume in zone b',
      pod: makePod('p').pvc('data'),
      objs: {
        pvcs: [pvc('data', { storageClassName: 'local' })],
        pvs: [pv('pv-b', { zone: 'b', storageClassName: 'local' })],
        classes: [klass('local', 'WaitForFirstConsumer')],
      },
      want: { nodes: { a1: ERR_REASON_BIND_CONFLICT, b1: null } },
    },
    {
      name: 'WaitForFirstConsumer claim whose volume is too small',
      pod: makePod('p').pvc('data'),
      objs: {
        pvcs: [pvc('data', { storageClassName: 'local', storage: '10Gi' })],
        pvs: [pv('pv-b', { zone: 'b', storageClassName: 'local', storage: '1Gi' })],
        classes: [klass('local', 'WaitForFirstConsumer')],
      },
      want: { nodes: { a1: ERR_REASON_BIND_CONFLICT, b1: ERR_REASON_BIND_CONFLICT } },
    },
    {
      name: 'a volume claimed by another claim is not free',
      pod: makePod('p').pvc('data'),
      objs: {
        pvcs: [pvc('data', { storageClassName: 'local' })],
        pvs: [pv('pv-b', { zone: 'b', storageClassName: 'local', claimRef: 'other' })],
        classes: [klass('local', 'WaitForFirstConsumer')],
      },
      want: { nodes: { a1: ERR_REASON_BIND_CONFLICT, b1: ERR_REASON_BIND_CONFLICT } },
    },
    {
      name: 'WaitForFirstConsumer claim provisioned dynamically within allowed topologies',
      pod: makePod('p').pvc('data'),
      objs: { pvcs: [pvc('data', { storageClassName: 'csi' })], classes: [klass('csi', 'WaitForFirstConsumer', 'csi.example.com', ['a'])] },
      want: { nodes: { a1: null, b1: ERR_REASON_BIND_CONFLICT } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(run(c.pod, c.objs)).toEqual(c.want));
  }

  it('a volume assumed for one pod is not offered to another', () => {
    const objs = {
      pvcs: [pvc('one', { storageClassName: 'local' }), pvc('two', { storageClassName: 'local' })],
      pvs: [pv('pv-b', { zone: 'b', storageClassName: 'local' })],
      storageClasses: [klass('local', 'WaitForFirstConsumer')],
    };
    const handle = newTestHandle({ nodes, ...objs });
    const plugin = new VolumeBinding(handle);
    const b1 = handle.snapshot().get('b1')!;
    const first = new PodInfo(makePod('p1').pvc('one').obj());
    const s1 = new CycleState();
    plugin.preFilter(s1, first);
    expect(plugin.filter(s1, first, b1)).toBeNull();
    plugin.reserve(s1, first, 'b1');
    const second = new PodInfo(makePod('p2').pvc('two').obj());
    const s2 = new CycleState();
    plugin.preFilter(s2, second);
    expect(plugin.filter(s2, second, b1)?.message()).toBe(ERR_REASON_BIND_CONFLICT);
    plugin.unreserve(s1, first, 'b1');
    expect(plugin.filter(s2, second, b1)).toBeNull();
  });
});
