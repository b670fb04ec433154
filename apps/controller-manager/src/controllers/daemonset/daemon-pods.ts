import type { appsv1, corev1 } from '@minik8s/api';
import { parseTime } from '../../shared/pod-conditions';
import { daemonPodTolerations, NODE_NAME_FIELD } from './node-eligibility';

/** The revision hash a DaemonSet puts on its pods and ControllerRevisions (DefaultDaemonSetUniqueLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** The template generation a pod was made from (DaemonSetTemplateGenerationKey). */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** Where the apiserver counts template changes of a DaemonSet. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** GetTemplateGeneration: the annotation as an integer; undefined when absent or unparsable. */
export function templateGeneration(ds: appsv1.DaemonSet): number | undefined {
  const raw = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (raw === undefined || !/^[+-]?[0-9]+$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * CreatePodTemplate: a copy of the template with the daemon tolerations added and labelled with
 * the template generation and the revision hash. `template` is not touched.
 */
export function createPodTemplate(template: corev1.PodTemplateSpec | undefined, generation: number | undefined, hash: string): corev1.PodTemplateSpec {
  const copy: corev1.PodTemplateSpec = structuredClone(template ?? {});
  const spec: corev1.PodSpec = (copy.spec ??= {});
  spec.tolerations = daemonPodTolerations(spec);
  const meta = (copy.metadata ??= {});
  const labels = { ...(meta.labels ?? {}) };
  if (generation !== undefined) labels[POD_TEMPLATE_GENERATION_LABEL] = String(generation);
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  meta.labels = labels;
  return copy;
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the affinity with its required node affinity replaced
 * by one term pinning `metadata.name` to `nodeName`, so the scheduler binds the pod there. Other
 * parts of the affinity are kept; `affinity` is not touched.
 */
export function nodeNameAffinity(affinity: corev1.Affinity | undefined, nodeName: string): corev1.Affinity {
  const required: corev1.NodeSelector = {
    nodeSelectorTerms: [{ matchFields: [{ key: NODE_NAME_FIELD, operator: 'In', values: [nodeName] }] }],
  };
  const nodeAffinity = affinity?.nodeAffinity;
  return {
    ...(affinity ?? {}),
    nodeAffinity: { ...(nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required },
  };
}

/**
 * GetTargetNodeName: the node a daemon pod is on (spec.nodeName) or is meant for (the
 * `metadata.name In [node]` field of its required node affinity); undefined when neither says.
 */
export function targetNodeName(pod: corev1.Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const field of term.matchFields ?? []) {
      if (field.key === NODE_NAME_FIELD && field.operator === 'In') {
        return field.values?.length === 1 ? field.values[0] : undefined;
      }
    }
  }
  return undefined;
}

/** IsPodUpdated: the pod carries the current revision hash, or the current template generation. */
export function isPodUpdated(pod: corev1.Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const templateMatches = generation !== undefined && labels[POD_TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash.length > 0 && labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
  return hashMatches || templateMatches;
}

/** podByCreationTimestampAndPhase: scheduled pods first, then the oldest, then by name. */
export function compareByCreationAndScheduling(a: corev1.Pod, b: corev1.Pod): number {
  const aScheduled = !!a.spec?.nodeName;
  const bScheduled = !!b.spec?.nodeName;
  if (aScheduled !== bScheduled) return aScheduled ? -1 : 1;
  const ta = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** The pods ordered oldest first; `pods` is not reordered. */
export function oldestFirst(pods: readonly corev1.Pod[]): corev1.Pod[] {
  return [...pods].sort(compareByCreationAndScheduling);
}

/** IsPodTerminal: the pod has finished, for good (Succeeded or Failed). */
export function isPodTerminal(pod: corev1.Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Daemon pods grouped by the node they are for. Pods with no target node are left out.
 * Unless `includeDeletedTerminal`, pods that have finished and are being deleted are left out
 * too: nothing is left to do with them, and they must not keep a node from getting a new pod.
 */
export function groupByNode(pods: readonly corev1.Pod[], includeDeletedTerminal: boolean): Map<string, corev1.Pod[]> {
  const byNode = new Map<string, corev1.Pod[]>();
  for (const pod of pods) {
    if (!includeDeletedTerminal && isPodTerminal(pod) && pod.metadata?.deletionTimestamp) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    const list = byNode.get(node);
    if (list) list.push(pod);
    else byNode.set(node, [pod]);
  }
  return byNode;
}
