// A workload's revisions: a Deployment's from its ReplicaSets (the revision annotation), a
// DaemonSet's or StatefulSet's from its ControllerRevisions. Shared by `rollout history` and
// `rollout undo`.

import type { ApiObject, appsv1, corev1, JsonObject, JsonValue, KindInfo, Scheme } from '@minik8s/api';
import { selectorFromLabelSelector } from '@minik8s/api';
import type { ApiClient } from '@minik8s/client';
import { deepEqual } from '../../apply-patch';
import { describePodTemplate } from '../../describe/pod';
import { DescribeWriter } from '../../describe/writer';
import { CliError } from '../../errors';
import { TabWriter } from '../../printers/tabwriter';
import { CHANGE_CAUSE_ANNOTATION, isControlledBy, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from '../../workloads';

export interface Revision {
  revision: number;
  /** The pod template of the revision (for a Deployment, with the ReplicaSet's change-cause). */
  template: corev1.PodTemplateSpec;
  changeCause: string;
  /** The ReplicaSet or ControllerRevision it came from. */
  source: ApiObject;
}

/** A revision annotation as Go's ParseInt reads it; undefined when absent or not a number. */
export function parseRevision(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * A Deployment's revisions from the ReplicaSets it controls, by revision (a later ReplicaSet with
 * the same number wins). ReplicaSets without a readable revision are left out.
 */
export function deploymentRevisions(deployment: appsv1.Deployment, replicaSets: readonly appsv1.ReplicaSet[]): Revision[] {
  const byRevision = new Map<number, Revision>();
  for (const rs of replicaSets) {
    if (!isControlledBy(rs, deployment.metadata?.uid)) continue;
    const revision = parseRevision(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '0');
    if (revision === undefined) continue;
    const template = structuredClone(rs.spec?.template ?? {});
    const cause = rs.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION];
    if (cause) template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [CHANGE_CAUSE_ANNOTATION]: cause } };
    byRevision.set(revision, { revision, template, changeCause: template.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION] ?? '', source: rs });
  }
  return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
}

/** The pod template a ControllerRevision records (its data is `{"spec":{"template":{…}}}`). */
export function controllerRevisionTemplate(scheme: Scheme, owner: KindInfo, revision: appsv1.ControllerRevision): corev1.PodTemplateSpec {
  const raw = revision.data?.raw;
  let data: JsonValue;
  try {
    data = JSON.parse(Buffer.from(raw ?? []).toString('utf8')) as JsonValue;
  } catch {
    throw new CliError(`unable to parse history ${revision.metadata?.name ?? ''}`);
  }
  const spec = (data as { spec?: { template?: JsonObject } } | null)?.spec;
  const template: JsonObject = { ...(spec?.template ?? {}) };
  delete template.$patch;
  try {
    const { obj } = scheme.fromJson({ apiVersion: 'apps/v1', kind: owner.kind, metadata: {}, spec: { template } });
    return (obj as appsv1.DaemonSet).spec?.template ?? {};
  } catch {
    throw new CliError(`unable to parse history ${revision.metadata?.name ?? ''}`);
  }
}

/** A DaemonSet's or StatefulSet's revisions from the ControllerRevisions it controls. */
export function controllerRevisions(scheme: Scheme, owner: KindInfo, obj: ApiObject, revisions: readonly appsv1.ControllerRevision[]): Revision[] {
  const byRevision = new Map<number, Revision>();
  for (const cr of revisions) {
    if (!isControlledBy(cr, obj.metadata?.uid)) continue;
    const revision = cr.revision ?? 0;
    byRevision.set(revision, {
      revision,
      template: controllerRevisionTemplate(scheme, owner, cr),
      changeCause: cr.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION] ?? '',
      source: cr,
    });
  }
  return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
}

/** Whether a kind keeps its history in ReplicaSets (Deployment) or ControllerRevisions (DaemonSet, StatefulSet). */
export function historyKind(info: KindInfo): 'replicasets' | 'controllerrevisions' | undefined {
  if (info.group !== 'apps') return undefined;
  if (info.kind === 'Deployment') return 'replicasets';
  if (info.kind === 'DaemonSet' || info.kind === 'StatefulSet') return 'controllerrevisions';
  return undefined;
}

/** Lists the revisions of a Deployment, DaemonSet or StatefulSet. */
export async function listRevisions(client: ApiClient, scheme: Scheme, info: KindInfo, obj: ApiObject): Promise<Revision[]> {
  const kind = historyKind(info);
  if (!kind) throw new CliError(`no history viewer has been implemented for ${info.kind}${info.group ? `.${info.group}` : ''}`);
  const selector = selectorFromLabelSelector((obj as appsv1.Deployment).spec?.selector).toString();
  const namespace = obj.metadata?.namespace;
  if (kind === 'replicasets') {
    const rsInfo = scheme.forKind('apps/v1', 'ReplicaSet');
    if (!rsInfo) throw new Error('apps/v1 ReplicaSet is not registered');
    const list = await client.list(rsInfo, namespace, { labelSelector: selector || undefined });
    return deploymentRevisions(obj as appsv1.Deployment, list.items as appsv1.ReplicaSet[]);
  }
  const crInfo = scheme.forKind('apps/v1', 'ControllerRevision');
  if (!crInfo) throw new Error('apps/v1 ControllerRevision is not registered');
  const list = await client.list(crInfo, namespace, { labelSelector: selector || undefined });
  return controllerRevisions(scheme, info, obj, list.items as appsv1.ControllerRevision[]);
}

/** The REVISION / CHANGE-CAUSE table, or kubectl's words for no history. */
export function historyTable(revisions: readonly Revision[]): string {
  if (revisions.length === 0) return 'No rollout history found.';
  const rows = ['REVISION\tCHANGE-CAUSE', ...revisions.map((r) => `${r.revision}\t${r.changeCause || '<none>'}`)];
  return new TabWriter({ padding: 2 }).format(`${rows.join('\n')}\n`);
}

/** A revision's pod template as `rollout history --revision` shows it (tab separated, as kubectl's prefix writer leaves it). */
export function templateText(template: corev1.PodTemplateSpec): string {
  const w = new DescribeWriter();
  describePodTemplate(w, template);
  return w.unaligned();
}

/** The JSON of a pod template without the pod-template-hash label, to compare templates. */
export function templateJsonWithoutHash(scheme: Scheme, template: corev1.PodTemplateSpec | undefined): JsonValue {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  const info = scheme.forKind('apps/v1', 'ReplicaSet');
  if (!info) throw new Error('apps/v1 ReplicaSet is not registered');
  const spec = scheme.toJson(info, { spec: { template: copy } } as appsv1.ReplicaSet).spec as { template?: JsonValue } | undefined;
  return spec?.template ?? {};
}

/** Whether two templates are the same apart from the pod-template-hash label. */
export function sameTemplate(scheme: Scheme, a: corev1.PodTemplateSpec | undefined, b: corev1.PodTemplateSpec | undefined): boolean {
  return deepEqual(templateJsonWithoutHash(scheme, a), templateJsonWithoutHash(scheme, b));
}

/**
 * The revision `rollout undo` goes back to: the one asked for, or (--to-revision=0) the newest
 * before the latest. `noHistory` is the error when there is no earlier revision.
 */
export function chooseRevision(revisions: readonly Revision[], toRevision: number, noHistory: string): Revision {
  if (toRevision > 0) {
    const found = revisions.find((r) => r.revision === toRevision);
    if (!found) throw new CliError(`unable to find specified revision ${toRevision} in history`);
    return found;
  }
  if (toRevision < 0) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  const sorted = [...revisions].sort((a, b) => a.revision - b.revision);
  if (sorted.length < 2) throw new CliError(noHistory);
  return sorted[sorted.length - 2];
}
