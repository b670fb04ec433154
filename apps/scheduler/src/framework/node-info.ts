import type { corev1 } from '@minik8s/api';
import type { HostPort, PodInfo } from './pod-info';
import { addResource, cloneResource, emptyResource, resourceFromList, subtractResource, type Resource } from './resource';

const ANY_IP = '0.0.0.0';
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const NO_TAINTS: readonly corev1.Taint[] = Object.freeze([]);

/** Host ports in use on a node: ip → set of `protocol/port`. */
export class HostPortInfo {
  private readonly byIp: Map<string, Map<string, number>>;

  constructor(source?: HostPortInfo) {
    this.byIp = new Map();
    if (source) for (const [ip, ports] of source.byIp) this.byIp.set(ip, new Map(ports));
  }

  add(p: HostPort): void {
    let ports = this.byIp.get(p.ip);
    if (!ports) this.byIp.set(p.ip, (ports = new Map()));
    const key = `${p.protocol}/${p.port}`;
    ports.set(key, (ports.get(key) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const ports = this.byIp.get(p.ip);
    if (!ports) return;
    const key = `${p.protocol}/${p.port}`;
    const n = (ports.get(key) ?? 0) - 1;
    if (n > 0) ports.set(key, n);
    else ports.delete(key);
    if (ports.size === 0) this.byIp.delete(p.ip);
  }

  /** A wildcard ip clashes with the same protocol/port on any ip, and the other way round. */
  conflicts(p: HostPort): boolean {
    const key = `${p.protocol}/${p.port}`;
    if (p.ip === ANY_IP) {
      for (const ports of this.byIp.values()) if (ports.has(key)) return true;
      return false;
    }
    return !!(this.byIp.get(p.ip)?.has(key) || this.byIp.get(ANY_IP)?.has(key));
  }

  get size(): number {
    let n = 0;
    for (const ports of this.byIp.values()) n += ports.size;
    return n;
  }
}

/** Kubernetes' normalizedImageName: a reference without tag or digest means `:latest`. */
export function normalizedImageName(name: string): string {
  if (name.includes('@')) return name;
  const lastSlash = name.lastIndexOf('/');
  return name.lastIndexOf(':') > lastSlash ? name : `${name}:latest`;
}

/**
 * What the scheduler knows about one node: the Node object, the pods on it (bound and assumed),
 * their summed requests, host ports and the images it holds. The cache mutates its own copies;
 * each scheduling cycle works on a snapshot clone and never sees a half-applied change.
 */
export class NodeInfo {
  node: corev1.Node | undefined;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  requested: Resource = emptyResource();
  nonZeroRequested: Resource = emptyResource();
  allocatable: Resource = emptyResource();
  /** Normalized image name → size in bytes, from node.status.images. */
  imageSizes: Map<string, number> = new Map();
  /**
   * Bumped on every change (the cache sets it from its own counter), so snapshots know what to
   * copy and plugins what they can reuse.
   */
  generation = 0;

  constructor(
    readonly name: string,
    node?: corev1.Node,
  ) {
    if (node) this.setNode(node);
  }

  /** The node's labels (read on every node by several plugins, so kept, not recomputed). */
  labels: Readonly<Record<string, string>> = NO_LABELS;
  taints: readonly corev1.Taint[] = NO_TAINTS;

  setNode(node: corev1.Node): void {
    this.generation++;
    this.node = node;
    this.labels = node.metadata?.labels ?? NO_LABELS;
    this.taints = node.spec?.taints ?? NO_TAINTS;
    this.allocatable = resourceFromList(node.status?.allocatable);
    const sizes = new Map<string, number>();
    for (const image of node.status?.images ?? []) {
      for (const name of image.names ?? []) sizes.set(normalizedImageName(name), image.sizeBytes ?? 0);
    }
    this.imageSizes = sizes;
  }

  addPod(pod: PodInfo): void {
    this.generation++;
    this.pods.push(pod);
    if (pod.hasAffinity) this.podsWithAffinity.push(pod);
    if (pod.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(pod);
    addResource(this.requested, pod.requests);
    this.nonZeroRequested.milliCPU += pod.nonZeroRequests.milliCPU;
    this.nonZeroRequested.memory += pod.nonZeroRequests.memory;
    for (const p of pod.hostPorts) this.usedPorts.add(p);
  }

  /** Removes the pod with `pod`'s uid; false if it was not here. */
  removePod(pod: PodInfo): boolean {
    const i = this.pods.findIndex((p) => p.uid === pod.uid);
    if (i < 0) return false;
    this.generation++;
    const existing = this.pods[i];
    this.pods[i] = this.pods[this.pods.length - 1];
    this.pods.pop();
    if (existing.hasAffinity) this.podsWithAffinity = this.podsWithAffinity.filter((p) => p.uid !== pod.uid);
    if (existing.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => p.uid !== pod.uid);
    subtractResource(this.requested, existing.requests);
    this.nonZeroRequested.milliCPU -= existing.nonZeroRequests.milliCPU;
    this.nonZeroRequested.memory -= existing.nonZeroRequests.memory;
    for (const p of existing.hostPorts) this.usedPorts.remove(p);
    return true;
  }

  /**
   * Swaps in `next`, a newer PodInfo of a pod here whose requests, ports and affinity are the
   * same (PodInfo.updatedTo reused them); false if the pod is not here.
   */
  replacePod(next: PodInfo): boolean {
    const i = this.pods.findIndex((p) => p.uid === next.uid);
    if (i < 0) return false;
    this.generation++;
    this.pods[i] = next;
    const swap = (list: PodInfo[]): void => {
      const j = list.findIndex((p) => p.uid === next.uid);
      if (j >= 0) list[j] = next;
    };
    if (next.hasAffinity) swap(this.podsWithAffinity);
    if (next.hasRequiredAntiAffinity) swap(this.podsWithRequiredAntiAffinity);
    return true;
  }

  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.labels = this.labels;
    c.taints = this.taints;
    c.pods = this.pods.slice();
    c.podsWithAffinity = this.podsWithAffinity.slice();
    c.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.slice();
    c.usedPorts = new HostPortInfo(this.usedPorts);
    c.requested = cloneResource(this.requested);
    c.nonZeroRequested = cloneResource(this.nonZeroRequested);
    c.allocatable = this.allocatable;
    c.imageSizes = this.imageSizes;
    c.generation = this.generation;
    return c;
  }
}
