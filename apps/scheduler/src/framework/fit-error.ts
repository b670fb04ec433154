import { NodeToStatus } from './interfaces';
import type { PodInfo } from './pod-info';

/** Why a pod fits nowhere: each node's rejection, and which plugins rejected it. */
export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  /** Plugins that turned the pod away; events they care about requeue it. */
  unschedulablePlugins: Set<string>;
  /** Set when a PreFilter plugin rejected the pod outright (then no node was filtered). */
  preFilterMsg: string;
  /** What the PostFilter plugins (preemption) had to say. */
  postFilterMsg: string;
}

export function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new NodeToStatus(), unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '' };
}

export const NO_NODE_AVAILABLE_MSG = 'no nodes available to schedule pods';

/** "2 Insufficient cpu, 1 node(s) had untolerated taint {a: b}" — each reason counted over nodes, sorted. */
export function reasonHistogram(nodeToStatus: NodeToStatus, numAllNodes: number): string {
  const counts = new Map<string, number>();
  for (const status of nodeToStatus.map.values()) {
    for (const reason of status.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const absentNodes = numAllNodes - nodeToStatus.map.size;
  if (nodeToStatus.absent && absentNodes > 0) {
    for (const reason of nodeToStatus.absent.reasons) counts.set(reason, (counts.get(reason) ?? 0) + absentNodes);
  }
  const parts = [...counts].map(([reason, n]) => `${n} ${reason}`);
  parts.sort();
  return parts.join(', ');
}

function sentence(s: string): string {
  return s.endsWith('.') ? s : `${s}.`;
}

/**
 * The message Kubernetes shows in PodScheduled and FailedScheduling:
 * `0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}.`
 * followed by what preemption found, if it ran.
 */
export function fitErrorMessage(numAllNodes: number, diagnosis: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (diagnosis.preFilterMsg) {
    msg += ` ${sentence(diagnosis.preFilterMsg)}`;
  } else {
    const histogram = reasonHistogram(diagnosis.nodeToStatus, numAllNodes);
    if (histogram) msg += ` ${sentence(histogram)}`;
  }
  if (diagnosis.postFilterMsg) msg += ` ${sentence(diagnosis.postFilterMsg)}`;
  return msg;
}

/** The pod fits on no node; `message` reads like Kubernetes'. */
export class FitError {
  constructor(
    readonly pod: PodInfo,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {}

  get message(): string {
    return this.numAllNodes === 0 ? NO_NODE_AVAILABLE_MSG : fitErrorMessage(this.numAllNodes, this.diagnosis);
  }
}
