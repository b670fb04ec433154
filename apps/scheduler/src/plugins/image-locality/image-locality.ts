import type { CycleState } from '../../framework/cycle-state';
import { MAX_NODE_SCORE, type Handle, type ScorePlugin } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { Names } from '../names';

// Bound once: module exports are getters under tsx and vitest, and these are read per node.
const MAX_SCORE = MAX_NODE_SCORE;

const MB = 1024 * 1024;
/** Below this much already-present image data the score is 0 (a small image pulls fast anyway). */
export const MIN_THRESHOLD = 23 * MB;
/** Per container: present data above this counts no more. */
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/**
 * How much of a pod's image data the node already holds, scaled into [0, 100]. Each image
 * counts its size times the share of nodes that have it, so an image on every node (which
 * any node would pull fast) does not draw pods to one node.
 */
export function imageLocalityScore(sumScores: number, numContainers: number): number {
  const max = MAX_CONTAINER_THRESHOLD * numContainers;
  const clamped = Math.min(Math.max(sumScores, MIN_THRESHOLD), max);
  return Math.trunc((MAX_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
}

/** Favors nodes that already have the pod's container images. */
export class ImageLocality implements ScorePlugin {
  readonly name = Names.ImageLocality;

  constructor(private readonly handle: Handle) {}

  score(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    // With less than the minimum threshold present the score is 0, whatever the pod.
    if (nodeInfo.imageSizes.size === 0) return 0;
    const images = pod.images;
    if (images.length === 0) return 0;
    const snapshot = this.handle.snapshot();
    const totalNodes = snapshot.numNodes || 1;
    let sum = 0;
    for (const image of images) {
      const size = nodeInfo.imageSizes.get(image);
      if (size === undefined) continue;
      const spread = (snapshot.imageNumNodes.get(image) ?? 1) / totalNodes;
      sum += Math.trunc(size * spread);
    }
    return imageLocalityScore(sum, images.length);
  }
}

export function newImageLocality(_args: Record<string, unknown> | undefined, handle: Handle): ImageLocality {
  return new ImageLocality(handle);
}
