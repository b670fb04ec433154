// What several commands know about workload objects: where a kind keeps its pod spec, an object's
// controller, and the annotations and labels of rollouts.

import type { ApiObject, corev1, KindInfo, OwnerReference } from '@minik8s/api';

/** The rollout number, on a Deployment and each of its ReplicaSets. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Why a revision was made; shown by `rollout history`. */
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
/** The label a Deployment's ReplicaSets and pods carry to tell templates apart. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** The pod-template annotation `rollout restart` sets, so every pod is replaced. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** Marks pods a kubelet runs from a static manifest; drain leaves them alone. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

type Templated = ApiObject & { spec?: { template?: corev1.PodTemplateSpec } };
type CronJobLike = ApiObject & { spec?: { jobTemplate?: { spec?: { template?: corev1.PodTemplateSpec } } } };

const TEMPLATED_KINDS = new Set(['/ReplicationController', 'apps/Deployment', 'apps/ReplicaSet', 'apps/DaemonSet', 'apps/StatefulSet', 'batch/Job']);

/**
 * The pod spec of an object of a kind that has one (a Pod's own, a workload's template's, a
 * CronJob's job template's), created empty where missing so it can be changed in place; undefined
 * for kinds without pods.
 */
export function podSpecOf(info: KindInfo, obj: ApiObject): corev1.PodSpec | undefined {
  const key = `${info.group}/${info.kind}`;
  if (key === '/Pod') {
    const pod = obj as corev1.Pod;
    return (pod.spec ??= {});
  }
  if (TEMPLATED_KINDS.has(key)) {
    const spec = ((obj as Templated).spec ??= {});
    return ((spec.template ??= {}).spec ??= {});
  }
  if (key === 'batch/CronJob') {
    const spec = ((obj as CronJobLike).spec ??= {});
    const jobSpec = ((spec.jobTemplate ??= {}).spec ??= {});
    return ((jobSpec.template ??= {}).spec ??= {});
  }
  return undefined;
}

/** The owner reference marked as the object's controller. */
export function controllerOf(obj: ApiObject): OwnerReference | undefined {
  return (obj.metadata?.ownerReferences ?? []).find((ref) => ref.controller === true);
}

/** Whether `obj` is controlled by the object with this uid. */
export function isControlledBy(obj: ApiObject, uid: string | undefined): boolean {
  return uid !== undefined && controllerOf(obj)?.uid === uid;
}

/** `kind.group` as kubectl names a group and kind in messages (`Deployment.apps`, `Pod`). */
export function groupKind(info: KindInfo): string {
  return info.group ? `${info.kind}.${info.group}` : info.kind;
}
