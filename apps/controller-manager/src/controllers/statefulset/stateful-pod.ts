import type { appsv1, corev1, IntOrString, OwnerReference } from '@minik8s/api';

/**
 * A StatefulSet's pods and claims: stable ordinal names, the identity (hostname, subdomain,
 * labels) and the storage (one claim per volumeClaimTemplate and ordinal) each pod must carry,
 * and the health predicates the sync uses. Pure functions only.
 */

export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
export const STATEFULSET_API_VERSION = 'apps/v1';
export const STATEFULSET_KIND = 'StatefulSet';

const ORDINAL_NAME = /^(.*)-([0-9]+)$/;

/** The set's name and the ordinal a pod name encodes (`web-3` → web, 3); ordinal -1 if none. */
export function parentNameAndOrdinal(pod: corev1.Pod): { parent: string; ordinal: number } {
  const match = ORDINAL_NAME.exec(pod.metadata?.name ?? '');
  if (!match) return { parent: '', ordinal: -1 };
  const ordinal = Number(match[2]);
  return { parent: match[1], ordinal: Number.isSafeInteger(ordinal) ? ordinal : -1 };
}

export function getOrdinal(pod: corev1.Pod): number {
  return parentNameAndOrdinal(pod).ordinal;
}

export function podName(set: appsv1.StatefulSet, ordinal: number): string {
  return `${set.metadata?.name ?? ''}-${ordinal}`;
}

export function replicaCount(set: appsv1.StatefulSet): number {
  return Math.max(0, set.spec?.replicas ?? 1);
}

/** The first ordinal (spec.ordinals.start, default 0). */
export function startOrdinal(set: appsv1.StatefulSet): number {
  return Math.max(0, set.spec?.ordinals?.start ?? 0);
}

/** The last ordinal the set should run (start - 1 when it has no replicas). */
export function endOrdinal(set: appsv1.StatefulSet): number {
  return startOrdinal(set) + replicaCount(set) - 1;
}

export function ordinalInRange(set: appsv1.StatefulSet, ordinal: number): boolean {
  return ordinal >= startOrdinal(set) && ordinal <= endOrdinal(set);
}

/** The pod's name says it belongs to this set (parent name equal, ordinal present). */
export function isMemberOf(set: appsv1.StatefulSet, pod: corev1.Pod): boolean {
  const { parent, ordinal } = parentNameAndOrdinal(pod);
  return ordinal >= 0 && parent === set.metadata?.name;
}

/** `<template>-<set>-<ordinal>`, the claim a pod's volume of that template refers to. */
export function claimName(template: corev1.PersistentVolumeClaim, set: appsv1.StatefulSet, ordinal: number): string {
  return `${template.metadata?.name ?? ''}-${set.metadata?.name ?? ''}-${ordinal}`;
}

export function setRef(set: appsv1.StatefulSet): OwnerReference {
  return { apiVersion: STATEFULSET_API_VERSION, kind: STATEFULSET_KIND, name: set.metadata?.name, uid: set.metadata?.uid, controller: true, blockOwnerDeletion: true };
}

/** The claims a pod of `ordinal` uses, by template name, as the controller would create them. */
export function persistentVolumeClaims(set: appsv1.StatefulSet, ordinal: number): Map<string, corev1.PersistentVolumeClaim> {
  const claims = new Map<string, corev1.PersistentVolumeClaim>();
  const selectorLabels = set.spec?.selector?.matchLabels ?? {};
  for (const template of set.spec?.volumeClaimTemplates ?? []) {
    const name = template.metadata?.name ?? '';
    claims.set(name, {
      metadata: {
        name: claimName(template, set, ordinal),
        namespace: set.metadata?.namespace,
        labels: { ...(template.metadata?.labels ?? {}), ...selectorLabels },
        annotations: template.metadata?.annotations ? { ...template.metadata.annotations } : undefined,
      },
      spec: structuredClone(template.spec ?? {}),
    });
  }
  return claims;
}

/** Volumes of the template, with each claim template's volume pointing at this ordinal's claim. */
function claimVolumes(set: appsv1.StatefulSet, ordinal: number, volumes: readonly corev1.Volume[]): corev1.Volume[] {
  const claims = persistentVolumeClaims(set, ordinal);
  const result: corev1.Volume[] = [];
  for (const [name, claim] of claims) {
    result.push({ name, persistentVolumeClaim: { claimName: claim.metadata?.name ?? '' } });
  }
  for (const volume of volumes) {
    if (!claims.has(volume.name ?? '')) result.push(volume);
  }
  return result;
}

/** The pod already carries the stable identity of its ordinal. */
export function identityMatches(set: appsv1.StatefulSet, pod: corev1.Pod): boolean {
  const { parent, ordinal } = parentNameAndOrdinal(pod);
  const labels = pod.metadata?.labels ?? {};
  return (
    ordinal >= 0 &&
    parent === set.metadata?.name &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    labels[STATEFULSET_POD_NAME_LABEL] === pod.metadata?.name &&
    labels[POD_INDEX_LABEL] === String(ordinal)
  );
}

/** Every claim template has a volume of the pod naming this ordinal's claim. */
export function storageMatches(set: appsv1.StatefulSet, pod: corev1.Pod): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name ?? '', v]));
  for (const [name, claim] of persistentVolumeClaims(set, ordinal)) {
    if (volumes.get(name)?.persistentVolumeClaim?.claimName !== claim.metadata?.name) return false;
  }
  return true;
}

/** A new pod of the set for `ordinal` (no revision label yet). */
export function newStatefulSetPod(set: appsv1.StatefulSet, ordinal: number): corev1.Pod {
  const template = set.spec?.template ?? {};
  const name = podName(set, ordinal);
  const spec: corev1.PodSpec = structuredClone(template.spec ?? {});
  spec.volumes = claimVolumes(set, ordinal, spec.volumes ?? []);
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  return {
    metadata: {
      name,
      namespace: set.metadata?.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [STATEFULSET_POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      annotations: template.metadata?.annotations ? { ...template.metadata.annotations } : undefined,
      finalizers: template.metadata?.finalizers ? [...template.metadata.finalizers] : undefined,
      ownerReferences: [setRef(set)],
    },
    spec,
  };
}

/**
 * The pod to create for `ordinal` during a rolling update: ordinals below the partition keep
 * the current revision, the others get the update revision.
 */
export function newVersionedPod(
  currentSet: appsv1.StatefulSet,
  updateSet: appsv1.StatefulSet,
  currentRevision: string,
  updateRevision: string,
  ordinal: number,
): corev1.Pod {
  const strategy = currentSet.spec?.updateStrategy;
  const partition = strategy?.rollingUpdate?.partition;
  const useCurrent =
    (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate' &&
    ((partition === undefined && ordinal < startOrdinal(currentSet) + (currentSet.status?.currentReplicas ?? 0)) ||
      (partition !== undefined && ordinal < partition));
  const pod = newStatefulSetPod(useCurrent ? currentSet : updateSet, ordinal);
  pod.metadata!.labels![CONTROLLER_REVISION_HASH_LABEL] = useCurrent ? currentRevision : updateRevision;
  return pod;
}

export function podRevision(pod: corev1.Pod): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

// ---- health ----

function readyCondition(pod: corev1.Pod): corev1.PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** The pod object exists in the API (the apiserver sets phase Pending on create). */
export function isCreated(pod: corev1.Pod): boolean {
  return (pod.status?.phase ?? '') !== '' || !!pod.metadata?.uid;
}
export const isFailed = (pod: corev1.Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: corev1.Pod): boolean => pod.status?.phase === 'Succeeded';
export const isPending = (pod: corev1.Pod): boolean => pod.status?.phase === 'Pending';
export const isTerminating = (pod: corev1.Pod): boolean => !!pod.metadata?.deletionTimestamp;

export function isRunningAndReady(pod: corev1.Pod): boolean {
  return pod.status?.phase === 'Running' && readyCondition(pod)?.status === 'True';
}

/** Running and Ready for at least minReadySeconds at `nowMs`. */
export function isRunningAndAvailable(pod: corev1.Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isRunningAndReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(readyCondition(pod)?.lastTransitionTime ?? '');
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** Running, Ready and not terminating: the pod may count as available for progress. */
export function isHealthy(pod: corev1.Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}

export function byOrdinal(a: corev1.Pod, b: corev1.Pod): number {
  return getOrdinal(a) - getOrdinal(b);
}

// ---- update strategy ----

/** IntOrString scaled against `total` (percentages rounded down), as GetScaledValueFromIntOrPercent. */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (!value) return 0;
  if (value.type === 1 || value.strVal !== undefined) {
    const match = /^(\d+)%$/.exec(value.strVal ?? '');
    if (!match) throw new Error(`invalid value for IntOrString: invalid value "${value.strVal}"`);
    const scaled = (Number(match[1]) * total) / 100;
    return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
  }
  return value.intVal ?? 0;
}

/** maxUnavailable of a RollingUpdate: default 1, percentages of replicas rounded down, at least 1. */
export function maxUnavailable(set: appsv1.StatefulSet): number {
  const raw = set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable;
  if (!raw) return 1;
  return Math.max(1, scaledValue(raw, replicaCount(set), false));
}

export function partition(set: appsv1.StatefulSet): number {
  return Math.max(0, set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0);
}

// ---- claim retention ----

export type RetentionPolicy = 'Retain' | 'Delete';

function retention(set: appsv1.StatefulSet): { whenDeleted: RetentionPolicy; whenScaled: RetentionPolicy } {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted === 'Delete' ? 'Delete' : 'Retain', whenScaled: p?.whenScaled === 'Delete' ? 'Delete' : 'Retain' };
}

/**
 * Which owners a claim must carry for the retention policy: the set (whenDeleted=Delete, unless
 * the pod is scaled away and whenScaled=Retain keeps its claim) and the condemned pod
 * (whenScaled=Delete), so the garbage collector removes the claim with its owner.
 */
export function wantedClaimOwners(set: appsv1.StatefulSet, ordinal: number): { set: boolean; pod: boolean } {
  const { whenDeleted, whenScaled } = retention(set);
  const scaledDown = !ordinalInRange(set, ordinal);
  const pod = scaledDown && whenScaled === 'Delete';
  const onSet = whenDeleted === 'Delete' && !(scaledDown && whenScaled === 'Retain');
  return { set: onSet, pod };
}

function hasOwner(claim: corev1.PersistentVolumeClaim, uid: string | undefined): boolean {
  return !!uid && (claim.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);
}

/** The claim's owners already agree with the policy for this pod. */
export function claimOwnersMatch(set: appsv1.StatefulSet, pod: corev1.Pod, claim: corev1.PersistentVolumeClaim): boolean {
  const want = wantedClaimOwners(set, getOrdinal(pod));
  return hasOwner(claim, set.metadata?.uid) === want.set && hasOwner(claim, pod.metadata?.uid) === (want.pod && !!pod.metadata?.uid);
}

/** The claim's ownerReferences fixed for the policy (other owners kept), or undefined if unchanged. */
export function claimOwnersFor(set: appsv1.StatefulSet, pod: corev1.Pod, claim: corev1.PersistentVolumeClaim): OwnerReference[] | undefined {
  if (claimOwnersMatch(set, pod, claim)) return undefined;
  const want = wantedClaimOwners(set, getOrdinal(pod));
  const setUid = set.metadata?.uid;
  const podUid = pod.metadata?.uid;
  const refs = (claim.metadata?.ownerReferences ?? []).filter((r) => r.uid !== setUid && r.uid !== podUid);
  if (want.set) refs.push(setRef(set));
  if (want.pod && podUid) refs.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: podUid });
  return refs;
}
