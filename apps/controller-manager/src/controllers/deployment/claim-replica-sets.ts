import { isNotFound, type appsv1, type OwnerReference, type Selector } from '@minik8s/api';
import { getControllerOf } from '../../shared/controller-ref';

type ReplicaSet = appsv1.ReplicaSet;
type Deployment = appsv1.Deployment;

/** Several failures of one claim, reported together. */
export class ClaimError extends Error {
  constructor(readonly errors: readonly Error[]) {
    super(errors.length === 1 ? errors[0].message : `[${errors.map((e) => e.message).join(', ')}]`);
    this.name = 'ClaimError';
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * The merge patch that sets a ReplicaSet's ownerReferences to `refs`. A merge patch replaces the
 * whole list, so it names the uid and resourceVersion it was computed from: a concurrent change
 * of the list fails with Conflict instead of being lost.
 */
export function ownerReferencesPatch(rs: ReplicaSet, refs: OwnerReference[]): unknown {
  return {
    metadata: {
      uid: rs.metadata?.uid,
      resourceVersion: rs.metadata?.resourceVersion,
      ownerReferences: refs.length > 0 ? refs : null,
    },
  };
}

export interface ClaimReplicaSetsOptions {
  deployment: Deployment;
  selector: Selector;
  /** The controllerRef adopted ReplicaSets get. */
  ref: OwnerReference;
  patch(namespace: string, name: string, patch: unknown): Promise<ReplicaSet>;
  /** A fresh read that fails when the Deployment is gone or being deleted; called once, before the first adoption. */
  canAdopt(): Promise<void>;
}

/**
 * Kubernetes' ReplicaSetControllerRefManager.ClaimReplicaSets: of the namespace's ReplicaSets,
 * returns those the Deployment controls after adopting matching orphans and releasing its own
 * that no longer match. Others' ReplicaSets are left alone; nothing is adopted or released while
 * the Deployment is being deleted. Failures other than NotFound are thrown together at the end.
 */
export async function claimReplicaSets(all: readonly ReplicaSet[], options: ClaimReplicaSetsOptions): Promise<ReplicaSet[]> {
  const { deployment, selector, ref } = options;
  const uid = deployment.metadata?.uid;
  const deleting = !!deployment.metadata?.deletionTimestamp;
  const claimed: ReplicaSet[] = [];
  const errors: Error[] = [];
  let adoptCheck: Promise<void> | undefined;

  for (const rs of all) {
    const meta = rs.metadata ?? {};
    const refs = meta.ownerReferences ?? [];
    const controller = getControllerOf(rs);
    const matches = selector.matches(meta.labels);
    if (controller) {
      if (controller.uid !== uid) continue;
      if (matches) {
        claimed.push(rs);
        continue;
      }
      if (deleting) continue;
      try {
        await options.patch(meta.namespace ?? '', meta.name ?? '', ownerReferencesPatch(rs, refs.filter((r) => r.uid !== uid)));
      } catch (err) {
        if (!isNotFound(err)) errors.push(toError(err));
      }
      continue;
    }
    // An orphan: adopt it if it matches, is not going away, and lives in the Deployment's namespace.
    if (deleting || !matches || meta.deletionTimestamp || meta.namespace !== deployment.metadata?.namespace) continue;
    adoptCheck ??= options.canAdopt();
    try {
      await adoptCheck;
    } catch (err) {
      errors.push(new Error(`can't adopt ReplicaSet ${meta.namespace}/${meta.name} (${meta.uid}): ${toError(err).message}`));
      continue;
    }
    try {
      claimed.push(await options.patch(meta.namespace ?? '', meta.name ?? '', ownerReferencesPatch(rs, [...refs.filter((r) => r.uid !== uid), ref])));
    } catch (err) {
      if (!isNotFound(err)) errors.push(toError(err));
    }
  }
  if (errors.length > 0) throw new ClaimError(errors);
  return claimed;
}
