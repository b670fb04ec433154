import { createHash } from 'node:crypto';
import type { corev1 } from '@minik8s/api';
import { formatDuration } from '@minik8s/flags';
import type { HollowBehaviour } from './annotations';
import { formatTime, parseTime } from './time';

/**
 * The pretend kubelet's decisions for one pod, as pure functions of the pod, the clock and the
 * pod's annotations. Everything is derived from the pod's status in the API, so a restarted
 * HollowNodes resumes where the last one stopped; only sub-second precision, which the API's
 * whole-second timestamps drop, is kept in memory (see `Instants`).
 */

export type Pod = corev1.Pod;
export type PodStatus = corev1.PodStatus;
export type ContainerStatus = corev1.ContainerStatus;

/** Exact times behind whole-second timestamps this process wrote, keyed per pod by `instantKey`. */
export interface Instants {
  get(key: string): number | undefined;
}

export const NO_INSTANTS: Instants = { get: () => undefined };

/** When this process first saw the pod's deletionTimestamp (deletionTimestamp itself is whole seconds). */
export const DELETION_OBSERVED = 'deletion/observed';

export function instantKey(container: string, restartCount: number, what: 'started' | 'finished'): string {
  return `${container}/${restartCount}/${what}`;
}

export interface BackOff {
  baseMs: number;
  maxMs: number;
}

export interface PodSyncInput {
  pod: Pod;
  now: number;
  hostIP: string;
  /** The pod's address should it start now (the caller allocates it; hostNetwork pods get hostIP). */
  podIP: string;
  behaviour: HollowBehaviour;
  backOff: BackOff;
  terminationDelayMs: number;
  instants?: Instants;
}

export interface PodDecision {
  /** A new status to write through pods/status; absent when the pod's status is already right. */
  status?: PodStatus;
  /** Remove the object (gracePeriodSeconds 0): its containers have stopped. */
  delete?: boolean;
  /** When the pod next needs a look (ms since the epoch). */
  requeueAt?: number;
  /** Exact times behind the whole-second timestamps in `status`, to keep once it is written. */
  instants?: Record<string, number>;
}

export const TERMINAL_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed']);

export function isTerminal(pod: Pod): boolean {
  return TERMINAL_PHASES.has(pod.status?.phase ?? '');
}

/**
 * Kubernetes' crash-loop back-off before restart number `restartCount + 1`: the first restart is
 * immediate, then base, 2×base, … capped at max (10s doubling to 5m on a real kubelet).
 */
export function crashLoopDelayMs(restartCount: number, backOff: BackOff): number {
  if (restartCount <= 0) return 0;
  return Math.min(backOff.baseMs * 2 ** (restartCount - 1), backOff.maxMs);
}

/** Whether a container that exited with `exitCode` is started again under `restartPolicy`. */
export function shouldRestart(restartPolicy: string | undefined, exitCode: number): boolean {
  const policy = restartPolicy || 'Always';
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}

const imageIds = new Map<string, string>();

/** A stable pretend image digest. */
export function imageIdOf(image: string): string {
  let id = imageIds.get(image);
  if (!id) {
    id = `hollow://sha256:${createHash('sha256').update(image).digest('hex')}`;
    if (imageIds.size < 10_000) imageIds.set(image, id);
  }
  return id;
}

export function containerIdOf(pod: Pod, container: string): string {
  return `hollow://${pod.metadata?.uid ?? ''}/${container}`;
}

function terminationReason(exitCode: number): string {
  return exitCode === 0 ? 'Completed' : 'Error';
}

/** Values equal once undefined fields, empty arrays and empty objects are dropped and keys sorted. */
export function semanticallyEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.length === 0 ? undefined : value.map((v) => canonical(v) ?? null);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/** Builds one decision; a small mutable scratchpad shared by the steps below. */
class Step {
  readonly instants: Record<string, number> = {};
  wakeAt: number | undefined;

  constructor(readonly input: PodSyncInput) {}

  get now(): number {
    return this.input.now;
  }

  wake(at: number): void {
    if (this.wakeAt === undefined || at < this.wakeAt) this.wakeAt = at;
  }

  /** The exact time behind `iso` when this process wrote it, else `iso` itself. */
  exact(key: string, iso: string | undefined): number {
    const parsed = parseTime(iso);
    const recorded = this.input.instants?.get(key) ?? this.instants[key];
    if (parsed === undefined) return recorded ?? this.now;
    if (recorded !== undefined && Math.floor(recorded / 1000) * 1000 === parsed) return recorded;
    return parsed;
  }

  /** A whole-second timestamp for `ms`, remembering `ms` exactly under `key`. */
  stamp(key: string, ms: number): string {
    this.instants[key] = ms;
    return formatTime(ms);
  }
}

function runningStatus(
  step: Step,
  c: corev1.Container,
  restartCount: number,
  startMs: number,
  lastState: corev1.ContainerState | undefined,
  exit: HollowBehaviour['exit'],
): ContainerStatus {
  const name = c.name ?? '';
  const s: ContainerStatus = {
    name,
    state: { running: { startedAt: step.stamp(instantKey(name, restartCount, 'started'), startMs) } },
    ready: false,
    restartCount,
    image: c.image ?? '',
    imageID: imageIdOf(c.image ?? ''),
    containerID: containerIdOf(step.input.pod, name),
    started: true,
  };
  if (lastState) s.lastState = lastState;
  applyReadiness(step, s, startMs);
  if (exit) step.wake(startMs + exit.afterMs);
  return s;
}

function applyReadiness(step: Step, s: ContainerStatus, startMs: number): void {
  const { behaviour } = step.input;
  if (!behaviour.ready) {
    s.ready = false;
    return;
  }
  const readyAt = startMs + behaviour.readyAfterMs;
  s.ready = step.now >= readyAt;
  if (!s.ready) step.wake(readyAt);
}

/** One step of a long-running container (a regular container, or a sidecar init container). */
function stepContainer(step: Step, c: corev1.Container, prev: ContainerStatus | undefined, restartPolicy: string, scripted: boolean): ContainerStatus {
  const { now, input } = step;
  const name = c.name ?? '';
  const exit = scripted ? input.behaviour.exit : undefined;
  const restartCount = prev?.restartCount ?? 0;

  if (prev?.state?.terminated) return prev;

  if (prev?.state?.waiting && prev.lastState?.terminated) {
    const finishedMs = step.exact(instantKey(name, restartCount, 'finished'), prev.lastState.terminated.finishedAt);
    const restartAt = finishedMs + crashLoopDelayMs(restartCount, input.backOff);
    if (now < restartAt) {
      step.wake(restartAt);
      return prev;
    }
    return runningStatus(step, c, restartCount + 1, now, prev.lastState, exit);
  }

  if (!prev?.state?.running) return runningStatus(step, c, restartCount, now, prev?.lastState, exit);

  const startMs = step.exact(instantKey(name, restartCount, 'started'), prev.state.running.startedAt);
  if (!exit || now < startMs + exit.afterMs) {
    if (exit) step.wake(startMs + exit.afterMs);
    const s: ContainerStatus = { ...prev };
    applyReadiness(step, s, startMs);
    s.started = true;
    return s;
  }

  // The run ends now (or ended while nobody was watching) at exactly start + exit-after.
  const finishedMs = startMs + exit.afterMs;
  const terminated: corev1.ContainerStateTerminated = {
    exitCode: exit.code,
    reason: terminationReason(exit.code),
    startedAt: prev.state.running.startedAt,
    finishedAt: step.stamp(instantKey(name, restartCount, 'finished'), finishedMs),
    containerID: prev.containerID,
  };
  if (!shouldRestart(restartPolicy, exit.code)) {
    return { ...prev, state: { terminated }, ready: false, started: false };
  }
  const restartAt = finishedMs + crashLoopDelayMs(restartCount, input.backOff);
  if (now >= restartAt) return runningStatus(step, c, restartCount + 1, now, { terminated }, exit);
  step.wake(restartAt);
  const pod = input.pod.metadata ?? {};
  return {
    ...prev,
    state: {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${formatDuration(crashLoopDelayMs(restartCount, input.backOff))} restarting failed container=${name} pod=${pod.name ?? ''}_${pod.namespace ?? ''}(${pod.uid ?? ''})`,
      },
    },
    lastState: { terminated },
    ready: false,
    started: false,
  };
}

function completedInitStatus(step: Step, c: corev1.Container, prev: ContainerStatus | undefined): ContainerStatus {
  if (prev?.state?.terminated) return prev;
  const name = c.name ?? '';
  const at = formatTime(step.now);
  return {
    name,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at, containerID: containerIdOf(step.input.pod, name) } },
    ready: false,
    restartCount: 0,
    image: c.image ?? '',
    imageID: imageIdOf(c.image ?? ''),
    containerID: containerIdOf(step.input.pod, name),
    started: false,
  };
}

function isSidecar(c: corev1.Container): boolean {
  return c.restartPolicy === 'Always';
}

/** Stops a container as a graceful deletion (or the end of the pod, for sidecars) does. */
function stopped(step: Step, s: ContainerStatus, exitCode: number): ContainerStatus {
  if (s.state?.terminated) return s;
  if (s.state?.waiting && s.lastState?.terminated) {
    return { ...s, state: { terminated: s.lastState.terminated }, ready: false, started: false };
  }
  const at = formatTime(step.now);
  return {
    ...s,
    state: {
      terminated: {
        exitCode,
        reason: terminationReason(exitCode),
        startedAt: s.state?.running?.startedAt ?? at,
        finishedAt: at,
        containerID: s.containerID,
      },
    },
    ready: false,
    started: false,
  };
}

function byName(statuses: readonly ContainerStatus[] | undefined): Map<string, ContainerStatus> {
  return new Map((statuses ?? []).map((s) => [s.name ?? '', s]));
}

function condition(
  step: Step,
  old: readonly corev1.PodCondition[],
  type: string,
  value: boolean,
  reason?: string,
  message?: string,
): corev1.PodCondition {
  const status = value ? 'True' : 'False';
  const prev = old.find((c) => c.type === type);
  const c: corev1.PodCondition = {
    type,
    status,
    lastTransitionTime: prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : formatTime(step.now),
  };
  if (prev?.lastProbeTime) c.lastProbeTime = prev.lastProbeTime;
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

const OWNED_CONDITIONS = new Set(['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

function conditions(step: Step, pod: Pod, phase: string, all: readonly ContainerStatus[]): corev1.PodCondition[] {
  const old = pod.status?.conditions ?? [];
  const unready = all.filter((s) => !s.ready).map((s) => s.name ?? '');
  const containersReady = phase === 'Running' && unready.length === 0;
  let reason: string | undefined;
  let message: string | undefined;
  if (phase === 'Succeeded') reason = 'PodCompleted';
  else if (phase === 'Failed') reason = 'PodFailed';
  else if (!containersReady) {
    reason = 'ContainersNotReady';
    message = `containers with unready status: [${unready.join(' ')}]`;
  }
  let ready = containersReady;
  let readyReason = reason;
  let readyMessage = message;
  if (containersReady) {
    for (const gate of pod.spec?.readinessGates ?? []) {
      const c = old.find((x) => x.type === gate.conditionType);
      if (c?.status !== 'True') {
        ready = false;
        readyReason = 'ReadinessGatesNotReady';
        readyMessage = c
          ? `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status ?? ''}`
          : `corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`;
        break;
      }
    }
  }
  const scheduled = old.find((c) => c.type === 'PodScheduled');
  return [
    condition(step, old, 'Initialized', true),
    condition(step, old, 'Ready', ready, readyReason, readyMessage),
    condition(step, old, 'ContainersReady', containersReady, reason, message),
    scheduled?.status === 'True' ? scheduled : condition(step, old, 'PodScheduled', true),
    ...old.filter((c) => !OWNED_CONDITIONS.has(c.type ?? '')),
  ];
}

/** Kubelet's sort of container statuses. */
function sortByName(statuses: ContainerStatus[]): ContainerStatus[] {
  return statuses.sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0));
}

function phaseOf(regular: readonly ContainerStatus[], podIsTerminal: boolean): string {
  const allStopped = regular.length > 0 && regular.every((s) => s.state?.terminated);
  if (!allStopped && !podIsTerminal) return 'Running';
  return regular.every((s) => (s.state?.terminated?.exitCode ?? 0) === 0) ? 'Succeeded' : 'Failed';
}

/** The status of the pod after one step, with everything the API had that we do not own kept. */
function nextStatus(step: Step, stopping: boolean): PodStatus {
  const { pod, hostIP, podIP } = step.input;
  const old = pod.status ?? {};
  const spec = pod.spec ?? {};
  const restartPolicy = spec.restartPolicy || 'Always';
  const starting = !old.startTime;
  const prevInit = starting ? new Map<string, ContainerStatus>() : byName(old.initContainerStatuses);
  const prevRegular = starting ? new Map<string, ContainerStatus>() : byName(old.containerStatuses);

  let init = (spec.initContainers ?? []).map((c) =>
    isSidecar(c) ? stepContainer(step, c, prevInit.get(c.name ?? ''), 'Always', false) : completedInitStatus(step, c, prevInit.get(c.name ?? '')),
  );
  let regular = (spec.containers ?? []).map((c) => stepContainer(step, c, prevRegular.get(c.name ?? ''), restartPolicy, true));

  if (stopping) {
    const code = step.input.behaviour.stopExitCode;
    regular = regular.map((s) => stopped(step, s, code));
    init = init.map((s) => stopped(step, s, 0));
  }
  const phase = phaseOf(regular, stopping);
  if (phase !== 'Running' && !stopping) {
    // The pod is done: its sidecars are stopped, and they count as having succeeded.
    init = init.map((s) => stopped(step, s, 0));
  }
  const sidecars = init.filter((_, i) => isSidecar((spec.initContainers ?? [])[i]));
  const status: PodStatus = {
    ...old,
    phase,
    hostIP: old.hostIP || hostIP,
    hostIPs: old.hostIPs?.length ? old.hostIPs : [{ ip: old.hostIP || hostIP }],
    podIP: old.podIP || podIP,
    podIPs: old.podIPs?.length ? old.podIPs : [{ ip: old.podIP || podIP }],
    startTime: old.startTime || formatTime(step.now),
    initContainerStatuses: init,
    containerStatuses: sortByName(regular),
  };
  status.conditions = conditions(step, pod, phase, [...regular, ...sidecars]);
  return status;
}

function deletionDecision(step: Step): PodDecision {
  const { pod, now, terminationDelayMs } = step.input;
  const meta = pod.metadata ?? {};
  const graceMs = Math.max(0, meta.deletionGracePeriodSeconds ?? 0) * 1000;
  const deadline = parseTime(meta.deletionTimestamp) ?? now;
  // The deletion was asked for at deadline - grace, to the second; when we saw it is more exact.
  const requestedAt = Math.max(deadline - graceMs, step.input.instants?.get(DELETION_OBSERVED) ?? -Infinity);
  const stopAt = requestedAt + Math.min(graceMs, terminationDelayMs);
  if (now < stopAt) return { requeueAt: stopAt };
  const started = !!pod.status?.startTime && (pod.status.containerStatuses ?? []).length > 0;
  if (isTerminal(pod) || !started) return { delete: true };
  const status = nextStatus(step, true);
  return semanticallyEqual(status, pod.status) ? { delete: true } : { status, delete: true, instants: step.instants };
}

/**
 * What a kubelet that runs nothing does with a pod bound to its node: start it (Running, an IP,
 * every container running and, unless the annotations say otherwise, ready), end its containers
 * when `exit-after` passes (terminal phase or a restart with crash-loop back-off, by restart
 * policy), and, once it is being deleted, stop it and remove the object.
 */
export function decidePod(input: PodSyncInput): PodDecision {
  const step = new Step(input);
  if (input.pod.metadata?.deletionTimestamp) return deletionDecision(step);
  if (isTerminal(input.pod)) return {};
  const status = nextStatus(step, false);
  const decision: PodDecision = {};
  if (!semanticallyEqual(status, input.pod.status)) {
    decision.status = status;
    decision.instants = step.instants;
  }
  if (step.wakeAt !== undefined) decision.requeueAt = step.wakeAt;
  return decision;
}
