// Table columns of the smaller groups' kinds, as `kubectl get` shows them.

import type * as coordinationv1 from '../generated/coordination/v1';
import type * as discoveryv1 from '../generated/discovery/v1';
import type * as schedulingv1 from '../generated/scheduling/v1';
import type * as storagev1 from '../generated/storage/v1';
import type { TableColumn } from '../scheme/kind-info';
import { ageColumn, column, nameColumn } from './columns';
import { listWithMore, printBool } from './format';

export const leaseColumns: TableColumn<coordinationv1.Lease>[] = [
  nameColumn(),
  column('HOLDER', (lease) => lease.spec?.holderIdentity ?? ''),
  ageColumn(),
];

export function endpointSlicePorts(slice: discoveryv1.EndpointSlice): string {
  return listWithMore((slice.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : p.name || '*')));
}

export function endpointSliceEndpoints(slice: discoveryv1.EndpointSlice): string {
  return listWithMore((slice.endpoints ?? []).flatMap((e) => e.addresses ?? []));
}

export const endpointSliceColumns: TableColumn<discoveryv1.EndpointSlice>[] = [
  nameColumn(),
  column('ADDRESSTYPE', (s) => s.addressType ?? ''),
  column('PORTS', endpointSlicePorts),
  column('ENDPOINTS', endpointSliceEndpoints),
  ageColumn(),
];

const DEFAULT_CLASS_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

export const storageClassColumns: TableColumn<storagev1.StorageClass>[] = [
  column('NAME', (sc) => {
    const isDefault = DEFAULT_CLASS_ANNOTATIONS.some((a) => sc.metadata?.annotations?.[a] === 'true');
    return `${sc.metadata?.name ?? ''}${isDefault ? ' (default)' : ''}`;
  }),
  column('PROVISIONER', (sc) => sc.provisioner ?? ''),
  column('RECLAIMPOLICY', (sc) => sc.reclaimPolicy || 'Delete'),
  column('VOLUMEBINDINGMODE', (sc) => sc.volumeBindingMode || 'Immediate'),
  column('ALLOWVOLUMEEXPANSION', (sc) => printBool(sc.allowVolumeExpansion)),
  ageColumn(),
];

export const priorityClassColumns: TableColumn<schedulingv1.PriorityClass>[] = [
  nameColumn(),
  column('VALUE', (pc) => pc.value ?? 0),
  column('GLOBAL-DEFAULT', (pc) => printBool(pc.globalDefault)),
  ageColumn(),
  column('PREEMPTIONPOLICY', (pc) => pc.preemptionPolicy || 'PreemptLowerPriority'),
];
