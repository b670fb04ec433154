import { isNotFound, type ApiObject, type OwnerReference, type Selector } from '@minik8s/api';
import { getControllerOf } from './controller-ref';
import { MultiError, toError } from './multi-error';

/**
 * The merge patch that sets an object's ownerReferences to `refs`. A merge patch replaces the
 * whole list, so it names the object's uid and the resourceVersion the list was read at: a
 * concurrent change of the list fails with Conflict instead of being overwritten.
 */
export function ownerReferencesPatch(obj: ApiObject, refs: OwnerReference[]): unknown {
  return {
    metadata: {
      uid: obj.metadata?.uid,
      resourceVersion: obj.metadata?.resourceVersion,
      ownerReferences: refs.length > 0 ? refs : null,
    },
  };
}

export interface ClaimOptions<T extends ApiObject> {
  owner: ApiObject;
  /** The controllerRef adopted objects get. */
  ref: OwnerReference;
  selector: Selector;
  /** Writes an ownerReferences patch to one object. */
  patch: (obj: T, patch: unknown) => Promise<void>;
  /** A fresh read, before the first adoption, that fails when the owner is gone or being deleted. */
  canAdopt: () => Promise<void>;
  /** Used in error messages: "Pod", "ControllerRevision". */
  kind: string;
}

/**
 * Kubernetes' BaseControllerRefManager.ClaimObject over a list (ClaimPods,
 * ClaimControllerRevisions): returns the objects this owner controls after adopting matching
 * orphans of its namespace and releasing its objects that no longer match. Nothing is adopted or
 * released while the owner is being deleted; objects of other controllers are left alone.
 * Failures other than NotFound are thrown together once every object was tried.
 */
export async function claimObjects<T extends ApiObject>(objects: readonly T[], options: ClaimOptions<T>): Promise<T[]> {
  const { owner, ref, selector } = options;
  const ownerUid = owner.metadata?.uid;
  const ownerDeleting = !!owner.metadata?.deletionTimestamp;
  const claimed: T[] = [];
  const errors: Error[] = [];
  let adoptCheck: Promise<void> | undefined;
  for (const obj of objects) {
    const meta = obj.metadata ?? {};
    const refs = meta.ownerReferences ?? [];
    const controller = getControllerOf(obj);
    const matches = selector.matches(meta.labels);
    if (controller) {
      if (controller.uid !== ownerUid) continue;
      if (matches) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      try {
        await options.patch(
          obj,
          ownerReferencesPatch(
            obj,
            refs.filter((r) => r.uid !== ownerUid),
          ),
        );
      } catch (err) {
        if (!isNotFound(err)) errors.push(toError(err));
      }
      continue;
    }
    if (ownerDeleting || !matches || meta.deletionTimestamp) continue;
    if (meta.namespace !== owner.metadata?.namespace) continue;
    adoptCheck ??= options.canAdopt();
    try {
      await adoptCheck;
    } catch (err) {
      errors.push(new Error(`can't adopt ${options.kind} ${meta.namespace}/${meta.name} (${meta.uid}): ${toError(err).message}`));
      continue;
    }
    try {
      await options.patch(obj, ownerReferencesPatch(obj, [...refs.filter((r) => r.uid !== ownerUid), ref]));
      claimed.push(obj);
    } catch (err) {
      if (!isNotFound(err)) errors.push(toError(err));
    }
  }
  if (errors.length > 0) throw new MultiError(errors);
  return claimed;
}
