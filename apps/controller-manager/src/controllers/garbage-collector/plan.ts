import type { ApiObject, KindInfo, OwnerReference } from '@minik8s/api';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from './graph';

/**
 * How a dependent sees one of its owners once the owner was looked up live:
 * - solid: the owner exists and is not deleting its dependents in the foreground;
 * - dangling: the owner is gone (NotFound, or the name now belongs to another uid);
 * - waiting: the owner exists, has a deletionTimestamp and the foregroundDeletion finalizer.
 */
export type OwnerState = 'solid' | 'dangling' | 'waiting';

export interface ClassifiedReference {
  ref: OwnerReference;
  state: OwnerState;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/** What to do about a dependent that is not itself being deleted. */
export type DependentAction =
  | { type: 'none' }
  | { type: 'removeOwnerReferences'; ownerUids: string[] }
  | { type: 'delete'; propagationPolicy: PropagationPolicy; unblockOwnerReferences: boolean };

/** What the graph knows of a dependent, as its owner's plan needs it. */
export interface DependentView {
  uid: string;
  /** Its reference to the owner has blockOwnerDeletion=true. */
  blocking: boolean;
  deletingDependents: boolean;
  beingDeleted: boolean;
}

/** One step of handling an owner that is being deleted, in order. */
export type OwnerStep =
  | { type: 'orphanDependents'; dependentUids: string[] }
  | { type: 'removeFinalizer'; finalizer: string }
  | { type: 'enqueue'; uids: string[] };

export function hasFinalizer(obj: ApiObject, finalizer: string): boolean {
  return (obj.metadata?.finalizers ?? []).includes(finalizer);
}

/** The state of a reference given the live owner (undefined when the GET found nothing). */
export function ownerState(ref: OwnerReference, owner: ApiObject | undefined): OwnerState {
  if (!owner || owner.metadata?.uid !== ref.uid) return 'dangling';
  if (owner.metadata?.deletionTimestamp && hasFinalizer(owner, FOREGROUND_FINALIZER)) return 'waiting';
  return 'solid';
}

/**
 * Kubernetes' attemptToDeleteItem for an object with owners, given the live object, its
 * classified references, and its own dependents in the graph:
 * - some owner solid: keep it, but drop references to dangling and waiting owners (a waiting
 *   owner would otherwise wait forever for a dependent that has another owner);
 * - an owner waits for its dependents and this object has dependents of its own: delete it in
 *   the foreground too, first making its references non-blocking if one of its dependents is
 *   also deleting in the foreground (a possible cycle);
 * - otherwise: delete it, honouring an orphan or foregroundDeletion finalizer it already has.
 */
export function planDependent(
  item: ApiObject,
  refs: readonly ClassifiedReference[],
  dependents: readonly Pick<DependentView, 'deletingDependents'>[],
): DependentAction {
  // Being deleted is a one-way trip; its dependents are handled when it is gone.
  if (item.metadata?.deletionTimestamp || refs.length === 0) return { type: 'none' };
  const solid = refs.filter((r) => r.state === 'solid');
  const dangling = refs.filter((r) => r.state === 'dangling');
  const waiting = refs.filter((r) => r.state === 'waiting');
  if (solid.length > 0) {
    if (dangling.length === 0 && waiting.length === 0) return { type: 'none' };
    return { type: 'removeOwnerReferences', ownerUids: [...dangling, ...waiting].map((r) => r.ref.uid as string) };
  }
  if (waiting.length > 0 && dependents.length > 0) {
    return { type: 'delete', propagationPolicy: 'Foreground', unblockOwnerReferences: dependents.some((d) => d.deletingDependents) };
  }
  let propagationPolicy: PropagationPolicy = 'Background';
  if (hasFinalizer(item, ORPHAN_FINALIZER)) propagationPolicy = 'Orphan';
  else if (hasFinalizer(item, FOREGROUND_FINALIZER)) propagationPolicy = 'Foreground';
  return { type: 'delete', propagationPolicy, unblockOwnerReferences: false };
}

/**
 * An owner with a deletionTimestamp: with `orphan`, its dependents lose their reference to it
 * and then the finalizer goes; with `foregroundDeletion`, the finalizer goes once no dependent
 * blocks it, and until then the blocking dependents get a look.
 */
export function planDeletingOwner(owner: ApiObject, dependents: readonly DependentView[]): OwnerStep[] {
  if (!owner.metadata?.deletionTimestamp) return [];
  const steps: OwnerStep[] = [];
  let remaining = dependents;
  if (hasFinalizer(owner, ORPHAN_FINALIZER)) {
    if (dependents.length > 0) steps.push({ type: 'orphanDependents', dependentUids: dependents.map((d) => d.uid) });
    steps.push({ type: 'removeFinalizer', finalizer: ORPHAN_FINALIZER });
    remaining = [];
  }
  if (hasFinalizer(owner, FOREGROUND_FINALIZER)) {
    const blocking = remaining.filter((d) => d.blocking);
    if (blocking.length === 0) {
      steps.push({ type: 'removeFinalizer', finalizer: FOREGROUND_FINALIZER });
    } else {
      // A dependent already on its way out needs nothing from us; one deleting its own
      // dependents is driven by its own key.
      const uids = blocking.filter((d) => !d.deletingDependents && !d.beingDeleted).map((d) => d.uid);
      if (uids.length > 0) steps.push({ type: 'enqueue', uids });
    }
  }
  return steps;
}

/**
 * Kinds that are only the body of another kind's subresource (Binding for pods/binding,
 * Scale for each kind's scale subresource): nothing of theirs is stored, listed or watched.
 */
export function isStoredKind(info: KindInfo, all: readonly KindInfo[]): boolean {
  return !all.some((other) => other !== info && (other.subresources as readonly string[]).includes(info.singular));
}

const NOT_COLLECTED = new Set(['/Event', 'coordination.k8s.io/Lease', 'events.k8s.io/Event']);

/** The kinds whose objects the garbage collector watches: every stored kind but Events and Leases. */
export function garbageCollectedKinds(all: readonly KindInfo[]): KindInfo[] {
  return all.filter((info) => isStoredKind(info, all) && !NOT_COLLECTED.has(`${info.group}/${info.kind}`));
}
