import type { corev1 } from '@minik8s/api';
import { realClock, type Clock } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import { NodeInfo } from '../framework/node-info';
import { PodInfo } from '../framework/pod-info';
import type { Snapshot } from '../framework/snapshot';

interface PodState {
  pod: PodInfo;
  /** Counted on its node before the API confirmed the binding. */
  assumed: boolean;
  bindingFinished: boolean;
  /** When an assumed pod whose binding finished is dropped if the informer never confirms it. */
  deadline?: number;
}

export interface CacheOptions {
  clock?: Clock;
  logger?: Logger;
  /** How long an assumed, bound pod may wait for the informer's confirmation (0: forever). */
  assumedPodTtlMs?: number;
}

function uidOf(pod: corev1.Pod): string {
  return pod.metadata?.uid || `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/**
 * The scheduler's view of nodes and the pods on them, including pods it has *assumed*: chosen
 * for a node but not yet confirmed bound. An assumed pod counts against its node at once, so a
 * burst of pods never overcommits a node while bindings are in flight. The informer's add
 * confirms it; a failed binding forgets it.
 */
export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly pods = new Map<string, PodState>();
  /** Nodes changed since the last snapshot update. */
  private readonly dirty = new Set<string>();
  private nodeSetChanged = true;
  private imagesChanged = true;
  private generation = 0;
  private readonly clock: Clock;
  private readonly ttlMs: number;

  constructor(private readonly options: CacheOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.ttlMs = options.assumedPodTtlMs ?? 0;
  }

  private nodeInfo(name: string): NodeInfo {
    let n = this.nodes.get(name);
    if (!n) {
      // Pods can arrive before their node; keep them on a placeholder until it shows up.
      n = new NodeInfo(name);
      this.nodes.set(name, n);
    }
    return n;
  }

  private touch(n: NodeInfo): void {
    n.generation = ++this.generation;
    this.dirty.add(n.name);
  }

  private addPodToNode(pod: PodInfo): void {
    const n = this.nodeInfo(pod.nodeName);
    n.addPod(pod);
    this.touch(n);
  }

  private removePodFromNode(pod: PodInfo): void {
    const n = this.nodes.get(pod.nodeName);
    if (!n) return;
    n.removePod(pod);
    this.touch(n);
    // A placeholder left without pods (its node is gone) goes too.
    if (!n.node && n.pods.length === 0) this.nodes.delete(n.name);
  }

  // ---------------------------------------------------------------------------
  // Pods

  isAssumedPod(pod: corev1.Pod): boolean {
    return this.pods.get(uidOf(pod))?.assumed ?? false;
  }

  getPod(pod: corev1.Pod): PodInfo | undefined {
    return this.pods.get(uidOf(pod))?.pod;
  }

  /** Counts `pod` (spec.nodeName set) on its node before the binding is confirmed. */
  assumePod(pod: PodInfo): void {
    if (this.pods.has(pod.uid)) throw new Error(`pod ${pod.key} (${pod.uid}) is in the cache, so can't be assumed`);
    this.addPodToNode(pod);
    this.pods.set(pod.uid, { pod, assumed: true, bindingFinished: false });
  }

  /** The binding call returned; start the clock on the informer's confirmation. */
  finishBinding(pod: PodInfo): void {
    const s = this.pods.get(pod.uid);
    if (!s?.assumed) return;
    s.bindingFinished = true;
    if (this.ttlMs > 0) s.deadline = this.clock.now() + this.ttlMs;
  }

  /** Undoes assumePod (the binding failed). */
  forgetPod(pod: PodInfo): void {
    const s = this.pods.get(pod.uid);
    if (!s) return;
    if (!s.assumed) {
      this.options.logger?.warn({ pod: pod.key }, 'refusing to forget a pod that is not assumed');
      return;
    }
    this.removePodFromNode(s.pod);
    this.pods.delete(pod.uid);
  }

  /** An assigned pod from the informer: confirms an assumed pod, or adds one bound elsewhere. */
  addPod(pod: corev1.Pod): void {
    const uid = uidOf(pod);
    const s = this.pods.get(uid);
    if (s) {
      // Confirms an assumed pod (it may even have landed on another node than assumed), or
      // is a newer version of one already here.
      this.replacePod(uid, s, pod);
      return;
    }
    const info = new PodInfo(pod);
    this.addPodToNode(info);
    this.pods.set(uid, { pod: info, assumed: false, bindingFinished: true });
  }

  updatePod(_oldPod: corev1.Pod, pod: corev1.Pod): void {
    const uid = uidOf(pod);
    const s = this.pods.get(uid);
    if (s) this.replacePod(uid, s, pod);
    else this.addPod(pod);
  }

  /**
   * Puts the newer `pod` in the place of `s`'s pod. Most updates of a bound pod are its status
   * (the kubelet's) or the binding that confirms an assumed pod: on the same node and with the
   * same spec, the node keeps its sums and only the PodInfo is swapped.
   */
  private replacePod(uid: string, s: PodState, pod: corev1.Pod): void {
    const info = s.pod.updatedTo(pod);
    const n = this.nodes.get(info.nodeName);
    if (info.nodeName === s.pod.nodeName && info.requests === s.pod.requests && n?.replacePod(info)) {
      this.touch(n);
    } else {
      this.removePodFromNode(s.pod);
      this.addPodToNode(info);
    }
    this.pods.set(uid, { pod: info, assumed: false, bindingFinished: true });
  }

  removePod(pod: corev1.Pod): void {
    const uid = uidOf(pod);
    const s = this.pods.get(uid);
    if (!s) return;
    this.removePodFromNode(s.pod);
    this.pods.delete(uid);
  }

  /** Drops assumed pods whose binding finished long ago without the informer confirming it. */
  cleanupExpiredAssumedPods(): number {
    if (this.ttlMs <= 0) return 0;
    const now = this.clock.now();
    let n = 0;
    for (const [uid, s] of this.pods) {
      if (s.assumed && s.bindingFinished && s.deadline !== undefined && s.deadline < now) {
        this.options.logger?.warn({ pod: s.pod.key, node: s.pod.nodeName }, 'assumed pod expired');
        this.removePodFromNode(s.pod);
        this.pods.delete(uid);
        n++;
      }
    }
    return n;
  }

  // ---------------------------------------------------------------------------
  // Nodes

  addNode(node: corev1.Node): void {
    const n = this.nodeInfo(node.metadata?.name ?? '');
    n.setNode(node);
    this.touch(n);
    this.nodeSetChanged = true;
    this.imagesChanged = true;
  }

  updateNode(_oldNode: corev1.Node, node: corev1.Node): void {
    const n = this.nodeInfo(node.metadata?.name ?? '');
    const hadNode = !!n.node;
    const oldImages = n.imageSizes;
    n.setNode(node);
    this.touch(n);
    if (!hadNode) this.nodeSetChanged = true;
    if (oldImages.size !== n.imageSizes.size || [...n.imageSizes.keys()].some((k) => !oldImages.has(k))) this.imagesChanged = true;
  }

  removeNode(node: corev1.Node): void {
    const name = node.metadata?.name ?? '';
    const n = this.nodes.get(name);
    if (!n) return;
    n.node = undefined;
    this.touch(n);
    if (n.pods.length === 0) this.nodes.delete(name);
    this.nodeSetChanged = true;
    this.imagesChanged = true;
  }

  get nodeCount(): number {
    let count = 0;
    for (const n of this.nodes.values()) if (n.node) count++;
    return count;
  }

  get podCount(): number {
    return this.pods.size;
  }

  /** The cache's own NodeInfo (for tests and debugging; do not mutate). */
  nodeInfoFor(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /**
   * Brings `snapshot` up to date: copies only the nodes that changed since the last call, and
   * rebuilds the node list only when nodes came or went.
   */
  updateSnapshot(snapshot: Snapshot): void {
    if (this.dirty.size === 0 && snapshot.generation === this.generation) return;
    let listChanged = this.nodeSetChanged;
    for (const name of this.dirty) {
      const n = this.nodes.get(name);
      const prev = snapshot.nodeInfoMap.get(name);
      if (!n || !n.node) {
        if (prev) {
          snapshot.nodeInfoMap.delete(name);
          listChanged = true;
        }
        continue;
      }
      const copy = n.clone();
      snapshot.nodeInfoMap.set(name, copy);
      if (!prev) {
        listChanged = true;
        continue;
      }
      // (It keeps the affinity lists current too.)
      if (!listChanged) snapshot.replaceInList(copy);
    }
    this.dirty.clear();
    if (listChanged) snapshot.rebuildLists();
    if (this.imagesChanged) snapshot.rebuildImages();
    this.nodeSetChanged = false;
    this.imagesChanged = false;
    snapshot.generation = this.generation;
  }
}
