import type { corev1 } from '@minik8s/api';
import { realClock, type Clock } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { ClusterEvent, ClusterEventWithHint, PodNominator, QueuedPodInfo } from '../framework/interfaces';
import { PodInfo } from '../framework/pod-info';
import type { Status } from '../framework/status';
import { Events, isPodUpdated } from './events';
import { KeyedHeap } from './heap';

export interface SchedulingQueueOptions {
  /** The queue sort plugin's order. */
  less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  /** PreEnqueue plugins (scheduling gates): a non-null status keeps the pod out of the active queue. */
  preEnqueue?: (pod: corev1.Pod) => Status | null;
  /** Plugin name → the events that may make pods it rejected schedulable. */
  eventsByPlugin?: ReadonlyMap<string, readonly ClusterEventWithHint[]>;
  clock?: Clock;
  logger?: Logger;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** Pods unschedulable this long are retried even without an event (default 5 minutes). */
  podMaxInUnschedulablePodsDurationMs?: number;
  /** Arm real timers for back-off expiry and the periodic unschedulable flush (off in unit tests). */
  timers?: boolean;
}

const NO_PODS: readonly PodInfo[] = Object.freeze([]);

function keyOfPod(pod: corev1.Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

interface RecordedEvent {
  seq: number;
  event: ClusterEvent;
  oldObj: unknown;
  newObj: unknown;
}

interface InFlight {
  /** Sequence number of the last event recorded before the pod was popped. */
  since: number;
  /** The newest version of the pod seen while it was being scheduled. */
  latest?: corev1.Pod;
  /** The pod's own spec/labels changed while in flight. */
  updated: boolean;
  /** Its attempt is over (it stays in the start-ordered list until it reaches the front). */
  finished: boolean;
}

/** Drops the first `head` entries of a FIFO kept as an array and a head index, once they are most of it. */
function compacted<T>(items: T[], head: number): { items: T[]; head: number } {
  return head >= 256 && head * 2 >= items.length ? { items: items.slice(head), head: 0 } : { items, head };
}

/**
 * kube-scheduler's PriorityQueue: an active queue ordered by the sort plugin (priority, then
 * age), a back-off queue of pods waiting out their back-off, and the unschedulable pods, which
 * move back only when a cluster event that could help them happens (or after a timeout). Events
 * that arrive while a pod is being scheduled are remembered, so a pod rejected meanwhile is
 * retried instead of parked. Also the nominator: which pods preemption nominated to which nodes.
 */
export class SchedulingQueue implements PodNominator {
  private readonly activeQ: KeyedHeap<QueuedPodInfo>;
  private readonly backoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, InFlight>();
  /**
   * Events recorded while pods were in flight, oldest first, from `eventsHead` on; and the
   * in-flight pods in the order they started (so by `since`), from `inFlightHead` on. With both
   * in order, ending an attempt drops what no pod in flight needs in O(1) amortized, as
   * kube-scheduler's inFlightEvents list does, rather than a pass over every pod and event.
   */
  private inFlightEvents: RecordedEvent[] = [];
  private eventsHead = 0;
  private inFlightOrder: InFlight[] = [];
  private inFlightHead = 0;
  private eventSeq = 0;
  private waiters: ((p: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private backoffTimer: NodeJS.Timeout | undefined;
  private backoffTimerAt = Infinity;
  private leftoverTimer: NodeJS.Timeout | undefined;
  /** Scheduling attempts started (for logs and tests). */
  schedulingCycle = 0;

  // Nominator state.
  private readonly nominatedByNode = new Map<string, PodInfo[]>();
  private readonly nominatedNodeOf = new Map<string, string>();

  constructor(private readonly options: SchedulingQueueOptions) {
    this.clock = options.clock ?? realClock;
    this.initialBackoffMs = options.podInitialBackoffMs ?? 1000;
    this.maxBackoffMs = options.podMaxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = options.podMaxInUnschedulablePodsDurationMs ?? 5 * 60_000;
    this.activeQ = new KeyedHeap((q) => q.podInfo.key, options.less);
    this.backoffQ = new KeyedHeap(
      (q) => q.podInfo.key,
      (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
    );
    if (options.timers) {
      this.leftoverTimer = setInterval(() => this.flushUnschedulableLeftover(), 30_000);
      this.leftoverTimer.unref();
    }
  }

  private newQueuedPodInfo(pod: corev1.Pod): QueuedPodInfo {
    const now = this.clock.now();
    return { podInfo: new PodInfo(pod), timestamp: now, initialAttemptTimestamp: now, attempts: 0, unschedulablePlugins: new Set(), failedWithError: false, gated: false };
  }

  // ---------------------------------------------------------------------------
  // Back-off

  /** initial × 2^(attempts-1), capped at the maximum. */
  backoffDuration(q: QueuedPodInfo): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < q.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return d;
  }

  backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q);
  }

  private isBackingOff(q: QueuedPodInfo): boolean {
    return q.attempts > 0 && this.backoffExpiry(q) > this.clock.now();
  }

  private armBackoffTimer(): void {
    if (!this.options.timers || this.closed) return;
    const head = this.backoffQ.peek();
    if (!head) return;
    const at = this.backoffExpiry(head);
    if (this.backoffTimer && at >= this.backoffTimerAt) return;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimerAt = at;
    this.backoffTimer = setTimeout(
      () => {
        this.backoffTimer = undefined;
        this.backoffTimerAt = Infinity;
        this.flushBackoffQCompleted();
      },
      Math.max(0, at - this.clock.now()),
    );
    this.backoffTimer.unref();
  }

  /** Moves pods whose back-off has expired to the active queue. */
  flushBackoffQCompleted(): void {
    const now = this.clock.now();
    for (let head = this.backoffQ.peek(); head && this.backoffExpiry(head) <= now; head = this.backoffQ.peek()) {
      this.backoffQ.pop();
      this.pushActive(head);
    }
    this.armBackoffTimer();
  }

  /** Retries pods that have waited in the unschedulable set longer than the maximum. */
  flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    const stale = [...this.unschedulable.values()].filter((q) => !q.gated && now - q.timestamp >= this.maxUnschedulableMs);
    this.movePods(stale, Events.UnschedulableTimeout);
  }

  // ---------------------------------------------------------------------------
  // Adding, updating, deleting

  private pushActive(q: QueuedPodInfo): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.startInFlight(q);
      waiter(q);
      return;
    }
    this.activeQ.push(q);
  }

  private pushBackoff(q: QueuedPodInfo): void {
    // Nothing is active (someone waits in pop): a pod that an event may have helped goes now.
    const waiter = q.failedWithError ? undefined : this.waiters.shift();
    if (waiter) {
      this.startInFlight(q);
      waiter(q);
      return;
    }
    this.backoffQ.push(q);
    this.armBackoffTimer();
  }

  /** Runs PreEnqueue; a gated pod waits in the unschedulable set for its own update. */
  private enqueue(q: QueuedPodInfo): void {
    const gate = this.options.preEnqueue?.(q.podInfo.pod) ?? null;
    q.gated = !!gate;
    if (gate) {
      q.unschedulablePlugins = new Set(gate.plugin ? [gate.plugin] : []);
      this.unschedulable.set(q.podInfo.key, q);
      return;
    }
    this.pushActive(q);
  }

  /** A new pending pod. */
  add(pod: corev1.Pod): void {
    if (this.closed) return;
    const key = keyOfPod(pod);
    if (this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key) || this.inFlight.has(key)) {
      this.update(undefined, pod);
      return;
    }
    const q = this.newQueuedPodInfo(pod);
    this.addNominatedPodFromStatus(q.podInfo);
    this.enqueue(q);
  }

  /** A pending pod changed. */
  update(oldPod: corev1.Pod | undefined, pod: corev1.Pod): void {
    if (this.closed) return;
    const key = keyOfPod(pod);
    const flight = this.inFlight.get(key);
    if (flight) {
      flight.latest = pod;
      if (!oldPod || isPodUpdated(oldPod, pod)) flight.updated = true;
      return;
    }
    const active = this.activeQ.get(key);
    if (active) {
      active.podInfo = new PodInfo(pod);
      this.activeQ.push(active);
      this.updateNominatedPod(active.podInfo);
      return;
    }
    const backoff = this.backoffQ.get(key);
    if (backoff) {
      backoff.podInfo = new PodInfo(pod);
      this.backoffQ.push(backoff);
      this.updateNominatedPod(backoff.podInfo);
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked) {
      const changed = !oldPod || isPodUpdated(oldPod, pod);
      parked.podInfo = new PodInfo(pod);
      this.updateNominatedPod(parked.podInfo);
      if (!changed) return;
      // Its own change may make it schedulable (new tolerations, removed gates, ...).
      this.unschedulable.delete(key);
      if (parked.gated) {
        this.enqueue(parked);
      } else if (this.isBackingOff(parked)) {
        this.pushBackoff(parked);
      } else {
        this.pushActive(parked);
      }
      return;
    }
    this.add(pod);
  }

  /** A pending pod was deleted (or got assigned elsewhere). */
  delete(pod: corev1.Pod): void {
    const key = keyOfPod(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.deleteNominatedPodIfExists(pod);
  }

  // ---------------------------------------------------------------------------
  // Popping and returning

  private startInFlight(q: QueuedPodInfo): void {
    this.schedulingCycle++;
    q.attempts++;
    const previous = this.inFlight.get(q.podInfo.key);
    if (previous) previous.finished = true;
    const flight: InFlight = { since: this.eventSeq, updated: false, finished: false };
    this.inFlight.set(q.podInfo.key, flight);
    this.inFlightOrder.push(flight);
  }

  /**
   * The next pod to schedule: the head of the active queue, or (when nothing is active) the
   * pod whose back-off ends first, since nothing else is waiting for the scheduler.
   * Resolves undefined once the queue is closed.
   */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const q = this.tryPop();
    if (q) return Promise.resolve(q);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** What `pop` would resolve with at once, or undefined (closed, or nothing to schedule now). */
  tryPop(): QueuedPodInfo | undefined {
    if (this.closed) return undefined;
    let q = this.activeQ.pop();
    if (!q) {
      const head = this.backoffQ.peek();
      if (head && !head.failedWithError) q = this.backoffQ.pop();
    }
    if (q) this.startInFlight(q);
    return q;
  }

  /** The newest version of an in-flight pod seen by the queue, if it changed. */
  latestInFlight(key: string): corev1.Pod | undefined {
    return this.inFlight.get(key)?.latest;
  }

  /** The pod's scheduling attempt is over (bound, requeued, or given up). */
  done(key: string): void {
    const flight = this.inFlight.get(key);
    if (flight) {
      flight.finished = true;
      this.inFlight.delete(key);
    }
    if (this.inFlight.size === 0) {
      this.inFlightEvents = [];
      this.eventsHead = 0;
      this.inFlightOrder = [];
      this.inFlightHead = 0;
      return;
    }
    const order = this.inFlightOrder;
    let head = this.inFlightHead;
    while (order[head].finished) head++;
    const oldest = order[head].since;
    ({ items: this.inFlightOrder, head: this.inFlightHead } = compacted(order, head));
    const events = this.inFlightEvents;
    let eventsHead = this.eventsHead;
    while (eventsHead < events.length && events[eventsHead].seq <= oldest) eventsHead++;
    ({ items: this.inFlightEvents, head: this.eventsHead } = compacted(events, eventsHead));
  }

  /**
   * Puts back a pod whose attempt failed. An error, or a cluster event during the attempt that
   * could help it, sends it to back-off; otherwise it waits for such an event.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo): void {
    const key = q.podInfo.key;
    const flight = this.inFlight.get(key);
    if (this.closed || this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key)) {
      this.done(key);
      return;
    }
    q.timestamp = this.clock.now();
    let retry = q.failedWithError || !!flight?.updated;
    if (!retry && flight) {
      for (let i = this.eventsHead; i < this.inFlightEvents.length; i++) {
        const e = this.inFlightEvents[i];
        if (e.seq > flight.since && this.podMatchesEvent(q, e.event, e.oldObj, e.newObj)) {
          retry = true;
          break;
        }
      }
    }
    this.done(key);
    if (retry) this.pushBackoff(q);
    else this.unschedulable.set(key, q);
  }

  // ---------------------------------------------------------------------------
  // Cluster events

  /** Whether `event` may help `q` (one of the plugins that rejected it registered for it). */
  private podMatchesEvent(q: QueuedPodInfo, event: ClusterEvent, oldObj: unknown, newObj: unknown): boolean {
    if (event.resource === '*') return true;
    if (q.unschedulablePlugins.size === 0) return true;
    const registry = this.options.eventsByPlugin;
    for (const plugin of q.unschedulablePlugins) {
      const registrations = registry?.get(plugin);
      // A plugin that registers nothing is woken by everything.
      if (!registrations) return true;
      for (const r of registrations) {
        if ((r.event.resource !== event.resource && r.event.resource !== '*') || (r.event.actionType & event.actionType) === 0) continue;
        if (!r.hint) return true;
        try {
          if (r.hint(q.podInfo.pod, oldObj, newObj) === 'Queue') return true;
        } catch (err) {
          this.options.logger?.debug({ err, plugin }, 'queueing hint failed; requeueing');
          return true;
        }
      }
    }
    return false;
  }

  private movePods(pods: readonly QueuedPodInfo[], event: ClusterEvent): void {
    for (const q of pods) {
      this.unschedulable.delete(q.podInfo.key);
      if (this.isBackingOff(q)) this.pushBackoff(q);
      else this.pushActive(q);
    }
    if (pods.length > 0) this.options.logger?.debug({ event: event.label, pods: pods.length }, 'moved unschedulable pods');
  }

  /** A cluster change: unschedulable pods it may help move to the active or back-off queue. */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, oldObj?: unknown, newObj?: unknown): void {
    if (this.closed) return;
    if (this.inFlight.size > 0) this.inFlightEvents.push({ seq: ++this.eventSeq, event, oldObj, newObj });
    else this.eventSeq++;
    if (this.unschedulable.size === 0) return;
    const toMove: QueuedPodInfo[] = [];
    for (const q of this.unschedulable.values()) {
      if (!q.gated && this.podMatchesEvent(q, event, oldObj, newObj)) toMove.push(q);
    }
    this.movePods(toMove, event);
  }

  /** Moves these pending pods to the active queue at once (e.g. after preemption failed). */
  activate(keys: readonly string[]): void {
    for (const key of keys) {
      const q = this.unschedulable.get(key) ?? this.backoffQ.get(key);
      if (!q || q.gated) continue;
      this.unschedulable.delete(key);
      this.backoffQ.delete(key);
      this.pushActive(q);
    }
  }

  // ---------------------------------------------------------------------------
  // Nominator

  private addNominatedPodFromStatus(pod: PodInfo): void {
    const node = pod.pod.status?.nominatedNodeName;
    if (node) this.addNominatedPod(pod, node);
  }

  /** Keeps the nominator's copy current; a cleared status.nominatedNodeName drops the nomination. */
  private updateNominatedPod(pod: PodInfo): void {
    const current = this.nominatedNodeOf.get(pod.uid);
    const fromStatus = pod.pod.status?.nominatedNodeName;
    if (!current && !fromStatus) return;
    this.deleteNominatedPodIfExists(pod.pod);
    const node = fromStatus || current;
    if (node) this.addNominatedPod(pod, node);
  }

  /** Whether any pod is nominated to any node (when none is, filters need not ask per node). */
  hasNominatedPods(): boolean {
    return this.nominatedByNode.size > 0;
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.nominatedByNode.get(nodeName) ?? NO_PODS;
  }

  addNominatedPod(pod: PodInfo, nodeName: string): void {
    this.deleteNominatedPodIfExists(pod.pod);
    if (!nodeName) return;
    this.nominatedNodeOf.set(pod.uid, nodeName);
    const list = this.nominatedByNode.get(nodeName) ?? [];
    list.push(pod);
    this.nominatedByNode.set(nodeName, list);
  }

  deleteNominatedPodIfExists(pod: corev1.Pod): void {
    const uid = pod.metadata?.uid ?? keyOfPod(pod);
    const node = this.nominatedNodeOf.get(uid);
    if (!node) return;
    this.nominatedNodeOf.delete(uid);
    const list = (this.nominatedByNode.get(node) ?? []).filter((p) => p.uid !== uid);
    if (list.length > 0) this.nominatedByNode.set(node, list);
    else this.nominatedByNode.delete(node);
  }

  // ---------------------------------------------------------------------------

  /** Counts per sub-queue (for tests, logs and metrics). */
  stats(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.activeQ.length, backoff: this.backoffQ.length, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  /** Where a pod is: 'active', 'backoff', 'unschedulable', 'inFlight' or undefined. */
  whereIs(key: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  close(): void {
    this.closed = true;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    if (this.leftoverTimer) clearInterval(this.leftoverTimer);
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
