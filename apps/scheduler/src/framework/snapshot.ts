import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';

const ZONE_LABEL = 'topology.kubernetes.io/zone';
const REGION_LABEL = 'topology.kubernetes.io/region';

/**
 * Interleaves nodes across zones (region/zone), as kube-scheduler's node tree does, so a search
 * that stops after enough feasible nodes still sees every zone.
 */
export function zoneInterleaved(nodes: readonly NodeInfo[]): NodeInfo[] {
  const zones = new Map<string, NodeInfo[]>();
  for (const n of nodes) {
    const labels = n.labels;
    const zone = `${labels[REGION_LABEL] ?? ''}:\0:${labels[ZONE_LABEL] ?? ''}`;
    let list = zones.get(zone);
    if (!list) zones.set(zone, (list = []));
    list.push(n);
  }
  if (zones.size <= 1) return nodes.slice();
  const lists = [...zones.values()];
  const out: NodeInfo[] = [];
  for (let i = 0; out.length < nodes.length; i++) {
    for (const list of lists) if (i < list.length) out.push(list[i]);
  }
  return out;
}

function hasScoredAffinity(p: PodInfo): boolean {
  return p.requiredAffinityTerms.length > 0 || p.preferredAffinityTerms.length > 0 || p.preferredAntiAffinityTerms.length > 0;
}

/**
 * The nodes of a snapshot that pass a test (they hold pods with affinity, ...), kept current one
 * node at a time: a pod assumed onto one node must not cost a pass over every node. The order is
 * the node list's after a rebuild, arbitrary after updates (its readers only sum over it).
 */
class NodeSubList {
  nodes: NodeInfo[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly member: (n: NodeInfo) => boolean) {}

  rebuild(all: readonly NodeInfo[]): void {
    this.nodes = all.filter(this.member);
    this.index.clear();
    for (let i = 0; i < this.nodes.length; i++) this.index.set(this.nodes[i].name, i);
  }

  /** Puts `node` (a fresh copy of a node in the snapshot) in or out. */
  update(node: NodeInfo): void {
    const i = this.index.get(node.name);
    const member = this.member(node);
    if (i !== undefined && member) {
      this.nodes[i] = node;
    } else if (i !== undefined) {
      const last = this.nodes.pop() as NodeInfo;
      this.index.delete(node.name);
      if (i < this.nodes.length) {
        this.nodes[i] = last;
        this.index.set(last.name, i);
      }
    } else if (member) {
      this.index.set(node.name, this.nodes.length);
      this.nodes.push(node);
    }
  }
}

/**
 * The cluster as one scheduling cycle sees it: NodeInfo copies that the cache refreshes
 * incrementally (only nodes that changed since the last cycle are copied again).
 */
export class Snapshot {
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  nodeInfoList: NodeInfo[] = [];
  private readonly withAffinity = new NodeSubList((n) => n.podsWithAffinity.length > 0);
  private readonly withRequiredAntiAffinity = new NodeSubList((n) => n.podsWithRequiredAntiAffinity.length > 0);
  private readonly withScoredAffinity = new NodeSubList((n) => n.podsWithAffinity.some(hasScoredAffinity));
  /** Normalized image name → how many nodes hold it. */
  imageNumNodes = new Map<string, number>();
  /** The cache generation this snapshot reflects. */
  generation = -1;
  private indexByName = new Map<string, number>();

  static fromNodeInfos(nodes: readonly NodeInfo[]): Snapshot {
    const s = new Snapshot();
    for (const n of nodes) s.nodeInfoMap.set(n.name, n);
    s.rebuildLists();
    s.rebuildImages();
    return s;
  }

  get(name: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(name);
  }

  list(): readonly NodeInfo[] {
    return this.nodeInfoList;
  }

  /** Nodes with pods that have (anti-)affinity terms. */
  get havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.withAffinity.nodes;
  }

  /**
   * Nodes with pods whose terms count in other pods' scores: required affinity, preferred
   * affinity or anti-affinity. (Required anti-affinity alone, the usual case, does not.)
   */
  get havePodsWithScoredAffinityList(): readonly NodeInfo[] {
    return this.withScoredAffinity.nodes;
  }

  /** Nodes with pods that have required anti-affinity terms. */
  get havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.withRequiredAntiAffinity.nodes;
  }

  get numNodes(): number {
    return this.nodeInfoList.length;
  }

  /** Recomputes the ordered node list from the map (after nodes come or go). */
  rebuildLists(): void {
    const sorted = [...this.nodeInfoMap.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.nodeInfoList = zoneInterleaved(sorted);
    this.indexByName = new Map(this.nodeInfoList.map((n, i) => [n.name, i]));
    this.rebuildAffinityLists();
  }

  /** Swaps in a fresh copy of a node already in the list, keeping its place. */
  replaceInList(node: NodeInfo): void {
    const i = this.indexByName.get(node.name);
    if (i === undefined) {
      this.rebuildLists();
      return;
    }
    this.nodeInfoList[i] = node;
    this.withAffinity.update(node);
    this.withRequiredAntiAffinity.update(node);
    this.withScoredAffinity.update(node);
  }

  rebuildAffinityLists(): void {
    this.withAffinity.rebuild(this.nodeInfoList);
    this.withRequiredAntiAffinity.rebuild(this.nodeInfoList);
    this.withScoredAffinity.rebuild(this.nodeInfoList);
  }

  rebuildImages(): void {
    const counts = new Map<string, number>();
    for (const n of this.nodeInfoMap.values()) for (const image of n.imageSizes.keys()) counts.set(image, (counts.get(image) ?? 0) + 1);
    this.imageNumNodes = counts;
  }
}
