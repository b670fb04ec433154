import { performance } from 'node:perf_hooks';
import type { ApiObject, corev1, storagev1 } from '@minik8s/api';
import {
  EventRecorder,
  InformerFactory,
  MERGE_PATCH,
  Namespaces,
  Nodes,
  PersistentVolumeClaims,
  PersistentVolumes,
  Pods,
  realClock,
  StorageClasses,
  type ApiClient,
  type Clock,
  type Informer,
} from '@minik8s/client';
import { silentLogger, type Logger } from '@minik8s/logging';
import { SchedulerCache } from './cache/scheduler-cache';
import { EventSink } from './event-sink';
import { CycleState } from './framework/cycle-state';
import { FitError, newDiagnosis, type Diagnosis } from './framework/fit-error';
import { Framework, type HandleDeps, type PluginRef, type Registry } from './framework/framework';
import { ActionType, type ClusterEvent, type EventResource, type QueuedPodInfo } from './framework/interfaces';
import type { NodeInfo } from './framework/node-info';
import { isTerminal, PodInfo } from './framework/pod-info';
import { Snapshot } from './framework/snapshot';
import { asStatus, Code, unresolvable, type Status } from './framework/status';
import { DEFAULT_PLUGINS, inTreeRegistry } from './plugins/registry';
import { assignedPodUpdateAction, Events, nodeUpdateAction } from './queue/events';
import { SchedulingQueue } from './queue/scheduling-queue';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** Below this many nodes every node is checked (minFeasibleNodesToFind). */
const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** The adaptive share never drops below this (minFeasibleNodesPercentageToFind). */
const MIN_FEASIBLE_NODES_PERCENTAGE = 5;
/** Filtering yields to the event loop when one pod has taken longer than this. */
const FILTER_YIELD_BUDGET_MS = 20;
const FILTER_CHUNK = 256;
/** The scheduling loop yields to the event loop once cycles have run this long without a break. */
const LOOP_YIELD_BUDGET_MS = 5;

export interface SchedulerOptions {
  client: ApiClient;
  /** Pods whose spec.schedulerName is this are ours; others are left alone. */
  schedulerName?: string;
  /** Shared informers; the scheduler makes (and starts) its own when absent. */
  informerFactory?: InformerFactory;
  registry?: Registry;
  plugins?: readonly PluginRef[];
  pluginConfig?: Readonly<Record<string, Record<string, unknown>>>;
  /**
   * Share of nodes to find feasible before scoring (0: adaptive, 50% at 100 nodes falling to
   * 5% at 5,000, never fewer than 100 nodes), as kube-scheduler's percentageOfNodesToScore.
   */
  percentageOfNodesToScore?: number;
  podInitialBackoffSeconds?: number;
  podMaxBackoffSeconds?: number;
  podMaxInUnschedulablePodsDurationSeconds?: number;
  /** Bindings in flight before the scheduling loop waits (default 500). */
  maxInFlightBindings?: number;
  /** This instance's name in events (reportingInstance). */
  identity?: string;
  /** Record Scheduled/FailedScheduling/Preempted events (default true). */
  recordEvents?: boolean;
  logger?: Logger;
  clock?: Clock;
  random?: () => number;
}

export interface SchedulerMetrics {
  attempts: number;
  scheduled: number;
  unschedulable: number;
  errors: number;
  bindErrors: number;
  preemptionAttempts: number;
}

type Outcome = { host: string; evaluated: number; feasible: number } | { fitError: FitError } | { error: Status };

function assigned(pod: corev1.Pod): boolean {
  return !!pod.spec?.nodeName;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The scheduler: watches pods and nodes, keeps the cache and the queue current, and runs one
 * scheduling cycle at a time (snapshot, PreFilter, Filter, PostFilter, PreScore, Score,
 * NormalizeScore, select, Reserve, assume) with binding cycles (PreBind, Bind) running
 * asynchronously behind it.
 */
export class Scheduler {
  readonly schedulerName: string;
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  readonly snapshot = new Snapshot();
  readonly metrics: SchedulerMetrics = { attempts: 0, scheduled: 0, unschedulable: 0, errors: 0, bindErrors: 0, preemptionAttempts: 0 };
  readonly events: EventSink;
  private readonly client: ApiClient;
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly podInformer: Informer<corev1.Pod>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly percentageOfNodesToScore: number;
  private readonly maxInFlightBindings: number;
  private nextStartNodeIndex = 0;
  private bindingsInFlight = 0;
  private bindSlotWaiters: (() => void)[] = [];
  private readonly pendingWork = new Set<Promise<unknown>>();
  private started = false;

  constructor(options: SchedulerOptions) {
    this.client = options.client;
    this.schedulerName = options.schedulerName || DEFAULT_SCHEDULER_NAME;
    this.logger = options.logger ?? silentLogger();
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.percentageOfNodesToScore = options.percentageOfNodesToScore ?? 0;
    if (this.percentageOfNodesToScore < 0 || this.percentageOfNodesToScore > 100) {
      throw new Error(`percentageOfNodesToScore: Invalid value: ${this.percentageOfNodesToScore}: not in valid range [0-100]`);
    }
    this.maxInFlightBindings = options.maxInFlightBindings ?? 500;
    this.ownsFactory = !options.informerFactory;
    this.factory = options.informerFactory ?? new InformerFactory(this.client, { logger: this.logger, clock: this.clock });
    this.podInformer = this.factory.informerFor(Pods);
    const nodes = this.factory.informerFor(Nodes);
    const pvcs = this.factory.informerFor(PersistentVolumeClaims);
    const pvs = this.factory.informerFor(PersistentVolumes);
    const storageClasses = this.factory.informerFor(StorageClasses);
    const namespaces = this.factory.informerFor(Namespaces);
    const recorder = options.recordEvents === false ? undefined : new EventRecorder(this.client, { component: this.schedulerName, host: options.identity }, { logger: this.logger, clock: this.clock });
    this.events = new EventSink(recorder, { logger: this.logger, busy: () => this.bindingsInFlight > 0 });
    this.cache = new SchedulerCache({ clock: this.clock, logger: this.logger });

    // The queue needs the framework's sort and events, the framework's handle needs the queue
    // (as nominator): the handle reaches the queue lazily.
    const deps: HandleDeps = {
      snapshot: () => this.snapshot,
      listers: { pods: this.podInformer, namespaces, persistentVolumeClaims: pvcs, persistentVolumes: pvs, storageClasses },
      client: this.client,
      nominator: {
        nominatedPodsForNode: (n) => this.queue.nominatedPodsForNode(n),
        addNominatedPod: (p, n) => this.queue.addNominatedPod(p, n),
        deleteNominatedPodIfExists: (p) => this.queue.deleteNominatedPodIfExists(p),
      },
      schedulerName: this.schedulerName,
      logger: this.logger,
      clock: this.clock,
      random: this.random,
      recordEvent: (pod, type, reason, message) => this.events.record(pod, type, reason, message),
    };
    this.framework = new Framework(options.registry ?? inTreeRegistry(), { schedulerName: this.schedulerName, plugins: options.plugins ?? DEFAULT_PLUGINS, pluginConfig: options.pluginConfig }, deps);
    const queueSort = this.framework.queueSort;
    this.queue = new SchedulingQueue({
      less: (a, b) => queueSort?.less(a, b) ?? false,
      preEnqueue: (pod) => this.framework.runPreEnqueuePlugins(pod),
      eventsByPlugin: this.framework.eventsByPlugin,
      clock: this.clock,
      logger: this.logger,
      podInitialBackoffMs: (options.podInitialBackoffSeconds ?? 1) * 1000,
      podMaxBackoffMs: (options.podMaxBackoffSeconds ?? 10) * 1000,
      podMaxInUnschedulablePodsDurationMs: (options.podMaxInUnschedulablePodsDurationSeconds ?? 300) * 1000,
      timers: true,
    });
    this.addEventHandlers(nodes, pvcs, pvs, storageClasses, namespaces);
  }

  // ---------------------------------------------------------------------------
  // Informer event handlers: they only update the cache and the queue.

  private responsible(pod: corev1.Pod): boolean {
    return (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === this.schedulerName;
  }

  private move(event: ClusterEvent, oldObj?: unknown, newObj?: unknown): void {
    this.queue.moveAllToActiveOrBackoffQueue(event, oldObj, newObj);
  }

  private event(resource: EventResource, actionType: number, label: string): ClusterEvent {
    return { resource, actionType, label };
  }

  private addEventHandlers(
    nodes: Informer<corev1.Node>,
    pvcs: Informer<corev1.PersistentVolumeClaim>,
    pvs: Informer<corev1.PersistentVolume>,
    storageClasses: Informer<storagev1.StorageClass>,
    namespaces: Informer<corev1.Namespace>,
  ): void {
    this.podInformer.addEventHandler({
      onAdd: (pod) => {
        if (assigned(pod)) {
          if (isTerminal(pod)) return;
          this.cache.addPod(pod);
          this.move(Events.AssignedPodAdd, undefined, pod);
        } else if (this.responsible(pod)) {
          this.queue.add(pod);
        }
      },
      onUpdate: (oldPod, pod) => {
        if (assigned(pod)) {
          if (!assigned(oldPod)) {
            // Bound (by us, or by someone else): it leaves the queue and counts on its node.
            this.queue.delete(oldPod);
            if (isTerminal(pod)) return;
            this.cache.addPod(pod);
            this.move(Events.AssignedPodAdd, undefined, pod);
          } else if (isTerminal(pod)) {
            if (!isTerminal(oldPod)) {
              this.cache.removePod(pod);
              this.move(Events.AssignedPodDelete, oldPod, undefined);
            }
          } else {
            this.cache.updatePod(oldPod, pod);
            const action = assignedPodUpdateAction(oldPod, pod);
            if (action) this.move(this.event('Pod', action, 'AssignedPodUpdate'), oldPod, pod);
          }
          return;
        }
        if (this.responsible(pod)) this.queue.update(oldPod, pod);
        else if (this.responsible(oldPod)) this.queue.delete(oldPod);
      },
      onDelete: (pod) => {
        if (assigned(pod)) {
          this.cache.removePod(pod);
          this.move(Events.AssignedPodDelete, pod, undefined);
        } else {
          this.queue.delete(pod);
        }
      },
    });
    nodes.addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        this.move(Events.NodeAdd, undefined, node);
      },
      onUpdate: (oldNode, node) => {
        this.cache.updateNode(oldNode, node);
        const action = nodeUpdateAction(oldNode, node);
        if (action) this.move(this.event('Node', action, 'NodeUpdate'), oldNode, node);
      },
      onDelete: (node) => {
        this.cache.removeNode(node);
        this.move(Events.NodeDelete, node, undefined);
      },
    });
    const simple = <T extends ApiObject>(resource: EventResource, informer: Informer<T>): void => {
      informer.addEventHandler({
        onAdd: (obj) => this.move(this.event(resource, ActionType.Add, `${resource}Add`), undefined, obj),
        onUpdate: (oldObj, obj) => this.move(this.event(resource, ActionType.UpdateOther, `${resource}Update`), oldObj, obj),
        onDelete: (obj) => this.move(this.event(resource, ActionType.Delete, `${resource}Delete`), obj, undefined),
      });
    };
    simple('PersistentVolumeClaim', pvcs);
    simple('PersistentVolume', pvs);
    simple('StorageClass', storageClasses);
    simple('Namespace', namespaces);
  }

  // ---------------------------------------------------------------------------
  // Lifecycle

  /** Starts the informers (when the scheduler owns them). Handlers are already registered. */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.ownsFactory) this.factory.start();
  }

  async waitForCacheSync(timeoutMs = 60_000): Promise<boolean> {
    return this.factory.waitForCacheSync(timeoutMs);
  }

  /** Schedules pods until `signal` aborts (leadership lost, shutdown). */
  async run(signal: AbortSignal): Promise<void> {
    this.start();
    if (!(await this.waitForCacheSync())) throw new Error('timed out waiting for caches to sync');
    this.logger.info({ schedulerName: this.schedulerName, nodes: this.cache.nodeCount }, 'scheduler running');
    const aborted = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    let lastYield = performance.now();
    while (!signal.aborted) {
      // Racing only when the queue is empty: a race per pod would pile a reaction per pod onto `aborted`.
      const q = this.queue.tryPop() ?? (await Promise.race([this.queue.pop(), aborted]));
      if (!q) break;
      if (signal.aborted) {
        // Put it back for whoever schedules next.
        this.queue.done(q.podInfo.key);
        this.queue.add(q.podInfo.pod);
        break;
      }
      try {
        await this.scheduleOne(q);
      } catch (err) {
        // A bug, not a verdict on the pod: log it and retry the pod after its back-off.
        this.logger.error({ err, pod: q.podInfo.key }, 'scheduling cycle failed');
        this.track(this.handleSchedulingFailure(q, { status: asStatus(err) }));
      }
      // Cycles chain as microtasks, which starve I/O: let watch events and binding responses in
      // once a budget has passed, rather than after every cycle (an event loop turn each).
      // (Real time, not this.clock: a fake clock in tests must not stop the yields.)
      if (performance.now() - lastYield >= LOOP_YIELD_BUDGET_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
  }

  /** Stops the queue and (if owned) the informers, after in-flight work settles. */
  async stop(): Promise<void> {
    this.queue.close();
    await Promise.allSettled([...this.pendingWork]);
    await this.events.flush();
    if (this.ownsFactory) await this.factory.stop();
  }

  private track<T>(p: Promise<T>): void {
    this.pendingWork.add(p);
    void p.finally(() => this.pendingWork.delete(p));
  }

  /** Resolves when no binding or failure handling is in flight (for tests). */
  async idle(): Promise<void> {
    while (this.pendingWork.size > 0) await Promise.allSettled([...this.pendingWork]);
  }

  // ---------------------------------------------------------------------------
  // The scheduling cycle

  private skipPodSchedule(pod: corev1.Pod): string | undefined {
    if (pod.metadata?.deletionTimestamp) return 'being deleted';
    if (assigned(pod)) return 'already assigned';
    if (this.cache.isAssumedPod(pod)) return 'already assumed';
    return undefined;
  }

  /** One scheduling cycle for `q`; the binding cycle continues asynchronously. */
  async scheduleOne(q: QueuedPodInfo): Promise<void> {
    const latest = this.queue.latestInFlight(q.podInfo.key);
    if (latest) q.podInfo = new PodInfo(latest);
    const pod = q.podInfo;
    const skipReason = this.skipPodSchedule(pod.pod);
    if (skipReason) {
      this.logger.debug({ pod: pod.key, reason: skipReason }, 'skipping pod');
      this.queue.done(pod.key);
      return;
    }
    this.metrics.attempts++;
    const state = new CycleState();
    let outcome: Outcome;
    try {
      outcome = await this.schedulePod(state, pod);
    } catch (err) {
      outcome = { error: asStatus(err) };
    }
    if ('error' in outcome) {
      this.metrics.errors++;
      this.logger.warn({ pod: pod.key, err: outcome.error.message() }, 'error scheduling pod');
      this.track(this.handleSchedulingFailure(q, { status: outcome.error }));
      return;
    }
    if ('fitError' in outcome) {
      this.metrics.unschedulable++;
      const fitError = outcome.fitError;
      let nominatedNodeName: string | undefined;
      if (this.framework.postFilterPlugins.length > 0 && fitError.numAllNodes > 0) {
        this.metrics.preemptionAttempts++;
        const { result, status } = await this.framework.runPostFilterPlugins(state, pod, fitError.diagnosis.nodeToStatus);
        if (status.code === Code.Error) this.logger.warn({ pod: pod.key, err: status.message() }, 'PostFilter failed');
        else fitError.diagnosis.postFilterMsg = status.message();
        nominatedNodeName = result?.nominatedNodeName;
      }
      this.logger.debug({ pod: pod.key, message: fitError.message }, 'unable to schedule pod');
      this.track(this.handleSchedulingFailure(q, { fitError }, nominatedNodeName));
      return;
    }
    // Assume: the pod counts on its node from now on, before the API hears of it.
    const host = outcome.host;
    const assumed = pod.withNodeName(host);
    try {
      this.cache.assumePod(assumed);
    } catch (err) {
      this.track(this.handleSchedulingFailure(q, { status: asStatus(err) }));
      return;
    }
    const reserved = this.framework.runReservePluginsReserve(state, assumed, host);
    if (reserved) {
      this.framework.runReservePluginsUnreserve(state, assumed, host);
      this.cache.forgetPod(assumed);
      this.track(this.handleSchedulingFailure(q, { status: reserved }));
      return;
    }
    this.queue.deleteNominatedPodIfExists(pod.pod);
    await this.acquireBindSlot();
    this.track(this.bindingCycle(state, q, assumed, host));
  }

  private acquireBindSlot(): Promise<void> {
    if (this.bindingsInFlight < this.maxInFlightBindings) {
      this.bindingsInFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.bindSlotWaiters.push(() => {
        this.bindingsInFlight++;
        resolve();
      }),
    );
  }

  private releaseBindSlot(): void {
    this.bindingsInFlight--;
    this.bindSlotWaiters.shift()?.();
  }

  /** How many feasible nodes to look for before scoring (numFeasibleNodesToFind). */
  numFeasibleNodesToFind(numAllNodes: number): number {
    if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || this.percentageOfNodesToScore >= 100) return numAllNodes;
    let percentage = this.percentageOfNodesToScore;
    if (percentage <= 0) {
      percentage = 50 - Math.floor(numAllNodes / 125);
      if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE) percentage = MIN_FEASIBLE_NODES_PERCENTAGE;
    }
    const n = Math.floor((numAllNodes * percentage) / 100);
    return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
  }

  /** Snapshot, filter, score, select: the node for `pod`, or why there is none. */
  async schedulePod(state: CycleState, pod: PodInfo): Promise<Outcome> {
    this.cache.updateSnapshot(this.snapshot);
    const numNodes = this.snapshot.numNodes;
    if (numNodes === 0) return { fitError: new FitError(pod, 0, newDiagnosis()) };
    const found = await this.findNodesThatFitPod(state, pod);
    if ('error' in found) return found;
    const { feasible, diagnosis, evaluated } = found;
    if (feasible.length === 0) return { fitError: new FitError(pod, numNodes, diagnosis) };
    if (feasible.length === 1) return { host: feasible[0].name, evaluated, feasible: 1 };
    const pre = this.framework.runPreScorePlugins(state, pod, feasible);
    if (pre) return { error: pre };
    const scored = this.framework.runScorePlugins(state, pod, feasible);
    if (!('totals' in scored)) return { error: scored };
    return { host: this.selectHost(feasible, scored.totals), evaluated, feasible: feasible.length };
  }

  /** The highest total; ties broken uniformly at random (reservoir sampling). */
  selectHost(nodes: readonly NodeInfo[], totals: readonly number[]): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (Math.floor(this.random() * ties) === 0) best = i;
      }
    }
    return nodes[best].name;
  }

  private async findNodesThatFitPod(state: CycleState, pod: PodInfo): Promise<{ feasible: NodeInfo[]; diagnosis: Diagnosis; evaluated: number } | { error: Status }> {
    const diagnosis = newDiagnosis();
    const allNodes = this.snapshot.list();
    const pre = this.framework.runPreFilterPlugins(state, pod, allNodes);
    if (pre.status) {
      if (!pre.status.isRejected()) return { error: pre.status };
      // Rejected before any node was looked at: every node shares that reason.
      diagnosis.nodeToStatus.absent = pre.status;
      diagnosis.preFilterMsg = pre.status.message();
      if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
      return { feasible: [], diagnosis, evaluated: 0 };
    }
    // A pod that preemption nominated to a node tries that node first.
    const nominated = pod.pod.status?.nominatedNodeName;
    if (nominated && (!pre.nodeNames || pre.nodeNames.has(nominated))) {
      const nodeInfo = this.snapshot.get(nominated);
      if (nodeInfo) {
        const s = this.framework.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
        if (!s) return { feasible: [nodeInfo], diagnosis, evaluated: 1 };
        if (!s.isRejected()) return { error: s };
      }
    }
    let nodes = allNodes;
    if (pre.nodeNames) {
      const names = pre.nodeNames;
      nodes = allNodes.filter((n) => names.has(n.name));
      diagnosis.nodeToStatus.absent = unresolvable('node is filtered out by the prefilter result');
    }
    return this.findNodesThatPassFilters(state, pod, diagnosis, nodes);
  }

  private async findNodesThatPassFilters(
    state: CycleState,
    pod: PodInfo,
    diagnosis: Diagnosis,
    nodes: readonly NodeInfo[],
  ): Promise<{ feasible: NodeInfo[]; diagnosis: Diagnosis; evaluated: number } | { error: Status }> {
    const numAll = nodes.length;
    const wanted = this.numFeasibleNodesToFind(numAll);
    const feasible: NodeInfo[] = [];
    if (numAll === 0) return { feasible, diagnosis, evaluated: 0 };
    const start = this.nextStartNodeIndex % numAll;
    const began = this.clock.now();
    // Nominated pods count on their nodes only while there are any (preemption is rare).
    const withNominated = this.queue.hasNominatedPods();
    let processed = 0;
    while (processed < numAll && feasible.length < wanted) {
      const end = Math.min(processed + FILTER_CHUNK, numAll);
      for (; processed < end && feasible.length < wanted; processed++) {
        const nodeInfo = nodes[(start + processed) % numAll];
        const s = withNominated ? this.framework.runFilterPluginsWithNominatedPods(state, pod, nodeInfo) : this.framework.runFilterPlugins(state, pod, nodeInfo);
        if (!s) {
          feasible.push(nodeInfo);
        } else if (s.isRejected()) {
          diagnosis.nodeToStatus.set(nodeInfo.name, s);
          if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
        } else {
          return { error: s };
        }
      }
      // A heavy pod (affinity over many pods) must not starve the watches.
      if (processed < numAll && feasible.length < wanted && this.clock.now() - began > FILTER_YIELD_BUDGET_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    this.nextStartNodeIndex = (start + processed) % numAll;
    return { feasible, diagnosis, evaluated: processed };
  }

  // ---------------------------------------------------------------------------
  // Binding

  private async bindingCycle(state: CycleState, q: QueuedPodInfo, assumed: PodInfo, host: string): Promise<void> {
    try {
      const preBind = await this.framework.runPreBindPlugins(state, assumed, host);
      if (preBind) {
        await this.handleBindingFailure(state, q, assumed, host, `running PreBind plugin "${preBind.plugin}": ${preBind.message()}`);
        return;
      }
      const bound = await this.framework.runBindPlugins(state, assumed, host);
      if (bound) {
        await this.handleBindingFailure(state, q, assumed, host, `running Bind plugin "${bound.plugin}": ${bound.message()}`);
        return;
      }
      this.cache.finishBinding(assumed);
      this.metrics.scheduled++;
      this.events.record(assumed.pod, 'Normal', 'Scheduled', `Successfully assigned ${assumed.namespace}/${assumed.name} to ${host}`);
      this.framework.runPostBindPlugins(state, assumed, host);
    } catch (err) {
      await this.handleBindingFailure(state, q, assumed, host, (err as Error).message);
    } finally {
      this.releaseBindSlot();
      this.queue.done(q.podInfo.key);
    }
  }

  private async handleBindingFailure(state: CycleState, q: QueuedPodInfo, assumed: PodInfo, host: string, message: string): Promise<void> {
    this.metrics.bindErrors++;
    this.logger.warn({ pod: assumed.key, node: host, err: message }, 'binding failed');
    this.framework.runReservePluginsUnreserve(state, assumed, host);
    this.cache.forgetPod(assumed);
    // The room it held is free again.
    this.move(Events.AssignedPodDelete, assumed.pod, undefined);
    await this.handleSchedulingFailure(q, { status: asStatus(new Error(`Binding rejected: ${message}`)) });
  }

  // ---------------------------------------------------------------------------
  // Failures

  /**
   * Reports why the pod was not scheduled (PodScheduled=False condition, FailedScheduling
   * event, nominatedNodeName) and puts it back in the queue, unless it is gone or was bound.
   */
  private async handleSchedulingFailure(q: QueuedPodInfo, failure: { fitError?: FitError; status?: Status }, nominatedNodeName?: string): Promise<void> {
    const key = q.podInfo.key;
    try {
      const fitError = failure.fitError;
      const message = fitError ? fitError.message : (failure.status?.message() ?? 'unknown error');
      const reason = fitError ? 'Unschedulable' : 'SchedulerError';
      q.unschedulablePlugins = fitError ? fitError.diagnosis.unschedulablePlugins : new Set();
      q.failedWithError = !fitError;
      const current = this.podInformer.get(q.podInfo.namespace, q.podInfo.name);
      if (!current || current.metadata?.uid !== q.podInfo.pod.metadata?.uid || assigned(current)) {
        // Deleted, replaced, or bound meanwhile: nothing to report or retry.
        this.queue.done(key);
        return;
      }
      this.events.record(current, 'Warning', 'FailedScheduling', message);
      if (nominatedNodeName !== undefined) {
        if (nominatedNodeName) this.queue.addNominatedPod(new PodInfo(current), nominatedNodeName);
        else this.queue.deleteNominatedPodIfExists(current);
      }
      try {
        await this.updatePodScheduledCondition(current, reason, message, nominatedNodeName);
      } catch (err) {
        this.logger.debug({ pod: key, err: (err as Error).message }, 'could not update pod status');
      }
      const latest = this.podInformer.get(q.podInfo.namespace, q.podInfo.name);
      if (!latest || latest.metadata?.uid !== q.podInfo.pod.metadata?.uid || assigned(latest)) {
        this.queue.done(key);
        return;
      }
      const info = new PodInfo(latest);
      q.podInfo = info;
      if (nominatedNodeName) this.queue.addNominatedPod(info, nominatedNodeName);
      this.queue.addUnschedulableIfNotPresent(q);
    } catch (err) {
      this.logger.error({ pod: key, err }, 'handling a scheduling failure failed');
      this.queue.done(key);
    }
  }

  /** Writes PodScheduled=False (and nominatedNodeName) unless the pod already says exactly that. */
  private async updatePodScheduledCondition(pod: corev1.Pod, reason: string, message: string, nominatedNodeName: string | undefined): Promise<void> {
    const conditions = pod.status?.conditions ?? [];
    const existing = conditions.find((c) => c.type === 'PodScheduled');
    const sameCondition = existing?.status === 'False' && existing.reason === reason && existing.message === message;
    const nominationChanged = nominatedNodeName !== undefined && (pod.status?.nominatedNodeName ?? '') !== nominatedNodeName;
    if (sameCondition && !nominationChanged) return;
    const condition: corev1.PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      lastTransitionTime: existing?.status === 'False' && existing.lastTransitionTime ? existing.lastTransitionTime : rfc3339(this.clock.now()),
    };
    const status: Record<string, unknown> = { conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), condition] };
    if (nominationChanged) status.nominatedNodeName = nominatedNodeName || null;
    await this.client
      .resource(Pods)
      .namespace(pod.metadata?.namespace)
      .patch(pod.metadata?.name ?? '', MERGE_PATCH, { metadata: { uid: pod.metadata?.uid }, status }, 'status');
  }
}
