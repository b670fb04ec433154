import type { NodeInfo } from './node-info';

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

/**
 * The cluster as one scheduling cycle sees it: NodeInfo copies that the cache refreshes
 * incrementally (only nodes that changed since the last cycle are copied again).
 */
export class Snapshot {
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  nodeInfoList: NodeInfo[] = [];
  havePodsWithAffinityList: NodeInfo[] = [];
  havePodsWithRequiredAntiAffinityList: NodeInfo[] = [];
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
    if (i === undefined) this.rebuildLists();
    else this.nodeInfoList[i] = node;
  }

  rebuildAffinityLists(): void {
    this.havePodsWithAffinityList = this.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0);
    this.havePodsWithRequiredAntiAffinityList = this.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  }

  rebuildImages(): void {
    const counts = new Map<string, number>();
    for (const n of this.nodeInfoMap.values()) for (const image of n.imageSizes.keys()) counts.set(image, (counts.get(image) ?? 0) + 1);
    this.imageNumNodes = counts;
  }
}
