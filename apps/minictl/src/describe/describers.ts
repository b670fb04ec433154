// One describer per kind kubectl has a tailored description for; every other kind gets the generic
// one, which prints its fields with readable labels. All end with the object's events.

import {
  formatLabelSelector,
  type ApiObject,
  type appsv1,
  type corev1,
  type JsonValue,
  type KindInfo,
  type Scheme,
} from '@minik8s/api';
import type { ApiClient } from '@minik8s/client';
import { eventsFor, writeEvents } from './events';
import { describePod, describePodTemplate } from './pod';
import { ageOf, DescribeWriter, formatTime, writeAnnotations, writeMap } from './writer';

export interface DescribeContext {
  scheme: Scheme;
  client: ApiClient;
  now: Date;
  showEvents: boolean;
}

type Describer = (dc: DescribeContext, w: DescribeWriter, obj: ApiObject, info: KindInfo) => Promise<void> | void;

function header(w: DescribeWriter, obj: ApiObject, info: KindInfo): void {
  w.line(0, 'Name:', obj.metadata?.name ?? '');
  if (info.namespaced) w.line(0, 'Namespace:', obj.metadata?.namespace ?? '');
}

function formatLabels(map: Record<string, string> | undefined): string {
  const keys = Object.keys(map ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${map?.[k]}`).join(',');
}

function conditionsTable(w: DescribeWriter, conditions: readonly { type?: string; status?: string; reason?: string }[] | undefined): void {
  if (!conditions || conditions.length === 0) return;
  w.raw('Conditions:\n');
  w.line(1, 'Type', 'Status', 'Reason');
  w.line(1, '----', '------', '------');
  for (const c of conditions) w.line(1, c.type ?? '', c.status ?? '', c.reason ?? '');
}

async function pods(dc: DescribeContext, namespace: string | undefined, ownerUid: string | undefined): Promise<corev1.Pod[]> {
  const info = dc.scheme.forKind('v1', 'Pod');
  if (!info || !ownerUid) return [];
  const list = await dc.client.list(info, namespace);
  return (list.items as corev1.Pod[]).filter((p) => (p.metadata?.ownerReferences ?? []).some((o) => o.uid === ownerUid && o.controller));
}

function podsStatus(list: readonly corev1.Pod[]): string {
  const count = (phase: string): number => list.filter((p) => (p.status?.phase ?? 'Pending') === phase).length;
  return `${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`;
}

const describeService: Describer = async (dc, w, obj, info) => {
  const svc = obj as corev1.Service;
  const spec = svc.spec ?? {};
  header(w, obj, info);
  writeMap(w, 0, 'Labels', svc.metadata?.labels);
  writeAnnotations(w, 0, 'Annotations', svc.metadata?.annotations);
  w.line(0, 'Selector:', formatLabels(spec.selector));
  w.line(0, 'Type:', spec.type ?? '');
  if (spec.ipFamilyPolicy) w.line(0, 'IP Family Policy:', spec.ipFamilyPolicy);
  if ((spec.ipFamilies ?? []).length > 0) w.line(0, 'IP Families:', (spec.ipFamilies ?? []).join(','));
  w.line(0, 'IP:', spec.clusterIP ?? '');
  if ((spec.clusterIPs ?? []).length > 0) w.line(0, 'IPs:', (spec.clusterIPs ?? []).join(','));
  if ((spec.externalIPs ?? []).length > 0) w.line(0, 'External IPs:', (spec.externalIPs ?? []).join(','));
  if (spec.externalName) w.line(0, 'External Name:', spec.externalName);
  const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '');
  if (ingress.length > 0) w.line(0, 'LoadBalancer Ingress:', ingress.join(', '));
  const epInfo = dc.scheme.forKind('v1', 'Endpoints');
  let endpoints: corev1.Endpoints | undefined;
  if (epInfo && spec.type !== 'ExternalName') {
    endpoints = (await dc.client.get(epInfo, svc.metadata?.namespace, svc.metadata?.name ?? '').catch(() => undefined)) as corev1.Endpoints | undefined;
  }
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    const protocol = p.protocol || 'TCP';
    w.line(0, 'Port:', name, `${p.port ?? 0}/${protocol}`);
    const target = p.targetPort;
    w.line(0, 'TargetPort:', `${target ? (target.type === 1 ? target.strVal : target.intVal) : (p.port ?? 0)}/${protocol}`);
    if (p.nodePort) w.line(0, 'NodePort:', name, `${p.nodePort}/${protocol}`);
    const addresses = (endpoints?.subsets ?? []).flatMap((s) =>
      (s.ports ?? []).filter((ep) => (ep.name ?? '') === (p.name ?? '')).flatMap((ep) => (s.addresses ?? []).map((a) => `${a.ip ?? ''}:${ep.port ?? 0}`)),
    );
    w.line(0, 'Endpoints:', addresses.length > 3 ? `${addresses.slice(0, 3).join(',')} + ${addresses.length - 3} more...` : addresses.join(','));
  }
  w.line(0, 'Session Affinity:', spec.sessionAffinity || 'None');
  if (spec.externalTrafficPolicy) w.line(0, 'External Traffic Policy:', spec.externalTrafficPolicy);
  if (spec.internalTrafficPolicy) w.line(0, 'Internal Traffic Policy:', spec.internalTrafficPolicy);
};

function rollingUpdateText(d: appsv1.Deployment): string {
  const ru = d.spec?.strategy?.rollingUpdate;
  const v = (x: { type?: number; intVal?: number; strVal?: string } | undefined, dflt: string): string =>
    x ? (x.type === 1 ? (x.strVal ?? '') : String(x.intVal ?? 0)) : dflt;
  return `${v(ru?.maxUnavailable, '25%')} max unavailable, ${v(ru?.maxSurge, '25%')} max surge`;
}

const describeDeployment: Describer = async (dc, w, obj, info) => {
  const d = obj as appsv1.Deployment;
  const spec = d.spec ?? {};
  const status = d.status ?? {};
  header(w, obj, info);
  w.line(0, 'CreationTimestamp:', formatTime(d.metadata?.creationTimestamp));
  writeMap(w, 0, 'Labels', d.metadata?.labels);
  writeAnnotations(w, 0, 'Annotations', d.metadata?.annotations);
  w.line(0, 'Selector:', formatLabelSelector(spec.selector));
  w.line(0, 'Replicas:', `${spec.replicas ?? 0} desired | ${status.updatedReplicas ?? 0} updated | ${status.replicas ?? 0} total | ${status.availableReplicas ?? 0} available | ${status.unavailableReplicas ?? 0} unavailable`);
  const strategy = spec.strategy?.type || 'RollingUpdate';
  w.line(0, 'StrategyType:', strategy);
  w.line(0, 'MinReadySeconds:', spec.minReadySeconds ?? 0);
  if (strategy === 'RollingUpdate') w.line(0, 'RollingUpdateStrategy:', rollingUpdateText(d));
  describePodTemplate(w, spec.template);
  conditionsTable(w, status.conditions);
  const rsInfo = dc.scheme.forKind('apps/v1', 'ReplicaSet');
  if (rsInfo) {
    const owned = ((await dc.client.list(rsInfo, d.metadata?.namespace)).items as appsv1.ReplicaSet[]).filter((rs) =>
      (rs.metadata?.ownerReferences ?? []).some((o) => o.uid === d.metadata?.uid && o.controller),
    );
    const revision = (rs: appsv1.ReplicaSet): number => Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    const newest = owned.sort((a, b) => revision(b) - revision(a))[0];
    const text = (rs: appsv1.ReplicaSet): string => `${rs.metadata?.name ?? ''} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`;
    const old = owned.filter((rs) => rs !== newest && (rs.spec?.replicas ?? 0) > 0);
    w.line(0, 'OldReplicaSets:', old.length > 0 ? old.map(text).join(', ') : '<none>');
    w.line(0, 'NewReplicaSet:', newest ? text(newest) : '<none>');
  }
};

const describeReplicaSet: Describer = async (dc, w, obj, info) => {
  const rs = obj as appsv1.ReplicaSet | corev1.ReplicationController;
  const spec = rs.spec ?? {};
  header(w, obj, info);
  const selector = info.kind === 'ReplicaSet'
    ? formatLabelSelector((rs as appsv1.ReplicaSet).spec?.selector)
    : formatLabels((rs as corev1.ReplicationController).spec?.selector);
  w.line(0, 'Selector:', selector);
  writeMap(w, 0, 'Labels', rs.metadata?.labels);
  writeAnnotations(w, 0, 'Annotations', rs.metadata?.annotations);
  const controller = (rs.metadata?.ownerReferences ?? []).find((o) => o.controller);
  if (controller) w.line(0, 'Controlled By:', `${controller.kind ?? ''}/${controller.name ?? ''}`);
  w.line(0, 'Replicas:', `${rs.status?.replicas ?? 0} current / ${spec.replicas ?? 0} desired`);
  w.line(0, 'Pods Status:', podsStatus(await pods(dc, rs.metadata?.namespace, rs.metadata?.uid)));
  describePodTemplate(w, spec.template);
  conditionsTable(w, rs.status?.conditions);
};

const describeNode: Describer = (dc, w, obj) => {
  const node = obj as corev1.Node;
  const status = node.status ?? {};
  w.line(0, 'Name:', node.metadata?.name ?? '');
  const roles = dc.scheme.forKind('v1', 'Node')?.columns?.find((c) => c.name === 'ROLES')?.value(node, dc.now) ?? '<none>';
  w.line(0, 'Roles:', roles);
  writeMap(w, 0, 'Labels', node.metadata?.labels);
  writeAnnotations(w, 0, 'Annotations', node.metadata?.annotations);
  w.line(0, 'CreationTimestamp:', formatTime(node.metadata?.creationTimestamp));
  const taints = node.spec?.taints ?? [];
  if (taints.length === 0) w.line(0, 'Taints:', '<none>');
  taints.forEach((t, i) => w.line(0, i === 0 ? 'Taints:' : '', `${t.key ?? ''}${t.value ? `=${t.value}` : ''}:${t.effect ?? ''}`));
  w.line(0, 'Unschedulable:', Boolean(node.spec?.unschedulable));
  if ((status.conditions ?? []).length > 0) {
    w.raw('Conditions:\n');
    w.line(1, 'Type', 'Status', 'LastHeartbeatTime', 'LastTransitionTime', 'Reason', 'Message');
    w.line(1, '----', '------', '-----------------', '------------------', '------', '-------');
    for (const c of status.conditions ?? []) {
      w.line(1, c.type ?? '', c.status ?? '', formatTime(c.lastHeartbeatTime), formatTime(c.lastTransitionTime), c.reason ?? '', c.message ?? '');
    }
  }
  w.raw('Addresses:\n');
  for (const a of status.addresses ?? []) w.line(1, `${a.type ?? ''}:`, a.address ?? '');
  for (const [title, map] of [['Capacity', status.capacity], ['Allocatable', status.allocatable]] as const) {
    if (Object.keys(map ?? {}).length === 0) continue;
    w.raw(`${title}:\n`);
    for (const k of Object.keys(map ?? {}).sort()) w.line(1, `${k}:`, map?.[k] ?? '');
  }
  const ni = status.nodeInfo ?? {};
  w.raw('System Info:\n');
  w.line(1, 'Machine ID:', ni.machineID ?? '');
  w.line(1, 'System UUID:', ni.systemUUID ?? '');
  w.line(1, 'Boot ID:', ni.bootID ?? '');
  w.line(1, 'Kernel Version:', ni.kernelVersion ?? '');
  w.line(1, 'OS Image:', ni.osImage ?? '');
  w.line(1, 'Operating System:', ni.operatingSystem ?? '');
  w.line(1, 'Architecture:', ni.architecture ?? '');
  w.line(1, 'Container Runtime Version:', ni.containerRuntimeVersion ?? '');
  w.line(1, 'Kubelet Version:', ni.kubeletVersion ?? '');
  if (node.spec?.podCIDR) w.line(0, 'PodCIDR:', node.spec.podCIDR);
  if ((node.spec?.podCIDRs ?? []).length > 0) w.line(0, 'PodCIDRs:', (node.spec?.podCIDRs ?? []).join(','));
};

const describeNamespace: Describer = async (dc, w, obj) => {
  const ns = obj as corev1.Namespace;
  w.line(0, 'Name:', ns.metadata?.name ?? '');
  writeMap(w, 0, 'Labels', ns.metadata?.labels);
  writeAnnotations(w, 0, 'Annotations', ns.metadata?.annotations);
  w.line(0, 'Status:', ns.status?.phase ?? '');
  const quotaInfo = dc.scheme.forKind('v1', 'ResourceQuota');
  const limitInfo = dc.scheme.forKind('v1', 'LimitRange');
  const quotas = quotaInfo ? ((await dc.client.list(quotaInfo, ns.metadata?.name)).items as corev1.ResourceQuota[]) : [];
  const limits = limitInfo ? ((await dc.client.list(limitInfo, ns.metadata?.name)).items as corev1.LimitRange[]) : [];
  w.raw('\n');
  if (quotas.length === 0) w.raw('No resource quota.\n');
  for (const q of quotas) {
    w.raw('Resource Quotas\n');
    w.line(1, 'Name:', q.metadata?.name ?? '');
    w.line(1, 'Resource', 'Used', 'Hard');
    w.line(1, '--------', '---', '---');
    for (const k of Object.keys(q.status?.hard ?? q.spec?.hard ?? {}).sort()) {
      w.line(1, k, q.status?.used?.[k] ?? '0', (q.status?.hard ?? q.spec?.hard ?? {})[k] ?? '');
    }
  }
  w.raw('\n');
  if (limits.length === 0) w.raw('No LimitRange resource.\n');
  for (const l of limits) {
    w.raw('Resource Limits\n');
    w.line(1, 'Type', 'Resource', 'Min', 'Max', 'Default Request', 'Default Limit', 'Max Limit/Request Ratio');
    w.line(1, '----', '--------', '---', '---', '---------------', '-------------', '-----------------------');
    for (const item of l.spec?.limits ?? []) {
      const names = new Set([...Object.keys(item.min ?? {}), ...Object.keys(item.max ?? {}), ...Object.keys(item.default ?? {}), ...Object.keys(item.defaultRequest ?? {})]);
      for (const r of [...names].sort()) {
        w.line(1, item.type ?? '', r, item.min?.[r] ?? '-', item.max?.[r] ?? '-', item.defaultRequest?.[r] ?? '-', item.default?.[r] ?? '-', item.maxLimitRequestRatio?.[r] ?? '-');
      }
    }
  }
};

const describeConfigMap: Describer = (_dc, w, obj, info) => {
  const cm = obj as corev1.ConfigMap;
  header(w, obj, info);
  writeMap(w, 0, 'Labels', cm.metadata?.labels);
  writeAnnotations(w, 0, 'Annotations', cm.metadata?.annotations);
  w.raw('\nData\n====\n');
  for (const k of Object.keys(cm.data ?? {}).sort()) w.raw(`${k}:\n----\n${cm.data?.[k] ?? ''}\n\n`);
  w.raw('\nBinaryData\n====\n');
  for (const k of Object.keys(cm.binaryData ?? {}).sort()) w.raw(`${k}: ${cm.binaryData?.[k]?.length ?? 0} bytes\n`);
  w.raw('\n');
};

const describeSecret: Describer = (_dc, w, obj, info) => {
  const secret = obj as corev1.Secret;
  header(w, obj, info);
  writeMap(w, 0, 'Labels', secret.metadata?.labels);
  writeAnnotations(w, 0, 'Annotations', secret.metadata?.annotations);
  w.raw('\n');
  w.line(0, 'Type:', secret.type ?? '');
  w.raw('\nData\n====\n');
  for (const k of Object.keys(secret.data ?? {}).sort()) w.line(0, `${k}:`, `${secret.data?.[k]?.length ?? 0} bytes`);
};

const ACRONYMS = ['API', 'URL', 'UID', 'OSB', 'GUID', 'IP', 'CIDR', 'CIDRS', 'ID'];

/** `creationTimestamp` → `Creation Timestamp`, `podIP` → `Pod IP`; keys with dots or slashes stay as they are. */
export function smartLabel(field: string): string {
  if (/[^A-Za-z-]/.test(field)) return field;
  const parts = field.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|-/g) ?? [field];
  return parts
    .filter((p) => p !== '_')
    .map((p) => (ACRONYMS.includes(p.toUpperCase()) ? p.toUpperCase() : p[0].toUpperCase() + p.slice(1)))
    .join(' ');
}

function writeFields(w: DescribeWriter, level: number, value: Record<string, JsonValue>, path: string, skip: string[]): void {
  for (const key of Object.keys(value).sort()) {
    const fieldPath = `${path}.${key}`;
    if (skip.includes(fieldPath)) continue;
    const v = value[key];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      w.line(level, `${smartLabel(key)}:`);
      writeFields(w, level + 1, v, fieldPath, skip);
    } else if (Array.isArray(v)) {
      w.line(level, `${smartLabel(key)}:`);
      for (const item of v) {
        if (item !== null && typeof item === 'object' && !Array.isArray(item)) writeFields(w, level + 1, item, fieldPath, skip);
        else w.line(level + 1, typeof item === 'string' ? item : JSON.stringify(item));
      }
    } else {
      w.line(level, `${smartLabel(key)}:`, v === null ? '' : String(v));
    }
  }
}

const describeGeneric: Describer = (dc, w, obj, info) => {
  header(w, obj, info);
  writeMap(w, 0, 'Labels', obj.metadata?.labels);
  writeAnnotations(w, 0, 'Annotations', obj.metadata?.annotations);
  const json = dc.scheme.toJson(info, obj) as Record<string, JsonValue>;
  writeFields(w, 0, json, '', ['.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);
};

const DESCRIBERS: Record<string, Describer> = {
  '/Pod': (dc, w, obj) => describePod(w, obj as corev1.Pod, (ts) => ageOf(dc.scheme, new Date(2 * dc.now.getTime() - Date.parse(ts)).toISOString(), dc.now)),
  '/Service': describeService,
  'apps/Deployment': describeDeployment,
  'apps/ReplicaSet': describeReplicaSet,
  '/ReplicationController': describeReplicaSet,
  '/Node': describeNode,
  '/Namespace': describeNamespace,
  '/ConfigMap': describeConfigMap,
  '/Secret': describeSecret,
};

/** Kinds whose kubectl description has no Events section. */
const WITHOUT_EVENTS = new Set(['/Secret', '/Namespace']);

/** The description of one object, events included unless turned off. */
export async function describeObject(dc: DescribeContext, info: KindInfo, obj: ApiObject): Promise<string> {
  const w = new DescribeWriter();
  const key = `${info.group}/${info.kind}`;
  const describer = DESCRIBERS[key] ?? describeGeneric;
  await describer(dc, w, obj, info);
  if (dc.showEvents && !WITHOUT_EVENTS.has(key)) writeEvents(w, dc.scheme, await eventsFor(dc.client, dc.scheme, info, obj), dc.now);
  return w.toString();
}
