// Table columns of the core/v1 kinds, as `kubectl get` shows them.

import type * as corev1 from '../generated/core/v1';
import type { TableColumn } from '../scheme/kind-info';
import { ageColumn, column, nameColumn, templateColumns } from './columns';
import { formatLabels, joinOrNone, timestampAge } from './format';
import { podIP, podReadinessGates, summarizePod } from './pod-status';

export const podColumns: TableColumn<corev1.Pod>[] = [
  nameColumn(),
  { name: 'READY', value: (pod, now) => summarizePod(pod, now).ready },
  { name: 'STATUS', value: (pod, now) => summarizePod(pod, now).status },
  { name: 'RESTARTS', value: (pod, now) => summarizePod(pod, now).restarts },
  ageColumn(),
  column('IP', podIP, { wide: true }),
  column('NODE', (pod) => pod.spec?.nodeName || '<none>', { wide: true }),
  column('NOMINATED NODE', (pod) => pod.status?.nominatedNodeName || '<none>', { wide: true }),
  column('READINESS GATES', podReadinessGates, { wide: true }),
];

export const podTemplateColumns: TableColumn<corev1.PodTemplate>[] = [
  nameColumn(),
  ...templateColumns<corev1.PodTemplate>((t) => t.template).map((c) => ({ ...c, wide: false })),
  column('POD LABELS', (t) => formatLabels(t.template?.metadata?.labels)),
];

export const namespaceColumns: TableColumn<corev1.Namespace>[] = [
  nameColumn(),
  column('STATUS', (ns) => ns.status?.phase ?? ''),
  ageColumn(),
];

/** Ready or NotReady from the Ready condition, then SchedulingDisabled when cordoned. */
export function nodeStatus(node: corev1.Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

const ROLE_PREFIX = 'node-role.kubernetes.io/';

/** Roles from `node-role.kubernetes.io/<role>` labels and the `kubernetes.io/role` label. */
export function nodeRoles(node: corev1.Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX) && key.length > ROLE_PREFIX.length) roles.add(key.slice(ROLE_PREFIX.length));
    else if (key === 'kubernetes.io/role' && value) roles.add(value);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(node: corev1.Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address || '<none>';
}

export const nodeColumns: TableColumn<corev1.Node>[] = [
  nameColumn(),
  column('STATUS', nodeStatus),
  column('ROLES', nodeRoles),
  ageColumn(),
  column('VERSION', (node) => node.status?.nodeInfo?.kubeletVersion ?? ''),
  column('INTERNAL-IP', (node) => nodeAddress(node, 'InternalIP'), { wide: true }),
  column('EXTERNAL-IP', (node) => nodeAddress(node, 'ExternalIP'), { wide: true }),
  column('OS-IMAGE', (node) => node.status?.nodeInfo?.osImage || '<unknown>', { wide: true }),
  column('KERNEL-VERSION', (node) => node.status?.nodeInfo?.kernelVersion || '<unknown>', { wide: true }),
  column('CONTAINER-RUNTIME', (node) => node.status?.nodeInfo?.containerRuntimeVersion || '<unknown>', { wide: true }),
];

/** The EXTERNAL-IP cell: external IPs, load-balancer ingress (`<pending>` until assigned), or the external name. */
export function serviceExternalIP(svc: corev1.Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return joinOrNone(external);
    case 'LoadBalancer': {
      const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean);
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** `80/TCP`, or `80:30080/TCP` with a node port, comma separated; `<none>` without ports. */
export function servicePorts(svc: corev1.Service): string {
  const ports = (svc.spec?.ports ?? []).map((p) => {
    const protocol = p.protocol || 'TCP';
    return p.nodePort ? `${p.port ?? 0}:${p.nodePort}/${protocol}` : `${p.port ?? 0}/${protocol}`;
  });
  return joinOrNone(ports);
}

export const serviceColumns: TableColumn<corev1.Service>[] = [
  nameColumn(),
  column('TYPE', (svc) => svc.spec?.type ?? ''),
  column('CLUSTER-IP', (svc) => svc.spec?.clusterIP || '<none>'),
  column('EXTERNAL-IP', serviceExternalIP),
  column('PORT(S)', servicePorts),
  ageColumn(),
  column('SELECTOR', (svc) => formatLabels(svc.spec?.selector), { wide: true }),
];

/** `ip:port` pairs, at most three, then ` + N more...`; `<none>` without subsets. */
export function formatEndpoints(ep: corev1.Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const shown: string[] = [];
  let count = 0;
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    const pairs = ports.length === 0
      ? addresses.map((a) => a.ip ?? '')
      : ports.flatMap((p) => addresses.map((a) => joinHostPort(a.ip ?? '', p.port ?? 0)));
    for (const pair of pairs) {
      if (shown.length < 3) shown.push(pair);
      count++;
    }
  }
  const text = shown.join(',');
  return count > 3 ? `${text} + ${count - 3} more...` : text;
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export const endpointsColumns: TableColumn<corev1.Endpoints>[] = [
  nameColumn(),
  column('ENDPOINTS', formatEndpoints),
  ageColumn(),
];

export const configMapColumns: TableColumn<corev1.ConfigMap>[] = [
  nameColumn(),
  column('DATA', (cm) => Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length),
  ageColumn(),
];

export const secretColumns: TableColumn<corev1.Secret>[] = [
  nameColumn(),
  column('TYPE', (s) => s.type ?? ''),
  column('DATA', (s) => Object.keys(s.data ?? {}).length),
  ageColumn(),
];

export const serviceAccountColumns: TableColumn<corev1.ServiceAccount>[] = [
  nameColumn(),
  column('SECRETS', (sa) => (sa.secrets ?? []).length),
  ageColumn(),
];

function eventSource(ev: corev1.Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** When an event last happened: its series, its lastTimestamp, else its eventTime. */
export function eventLastSeen(ev: corev1.Event, now: Date): string {
  if (ev.series?.lastObservedTime) return timestampAge(ev.series.lastObservedTime, now);
  if (ev.lastTimestamp) return timestampAge(ev.lastTimestamp, now);
  return timestampAge(ev.eventTime, now);
}

export const eventColumns: TableColumn<corev1.Event>[] = [
  { name: 'LAST SEEN', value: eventLastSeen },
  column('TYPE', (ev) => ev.type ?? ''),
  column('REASON', (ev) => ev.reason ?? ''),
  column('OBJECT', (ev) => `${(ev.involvedObject?.kind ?? '').toLowerCase()}/${ev.involvedObject?.name ?? ''}`),
  column('SUBOBJECT', (ev) => ev.involvedObject?.fieldPath ?? '', { wide: true }),
  column('SOURCE', eventSource, { wide: true }),
  column('MESSAGE', (ev) => (ev.message ?? '').trim()),
  { name: 'FIRST SEEN', wide: true, value: (ev, now) => timestampAge(ev.firstTimestamp || ev.eventTime, now) },
  column('COUNT', (ev) => ev.series?.count ?? ev.count ?? 0, { wide: true }),
  column('NAME', (ev) => ev.metadata?.name ?? '', { wide: true }),
];

/** `RWO,ROX,RWX,RWOP` in that order, as kubectl abbreviates access modes. */
export function accessModes(modes: readonly string[] | undefined): string {
  const short: [string, string][] = [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ];
  return short.filter(([mode]) => (modes ?? []).includes(mode)).map(([, abbr]) => abbr).join(',');
}

export const persistentVolumeColumns: TableColumn<corev1.PersistentVolume>[] = [
  nameColumn(),
  column('CAPACITY', (pv) => pv.spec?.capacity?.['storage'] ?? '0'),
  column('ACCESS MODES', (pv) => accessModes(pv.spec?.accessModes)),
  column('RECLAIM POLICY', (pv) => pv.spec?.persistentVolumeReclaimPolicy ?? ''),
  column('STATUS', (pv) => (pv.metadata?.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? ''))),
  column('CLAIM', (pv) => (pv.spec?.claimRef ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name ?? ''}` : '')),
  column('STORAGECLASS', (pv) => pv.spec?.storageClassName ?? ''),
  column('VOLUMEATTRIBUTESCLASS', (pv) => pv.spec?.volumeAttributesClassName || '<unset>'),
  column('REASON', (pv) => pv.status?.reason ?? ''),
  ageColumn(),
  column('VOLUMEMODE', (pv) => pv.spec?.volumeMode || '<unset>', { wide: true }),
];

export const persistentVolumeClaimColumns: TableColumn<corev1.PersistentVolumeClaim>[] = [
  nameColumn(),
  column('STATUS', (pvc) => (pvc.metadata?.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''))),
  column('VOLUME', (pvc) => pvc.spec?.volumeName ?? ''),
  column('CAPACITY', (pvc) => (pvc.spec?.volumeName ? (pvc.status?.capacity?.['storage'] ?? '') : '')),
  column('ACCESS MODES', (pvc) => (pvc.spec?.volumeName ? accessModes(pvc.status?.accessModes) : '')),
  column('STORAGECLASS', (pvc) => pvc.spec?.storageClassName ?? pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? ''),
  column('VOLUMEATTRIBUTESCLASS', (pvc) => pvc.spec?.volumeAttributesClassName || '<unset>'),
  ageColumn(),
  column('VOLUMEMODE', (pvc) => pvc.spec?.volumeMode || '<unset>', { wide: true }),
];

export const replicationControllerColumns: TableColumn<corev1.ReplicationController>[] = [
  nameColumn(),
  column('DESIRED', (rc) => rc.spec?.replicas ?? 0),
  column('CURRENT', (rc) => rc.status?.replicas ?? 0),
  column('READY', (rc) => rc.status?.readyReplicas ?? 0),
  ageColumn(),
  ...templateColumns<corev1.ReplicationController>((rc) => rc.spec?.template),
  column('SELECTOR', (rc) => formatLabels(rc.spec?.selector), { wide: true }),
];

function quotaUsage(quota: corev1.ResourceQuota, limits: boolean): string {
  const hard = quota.status?.hard ?? {};
  const used = quota.status?.used ?? {};
  return Object.keys(hard)
    .sort()
    .filter((name) => name.startsWith('limits.') === limits)
    .map((name) => `${name}: ${used[name] ?? '0'}/${hard[name]}`)
    .join(', ');
}

export const resourceQuotaColumns: TableColumn<corev1.ResourceQuota>[] = [
  nameColumn(),
  ageColumn(),
  column('REQUEST', (q) => quotaUsage(q, false)),
  column('LIMIT', (q) => quotaUsage(q, true)),
];

export const limitRangeColumns: TableColumn<corev1.LimitRange>[] = [
  nameColumn(),
  column('CREATED AT', (lr) => lr.metadata?.creationTimestamp ?? ''),
];
