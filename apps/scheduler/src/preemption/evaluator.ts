import { isNotFound, type corev1 } from '@minik8s/api';
import { Pods } from '@minik8s/client';
import type { CycleState } from '../framework/cycle-state';
import { FitError, newDiagnosis } from '../framework/fit-error';
import { NodeToStatus, type Handle, type PostFilterResult } from '../framework/interfaces';
import type { NodeInfo } from '../framework/node-info';
import { PodInfo } from '../framework/pod-info';
import { asStatus, Code, success, unresolvable, unschedulable, type Status } from '../framework/status';

export const MSG_NO_VICTIMS = 'No preemption victims found for incoming pod';
export const MSG_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const REASON_PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';

export interface PreemptionArgs {
  /** Dry-run at least this share of the candidate nodes (default 10). */
  minCandidateNodesPercentage?: number;
  /** ... and at least this many (default 100). */
  minCandidateNodesAbsolute?: number;
}

/** A node where evicting `victims` (most important first) makes the preemptor fit. */
export interface Candidate {
  nodeName: string;
  victims: PodInfo[];
}

/** When a pod started (status.startTime), or was created, for tie-breaking. */
function startTime(pod: PodInfo): number {
  const t = pod.pod.status?.startTime ?? pod.pod.metadata?.creationTimestamp;
  return t ? Date.parse(t) : Date.now();
}

/** Higher priority first; among equals, the pod that has been running longer. */
export function moreImportantPod(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return startTime(a) < startTime(b);
}

/** A pod on its way out because the scheduler preempted it. */
export function terminatingByPreemption(pod: corev1.Pod): boolean {
  if (!pod.metadata?.deletionTimestamp) return false;
  const c = (pod.status?.conditions ?? []).find((x) => x.type === 'DisruptionTarget');
  return c?.status === 'True' && c.reason === REASON_PREEMPTION_BY_SCHEDULER;
}

/**
 * The preemption evaluator (kube-scheduler's preemption.Evaluator with DefaultPreemption's
 * policy): finds nodes where removing lower-priority pods lets the preemptor fit, picks the
 * one that hurts least, evicts its victims gracefully and nominates the node.
 */
export class Evaluator {
  private readonly minPercentage: number;
  private readonly minAbsolute: number;

  constructor(
    private readonly handle: Handle,
    args: PreemptionArgs = {},
  ) {
    this.minPercentage = args.minCandidateNodesPercentage ?? 10;
    this.minAbsolute = args.minCandidateNodesAbsolute ?? 100;
    if (this.minPercentage < 0 || this.minPercentage > 100) throw new Error(`minCandidateNodesPercentage: Invalid value: ${this.minPercentage}: not in valid range [0, 100]`);
    if (this.minAbsolute < 0) throw new Error(`minCandidateNodesAbsolute: Invalid value: ${this.minAbsolute}: not in valid range [0, inf)`);
  }

  /** Why the pod may not preempt, or undefined when it may. */
  podIneligibleReason(pod: corev1.Pod, nominatedNodeStatus: Status | undefined): string | undefined {
    if (pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    const nominated = pod.status?.nominatedNodeName;
    if (!nominated) return undefined;
    // If its nominated node no longer fits for good, it may preempt elsewhere.
    if (nominatedNodeStatus?.code === Code.UnschedulableAndUnresolvable) return undefined;
    const nodeInfo = this.handle.snapshot().get(nominated);
    const priority = pod.spec?.priority ?? 0;
    if (nodeInfo) {
      for (const p of nodeInfo.pods) {
        if (p.priority < priority && terminatingByPreemption(p.pod)) return 'not eligible due to a terminating pod on the nominated node.';
      }
    }
    return undefined;
  }

  private numCandidates(numNodes: number): number {
    const n = Math.max(Math.floor((numNodes * this.minPercentage) / 100), this.minAbsolute);
    return Math.min(n, numNodes);
  }

  async preempt(state: CycleState, podIn: PodInfo, nodeToStatus: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status }> {
    // The latest version of the preemptor (its nominatedNodeName may have changed).
    const latest = this.handle.listers.pods.get(podIn.namespace, podIn.name);
    const pod = latest && latest.metadata?.uid === podIn.pod.metadata?.uid ? new PodInfo(latest) : podIn;

    const ineligible = this.podIneligibleReason(pod.pod, nodeToStatus.get(pod.pod.status?.nominatedNodeName ?? ''));
    if (ineligible) return { status: unschedulable(ineligible) };

    const snapshot = this.handle.snapshot();
    const allNodes = snapshot.list();
    if (allNodes.length === 0) return { status: asStatus(new Error('no nodes available')) };
    const { candidates, statuses } = this.findCandidates(state, pod, allNodes, nodeToStatus);
    if (candidates.length === 0) {
      const diagnosis = newDiagnosis();
      diagnosis.nodeToStatus = statuses;
      statuses.absent = unresolvable(MSG_NOT_HELPFUL);
      const fitError = new FitError(pod, allNodes.length, diagnosis);
      return { result: { nominatedNodeName: '' }, status: unschedulable(fitError.message) };
    }
    const best = selectCandidate(candidates);
    const prepared = await this.prepareCandidate(best, pod);
    if (prepared) return { status: prepared };
    return { result: { nominatedNodeName: best.nodeName }, status: success() };
  }

  /** Dry runs on nodes that failed with a resolvable status, starting at a random offset. */
  findCandidates(state: CycleState, pod: PodInfo, allNodes: readonly NodeInfo[], nodeToStatus: NodeToStatus): { candidates: Candidate[]; statuses: NodeToStatus } {
    const statuses = new NodeToStatus();
    const potential = allNodes.filter((n) => nodeToStatus.get(n.name)?.code === Code.Unschedulable);
    const candidates: Candidate[] = [];
    if (potential.length === 0) return { candidates, statuses };
    const offset = Math.floor(this.handle.random() * potential.length);
    const wanted = this.numCandidates(potential.length);
    for (let i = 0; i < potential.length && candidates.length < wanted; i++) {
      const node = potential[(offset + i) % potential.length];
      const stateCopy = state.clone();
      const nodeCopy = node.clone();
      const { victims, status } = this.selectVictimsOnNode(stateCopy, pod, nodeCopy);
      if (status) {
        statuses.set(node.name, status);
        continue;
      }
      if (victims.length === 0) {
        statuses.set(node.name, asStatus(new Error(`expected at least one victim pod on node "${node.name}"`)));
        continue;
      }
      candidates.push({ nodeName: node.name, victims });
    }
    return { candidates, statuses };
  }

  /**
   * The fewest, least important pods to evict from `nodeInfo` (a copy) so the pod fits: remove
   * every lower-priority pod, check the pod fits, then add back as many as possible, most
   * important first.
   */
  selectVictimsOnNode(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): { victims: PodInfo[]; status: Status | null } {
    const fw = this.handle.framework;
    const potential = nodeInfo.pods.filter((p) => p.priority < pod.priority);
    if (potential.length === 0) return { victims: [], status: unresolvable(MSG_NO_VICTIMS) };
    for (const p of potential) {
      nodeInfo.removePod(p);
      const s = fw.runPreFilterExtensionRemovePod(state, pod, p, nodeInfo);
      if (s && !s.isSuccess()) return { victims: [], status: s };
    }
    const fits = fw.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
    if (fits) return { victims: [], status: fits };
    potential.sort((a, b) => (moreImportantPod(a, b) ? -1 : moreImportantPod(b, a) ? 1 : 0));
    const victims: PodInfo[] = [];
    for (const p of potential) {
      nodeInfo.addPod(p);
      const added = fw.runPreFilterExtensionAddPod(state, pod, p, nodeInfo);
      if (added && !added.isSuccess()) return { victims: [], status: added };
      if (fw.runFilterPluginsWithNominatedPods(state, pod, nodeInfo)) {
        nodeInfo.removePod(p);
        const removed = fw.runPreFilterExtensionRemovePod(state, pod, p, nodeInfo);
        if (removed && !removed.isSuccess()) return { victims: [], status: removed };
        victims.push(p);
      }
    }
    return { victims, status: null };
  }

  /** Evicts the victims (DisruptionTarget condition, then a graceful delete) and clears lower-priority nominations there. */
  private async prepareCandidate(c: Candidate, pod: PodInfo): Promise<Status | null> {
    const client = this.handle.client;
    if (!client) return asStatus(new Error('no API client to preempt with'));
    try {
      await Promise.all(
        c.victims.map(async (victim) => {
          if (victim.pod.metadata?.deletionTimestamp) return;
          const pods = client.resource(Pods).namespace(victim.namespace);
          const conditions = (victim.pod.status?.conditions ?? []).filter((x) => x.type !== 'DisruptionTarget');
          conditions.push({
            type: 'DisruptionTarget',
            status: 'True',
            reason: REASON_PREEMPTION_BY_SCHEDULER,
            message: `${this.handle.schedulerName}: preempting to accommodate a higher priority pod`,
            lastTransitionTime: new Date(this.handle.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          });
          try {
            await pods.patch(victim.name, 'application/merge-patch+json', { status: { conditions } }, 'status');
            await pods.delete(victim.name, { preconditions: { uid: victim.pod.metadata?.uid } });
          } catch (err) {
            if (isNotFound(err)) return;
            throw err;
          }
          this.handle.recordEvent(victim.pod, 'Normal', 'Preempted', `Preempted by pod ${pod.pod.metadata?.uid ?? pod.key} on node ${c.nodeName}`);
          this.handle.logger.info({ preemptor: pod.key, victim: victim.key, node: c.nodeName }, 'preempted pod');
        }),
      );
    } catch (err) {
      return asStatus(err);
    }
    // Lower-priority pods nominated here may no longer fit; let them look elsewhere.
    for (const p of this.handle.nominator.nominatedPodsForNode(c.nodeName)) {
      if (p.priority >= pod.priority || p.uid === pod.uid) continue;
      this.handle.nominator.deleteNominatedPodIfExists(p.pod);
      client
        .resource(Pods)
        .namespace(p.namespace)
        .patch(p.name, 'application/merge-patch+json', { status: { nominatedNodeName: null } }, 'status')
        .catch((err: unknown) => this.handle.logger.debug({ err, pod: p.key }, 'could not clear nominatedNodeName'));
    }
    return null;
  }
}

/** The earliest start among the node's most important victims (the later, the better to pick). */
function earliestStartOfTopVictims(c: Candidate): number {
  const top = c.victims[0]?.priority;
  let earliest = Infinity;
  for (const v of c.victims) if (v.priority === top) earliest = Math.min(earliest, startTime(v));
  return earliest;
}

/**
 * pickOneNodeForPreemption: the lowest highest-priority victim, then the lowest sum of victim
 * priorities, then the fewest victims, then the latest-started victims, then the first.
 */
export function selectCandidate(candidates: readonly Candidate[]): Candidate {
  const OFFSET = 2 ** 31;
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -(c.victims[0]?.priority ?? 0),
    (c) => -c.victims.reduce((sum, v) => sum + v.priority + OFFSET, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfTopVictims(c),
  ];
  let pool = candidates.slice();
  for (const score of criteria) {
    if (pool.length === 1) break;
    let best = -Infinity;
    let next: Candidate[] = [];
    for (const c of pool) {
      const s = score(c);
      if (s > best) {
        best = s;
        next = [c];
      } else if (s === best) next.push(c);
    }
    pool = next;
  }
  return pool[0];
}
