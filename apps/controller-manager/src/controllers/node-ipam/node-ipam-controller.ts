import { isConflict, isNotFound, type corev1 } from '@minik8s/api';
import { MERGE_PATCH, Nodes, WorkQueue, type EventHandlers, type EventRecorder, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import { cidrSetsFor, formatCidr, type CidrSet } from './cidr-set';

export const NODE_IPAM_CONTROLLER_NAME = 'node-ipam';
/** The event source Kubernetes' range allocator reports as. */
const EVENT_COMPONENT = 'cidrAllocator';
/** A patch refused by a Conflict is tried again on a fresh read this many times in one sync. */
const PATCH_ATTEMPTS = 3;

/** The Node calls the allocator makes: a fresh read, and a merge patch of spec.podCIDR(s). */
export interface NodeCidrClient {
  get(name: string): Promise<corev1.Node>;
  patch(name: string, patch: unknown): Promise<corev1.Node>;
}

export type EventSink = Pick<EventRecorder, 'event'>;

export interface NodeIpamControllerDeps {
  nodes: Lister<corev1.Node>;
  nodeClient: NodeCidrClient;
  /** One set per cluster CIDR (one per IP family); a node gets one range from each. */
  cidrSets: CidrSet[];
  recorder: EventSink;
  logger: Logger;
  concurrentSyncs?: number;
  queue?: WorkQueue<string>;
  waitForCacheSync?: () => Promise<boolean>;
}

/** A node's pod CIDRs as the API holds them: podCIDRs, or the singular field alone. */
export function nodePodCidrs(node: corev1.Node): string[] {
  const plural = node.spec?.podCIDRs ?? [];
  if (plural.length > 0) return [...plural];
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function asNode(node: corev1.Node): corev1.Node {
  return { ...node, apiVersion: 'v1', kind: 'Node' };
}

/**
 * Kubernetes' node IPAM controller with the range allocator: every Node without spec.podCIDR gets
 * the next free range of each cluster CIDR, written as spec.podCIDR and spec.podCIDRs by a merge
 * patch pinned to the resourceVersion it read, and a deleted Node's ranges become free again.
 *
 * The used set lives in memory: `run` rebuilds it from every cached Node before the first
 * allocation, so a restarted controller never hands out a range a Node already holds. Each range
 * remembers which nodes hold it, so two Nodes given the same range by hand do not free it for a
 * third when one of them goes. A node that finds every range taken gets a CIDRNotAvailable event
 * and waits; the next release queues it again.
 */
export class NodeIpamController implements Controller {
  readonly name = NODE_IPAM_CONTROLLER_NAME;
  readonly queue: WorkQueue<string>;
  private readonly logger: Logger;
  /** range → the nodes holding it (set on the Node, or reserved for it and being written). */
  private readonly holders = new Map<string, Set<string>>();
  /** node → the ranges counted as its. */
  private readonly byNode = new Map<string, string[]>();
  /** Nodes that found every range taken. */
  private readonly waiting = new Set<string>();
  private rebuilt = false;

  constructor(private readonly deps: NodeIpamControllerDeps) {
    if (deps.cidrSets.length === 0) throw new Error('node-ipam needs at least one cluster CIDR');
    this.logger = deps.logger;
    this.queue = deps.queue ?? new WorkQueue<string>();
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.rebuild();
    this.logger.info(
      { controller: this.name, clusterCidrs: this.deps.cidrSets.map((s) => `${formatCidr(s.cluster)} in /${s.nodeMaskSize}s`), used: this.usedCount() },
      'starting controller',
    );
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.logger);
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  /** Marks every range a cached Node holds as used; idempotent, and run before any allocation. */
  rebuild(): void {
    for (const node of this.deps.nodes.list()) {
      const cidrs = nodePodCidrs(node);
      if (cidrs.length > 0) this.assign(node.metadata?.name ?? '', cidrs);
    }
    this.rebuilt = true;
  }

  private usedCount(): number[] {
    return this.deps.cidrSets.map((s) => s.allocated);
  }

  // ---- event handlers: they only queue node names ----

  nodeHandlers(): EventHandlers<corev1.Node> {
    return {
      onAdd: (node) => this.queue.add(node.metadata?.name ?? ''),
      onUpdate: (old, cur) => {
        const curCidrs = nodePodCidrs(cur);
        // Status heartbeats of a node that already has its ranges change nothing here.
        if (curCidrs.length > 0 && sameList(curCidrs, nodePodCidrs(old)) && old.metadata?.uid === cur.metadata?.uid) return;
        this.queue.add(cur.metadata?.name ?? '');
      },
      onDelete: (node) => this.queue.add(node.metadata?.name ?? ''),
    };
  }

  // ---- the level-triggered sync ----

  /** Gives node `name` its ranges, records ranges it already has, or frees those of a deleted node. */
  async sync(name: string): Promise<void> {
    if (!this.rebuilt) this.rebuild();
    const cached = this.deps.nodes.get(undefined, name);
    if (!cached) {
      this.releaseNode(name);
      return;
    }
    const existing = nodePodCidrs(cached);
    if (existing.length > 0) {
      this.waiting.delete(name);
      this.assign(name, existing);
      return;
    }
    let reserved = this.byNode.get(name);
    if (!reserved) {
      reserved = this.allocate(name);
      if (!reserved) {
        this.waiting.add(name);
        this.logger.warn({ node: name }, 'no pod CIDR left to allocate');
        await this.deps.recorder.event(asNode(cached), 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        return;
      }
    }
    this.waiting.delete(name);
    await this.writeCidrs(cached, reserved);
  }

  /** Patches spec.podCIDR(s), pinned to the resourceVersion read; on Conflict reads again. */
  private async writeCidrs(cached: corev1.Node, cidrs: string[]): Promise<void> {
    const name = cached.metadata?.name ?? '';
    let current = cached;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.nodeClient.patch(name, {
          metadata: { resourceVersion: current.metadata?.resourceVersion },
          spec: { podCIDR: cidrs[0], podCIDRs: cidrs },
        });
        this.logger.info({ node: name, podCIDRs: cidrs }, 'set node pod CIDR');
        return;
      } catch (err) {
        if (isNotFound(err)) {
          this.releaseNode(name);
          return;
        }
        // Anything else keeps the reservation: the retry writes the same ranges.
        if (!isConflict(err) || attempt >= PATCH_ATTEMPTS) throw err;
      }
      try {
        current = await this.deps.nodeClient.get(name);
      } catch (err) {
        if (isNotFound(err)) {
          this.releaseNode(name);
          return;
        }
        throw err;
      }
      if (current.metadata?.uid !== cached.metadata?.uid) {
        // Deleted and created again meanwhile: its own sync handles the new one.
        this.queue.add(name);
        return;
      }
      const theirs = nodePodCidrs(current);
      if (theirs.length > 0) {
        // Someone else set them first; ours go back to the pool.
        this.assign(name, theirs);
        return;
      }
    }
  }

  /** One range from each set for `name`, recorded as its; undefined (nothing kept) when one set is full. */
  private allocate(name: string): string[] | undefined {
    const cidrs: string[] = [];
    for (const set of this.deps.cidrSets) {
      const cidr = set.allocateNext();
      if (cidr === undefined) {
        for (const [i, taken] of cidrs.entries()) this.deps.cidrSets[i].release(taken);
        return undefined;
      }
      cidrs.push(cidr);
    }
    for (const cidr of cidrs) this.holdersOf(cidr).add(name);
    this.byNode.set(name, cidrs);
    return cidrs;
  }

  private holdersOf(cidr: string): Set<string> {
    let set = this.holders.get(cidr);
    if (!set) this.holders.set(cidr, (set = new Set()));
    return set;
  }

  private setFor(cidr: string): CidrSet | undefined {
    return this.deps.cidrSets.find((s) => s.contains(cidr));
  }

  /** Records that node `name` holds exactly `cidrs`, occupying them and freeing what it held before. */
  private assign(name: string, cidrs: string[]): void {
    const previous = this.byNode.get(name) ?? [];
    if (sameList(previous, cidrs) && cidrs.every((c) => this.holders.get(c)?.has(name))) return;
    for (const cidr of previous) if (!cidrs.includes(cidr)) this.unhold(name, cidr);
    for (const cidr of cidrs) {
      const holders = this.holdersOf(cidr);
      const others = [...holders].filter((n) => n !== name);
      if (others.length > 0) this.logger.warn({ node: name, podCIDR: cidr, alsoHeldBy: others }, 'two nodes hold the same pod CIDR');
      holders.add(name);
      const set = this.setFor(cidr);
      if (set) set.occupy(cidr);
      else this.logger.warn({ node: name, podCIDR: cidr }, 'node pod CIDR is outside the cluster CIDR; not tracked');
    }
    this.byNode.set(name, cidrs);
  }

  private unhold(name: string, cidr: string): void {
    const holders = this.holders.get(cidr);
    holders?.delete(name);
    if (holders && holders.size > 0) return;
    this.holders.delete(cidr);
    this.setFor(cidr)?.release(cidr);
    // A freed range may be what a waiting node needs.
    for (const waiting of this.waiting) this.queue.add(waiting);
    this.waiting.clear();
  }

  /** Frees the ranges of a node that is gone. */
  private releaseNode(name: string): void {
    this.waiting.delete(name);
    const cidrs = this.byNode.get(name);
    if (!cidrs) return;
    this.byNode.delete(name);
    for (const cidr of cidrs) this.unhold(name, cidr);
    this.logger.info({ node: name, podCIDRs: cidrs }, 'released node pod CIDR');
  }

  /** The ranges counted as node `name`'s (for tests and debugging). */
  cidrsOf(name: string): readonly string[] | undefined {
    return this.byNode.get(name);
  }
}

/** Builds the controller on the shared Node informer, from --cluster-cidr and --node-cidr-mask-size. */
export function newNodeIpamController(context: ControllerContext): NodeIpamController {
  const nodes = context.informers.informerFor(Nodes);
  const client = context.client.resource(Nodes);
  const controller = new NodeIpamController({
    nodes,
    nodeClient: {
      get: (name) => client.get(name),
      patch: (name, patch) => client.patch(name, MERGE_PATCH, patch),
    },
    cidrSets: cidrSetsFor(context.options.clusterCidr, context.options.nodeCidrMaskSize),
    recorder: context.recorder(EVENT_COMPONENT),
    logger: context.logger.child({ controller: NODE_IPAM_CONTROLLER_NAME }),
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: () => nodes.waitForCacheSync(),
  });
  nodes.addEventHandler(controller.nodeHandlers());
  return controller;
}

/** `node-ipam`: gives each Node a podCIDR from --cluster-cidr. */
export const nodeIpamControllerFactory: ControllerFactory = (context) => newNodeIpamController(context);
