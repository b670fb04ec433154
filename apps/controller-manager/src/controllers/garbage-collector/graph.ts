import type { OwnerReference } from '@minik8s/api';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/** Where an object lives and which incarnation it is. */
export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  /** Undefined for cluster-scoped objects. */
  namespace?: string;
  name: string;
  uid: string;
}

/** What the graph needs to know of an object's metadata. */
export interface ObservedMeta {
  ownerReferences?: readonly OwnerReference[];
  deletionTimestamp?: string;
  finalizers?: readonly string[];
}

/**
 * One object in the ownership graph. A virtual node stands for an owner that some dependent
 * names but no informer has shown yet; it is verified against the apiserver.
 */
export class GraphNode {
  owners: readonly OwnerReference[] = [];
  readonly dependents = new Set<GraphNode>();
  virtual: boolean;
  /** The object has a deletionTimestamp (a one-way trip). */
  beingDeleted = false;
  /** The object has a deletionTimestamp and the foregroundDeletion finalizer. */
  deletingDependents = false;
  /** The object has a deletionTimestamp and the orphan finalizer. */
  orphaningDependents = false;

  constructor(
    public identity: ObjectIdentity,
    virtual: boolean,
  ) {
    this.virtual = virtual;
  }

  get uid(): string {
    return this.identity.uid;
  }

  /** The reference this node holds to `ownerUid`, if any. */
  referenceTo(ownerUid: string): OwnerReference | undefined {
    return this.owners.find((ref) => ref.uid === ownerUid);
  }

  /** Dependents whose reference to this node has blockOwnerDeletion=true. */
  blockingDependents(): GraphNode[] {
    return [...this.dependents].filter((dep) => dep.referenceTo(this.uid)?.blockOwnerDeletion === true);
  }
}

/** The differences between two ownerReferences lists, matched by uid. */
export function referencesDiff(
  oldRefs: readonly OwnerReference[],
  newRefs: readonly OwnerReference[],
): { added: OwnerReference[]; removed: OwnerReference[]; unblocked: OwnerReference[] } {
  const oldByUid = new Map(oldRefs.filter((r) => r.uid).map((r) => [r.uid as string, r]));
  const newByUid = new Map(newRefs.filter((r) => r.uid).map((r) => [r.uid as string, r]));
  const added = [...newByUid.values()].filter((r) => !oldByUid.has(r.uid as string));
  const removed = [...oldByUid.values()].filter((r) => !newByUid.has(r.uid as string));
  const unblocked = [...newByUid.values()].filter((r) => oldByUid.get(r.uid as string)?.blockOwnerDeletion === true && r.blockOwnerDeletion !== true);
  return { added, removed, unblocked };
}

/** The identity of the owner a reference names, seen from a dependent in `namespace`. */
export function ownerIdentity(ref: OwnerReference, namespace: string | undefined, ownerNamespaced: boolean): ObjectIdentity {
  return {
    apiVersion: ref.apiVersion ?? '',
    kind: ref.kind ?? '',
    namespace: ownerNamespaced ? namespace : undefined,
    name: ref.name ?? '',
    uid: ref.uid ?? '',
  };
}

/**
 * The garbage collector's view of ownership: every object by uid, with its owners and its
 * dependents. It changes only through `observe` and `remove`, each of which answers which
 * uids now need a look (the work-queue keys). Pure: no I/O, no clock.
 */
export class OwnershipGraph {
  private readonly nodes = new Map<string, GraphNode>();

  /**
   * @param isNamespacedKind whether an owner kind (apiVersion, kind) is namespaced, so a
   *   virtual owner gets the right identity; unknown kinds count as namespaced.
   */
  constructor(private readonly isNamespacedKind: (apiVersion: string, kind: string) => boolean = () => true) {}

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  uids(): string[] {
    return [...this.nodes.keys()];
  }

  /** An object added or updated, as an informer saw it. */
  observe(identity: ObjectIdentity, meta: ObservedMeta): string[] {
    const enqueue = new Set<string>();
    const owners = (meta.ownerReferences ?? []).filter((r) => !!r.uid);
    let node = this.nodes.get(identity.uid);
    if (!node) {
      node = new GraphNode(identity, false);
      node.owners = owners;
      this.nodes.set(identity.uid, node);
      this.addToOwners(node, owners, enqueue);
    } else {
      node.virtual = false;
      node.identity = identity;
      const { added, removed, unblocked } = referencesDiff(node.owners, owners);
      // An owner waiting for its blocking dependents may now be free to go.
      for (const ref of [...removed, ...unblocked]) {
        const owner = this.nodes.get(ref.uid as string);
        if (owner?.deletingDependents) enqueue.add(owner.uid);
      }
      node.owners = owners;
      this.addToOwners(node, added, enqueue);
      this.removeFromOwners(node, removed);
    }
    const finalizers = meta.finalizers ?? [];
    const deleting = !!meta.deletionTimestamp;
    const wasDeletingDependents = node.deletingDependents;
    node.beingDeleted = node.beingDeleted || deleting;
    node.deletingDependents = deleting && finalizers.includes(FOREGROUND_FINALIZER);
    node.orphaningDependents = deleting && finalizers.includes(ORPHAN_FINALIZER);
    if (node.orphaningDependents) enqueue.add(node.uid);
    if (node.deletingDependents) {
      enqueue.add(node.uid);
      // Starting foreground deletion: every dependent gets a look, blocking or not.
      if (!wasDeletingDependents) for (const dep of node.dependents) enqueue.add(dep.uid);
    }
    return [...enqueue];
  }

  /**
   * An object that is gone: seen deleted by an informer, or found absent by a live GET (also
   * for virtual nodes). Its dependents need a look, and so do owners waiting for it.
   */
  remove(uid: string): string[] {
    const node = this.nodes.get(uid);
    if (!node) return [];
    this.nodes.delete(uid);
    this.removeFromOwners(node, node.owners);
    const enqueue = new Set<string>();
    for (const dep of node.dependents) enqueue.add(dep.uid);
    for (const ref of node.owners) {
      const owner = this.nodes.get(ref.uid as string);
      if (owner?.deletingDependents) enqueue.add(owner.uid);
    }
    return [...enqueue];
  }

  private addToOwners(node: GraphNode, refs: readonly OwnerReference[], enqueue: Set<string>): void {
    for (const ref of refs) {
      const uid = ref.uid as string;
      let owner = this.nodes.get(uid);
      if (!owner) {
        // An owner no informer has shown yet: verify it with the apiserver.
        const namespaced = this.isNamespacedKind(ref.apiVersion ?? '', ref.kind ?? '');
        owner = new GraphNode(ownerIdentity(ref, node.identity.namespace, namespaced), true);
        this.nodes.set(uid, owner);
        enqueue.add(uid);
      }
      owner.dependents.add(node);
      // A new dependent of an owner in foreground deletion must go too.
      if (owner.deletingDependents) enqueue.add(node.uid);
    }
  }

  private removeFromOwners(node: GraphNode, refs: readonly OwnerReference[]): void {
    for (const ref of refs) {
      const owner = this.nodes.get(ref.uid as string);
      if (!owner) continue;
      owner.dependents.delete(node);
      // A virtual owner exists only for its dependents.
      if (owner.virtual && owner.dependents.size === 0) this.nodes.delete(owner.uid);
    }
  }
}
