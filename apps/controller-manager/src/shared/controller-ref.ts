import type { ApiObject, OwnerReference } from '@minik8s/api';

/** The ownerReference a controller puts on what it creates (controller: true). */
export function controllerRef(owner: ApiObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name,
    uid: owner.metadata?.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The object's managing controller, if any. */
export function getControllerOf(obj: ApiObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller);
}

export function isControlledBy(obj: ApiObject, owner: ApiObject): boolean {
  const ref = getControllerOf(obj);
  return !!ref && ref.uid === owner.metadata?.uid;
}
