import type { corev1 } from '@minik8s/api';
import type { ContainerStatus, SandboxStatus } from '../runtime/container-runtime';
import { currentSandbox, instancesByName, shouldRestart } from '../pod/pod-actions';

/** A container's last failure to start (CrashLoopBackOff, ErrImagePull, ...), shown as Waiting. */
export interface WaitingReason {
  reason: string;
  message: string;
}

export interface StatusInputs {
  pod: corev1.Pod;
  sandboxes: readonly SandboxStatus[];
  containers: readonly ContainerStatus[];
  /** By container name. */
  reasons: ReadonlyMap<string, WaitingReason>;
  hostIP: string;
  now: number;
  /** Container IDs whose readiness probe succeeds last; containers without one are ready when running. */
  readiness?: ReadonlyMap<string, boolean>;
  /** Container IDs whose startup probe has not succeeded yet. */
  notStarted?: ReadonlySet<string>;
  /** The pod is being shut down: no container will restart any more. */
  terminal?: boolean;
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function dockerId(id: string): string {
  return `docker://${id}`;
}

function terminatedState(c: ContainerStatus): corev1.ContainerState {
  let reason = c.exitCode === 0 ? 'Completed' : 'Error';
  if (c.oomKilled) reason = 'OOMKilled';
  if (c.state === 'created' && c.error) reason = 'ContainerCannotRun';
  return {
    terminated: {
      exitCode: c.exitCode,
      reason,
      message: c.message || c.error || undefined,
      startedAt: c.startedAt ? rfc3339(c.startedAt) : undefined,
      finishedAt: c.finishedAt ? rfc3339(c.finishedAt) : undefined,
      containerID: dockerId(c.id),
    },
  };
}

function containerStatus(
  spec: corev1.Container,
  instances: readonly ContainerStatus[],
  inputs: StatusInputs,
  defaultWaiting: string,
  hasReadinessProbe: boolean,
): corev1.ContainerStatus {
  const name = spec.name ?? '';
  const [cur, prev] = instances;
  const waiting = inputs.reasons.get(name);
  const status: corev1.ContainerStatus = {
    name,
    state: {},
    lastState: prev && prev.state !== 'running' ? terminatedState(prev) : {},
    ready: false,
    restartCount: cur?.restartCount ?? 0,
    image: spec.image ?? '',
    imageID: '',
    started: false,
  };
  if (!cur) {
    status.state = { waiting: waiting ? { reason: waiting.reason, message: waiting.message } : { reason: defaultWaiting } };
    return status;
  }
  status.containerID = dockerId(cur.id);
  status.imageID = cur.imageRef ? `docker://${cur.imageRef}` : '';
  if (cur.state === 'running') {
    status.state = { running: { startedAt: rfc3339(cur.startedAt || cur.createdAt) } };
    status.started = !inputs.notStarted?.has(cur.id);
    status.ready = status.started && (hasReadinessProbe ? (inputs.readiness?.get(cur.id) ?? false) : true);
    return status;
  }
  if (cur.state === 'created' && !cur.error && !cur.finishedAt) {
    status.state = { waiting: waiting ? { reason: waiting.reason, message: waiting.message } : { reason: defaultWaiting } };
    return status;
  }
  if (waiting && !inputs.terminal) {
    // Exited and waiting to start again (CrashLoopBackOff, or a failed restart).
    status.state = { waiting: { reason: waiting.reason, message: waiting.message } };
    status.lastState = terminatedState(cur);
    return status;
  }
  status.state = terminatedState(cur);
  return status;
}

function condition(
  old: readonly corev1.PodCondition[],
  type: string,
  ok: boolean,
  now: number,
  reason?: string,
  message?: string,
): corev1.PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: undefined,
    lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
    reason: ok ? undefined : reason,
    message: ok ? undefined : message,
  };
}

/** Kubernetes' pod phase from its containers' statuses. */
export function podPhase(
  spec: corev1.PodSpec,
  initDone: boolean,
  initStatuses: readonly corev1.ContainerStatus[],
  statuses: readonly corev1.ContainerStatus[],
  terminal: boolean,
): string {
  const restartPolicy = spec.restartPolicy ?? 'Always';
  let pendingInit = false;
  if (!initDone) {
    for (const s of initStatuses) {
      const t = s.state?.terminated;
      if (t && t.exitCode === 0) continue;
      if (t && !shouldRestart(restartPolicy, t.exitCode ?? 1)) return 'Failed';
      pendingInit = true;
    }
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else waiting++;
  }
  if (pendingInit && !terminal) return 'Pending';
  if (pendingInit && terminal) return 'Failed';
  if (waiting > 0 && !terminal) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (terminal) return stopped === succeeded && waiting === 0 ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return terminal ? 'Failed' : 'Pending';
}

/**
 * The pod's status as the kubelet reports it: phase, conditions, IPs, start time and one status
 * per container, from what the runtime shows. Fields the kubelet does not own (qosClass,
 * nominatedNodeName, other conditions) are kept from the pod's current status.
 */
export function computePodStatus(inputs: StatusInputs): corev1.PodStatus {
  const { pod, now } = inputs;
  const spec = pod.spec ?? {};
  const old = pod.status ?? {};
  const oldConditions = old.conditions ?? [];
  const inits = instancesByName(inputs.containers, 'init');
  const regulars = instancesByName(inputs.containers, 'regular');
  const initSpecs = spec.initContainers ?? [];

  const initStatuses = initSpecs.map((c) => containerStatus(c, inits.get(c.name ?? '') ?? [], inputs, 'PodInitializing', false));
  const initDone = initSpecs.length === 0 || regulars.size > 0 || initStatuses.every((s) => s.state?.terminated?.exitCode === 0);
  const statuses = (spec.containers ?? []).map((c) =>
    containerStatus(c, regulars.get(c.name ?? '') ?? [], inputs, initDone ? 'ContainerCreating' : 'PodInitializing', !!c.readinessProbe),
  );

  let phase = podPhase(spec, initDone, initStatuses, statuses, inputs.terminal ?? false);
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;

  const sandbox = currentSandbox(inputs.sandboxes);
  const podIP = spec.hostNetwork ? inputs.hostIP : sandbox && sandbox.state === 'ready' && sandbox.ip ? sandbox.ip : (old.podIP ?? '');

  const incompleteInit = initSpecs.filter((_, i) => initStatuses[i].state?.terminated?.exitCode !== 0).map((c) => c.name);
  const unready = (spec.containers ?? []).filter((_, i) => !statuses[i].ready).map((c) => c.name);
  const containersReady = unready.length === 0;
  const readinessGates = (spec.readinessGates ?? []).map((g) => g.conditionType ?? '');
  const gatesOk = readinessGates.every((t) => oldConditions.find((c) => c.type === t)?.status === 'True');
  const completed = phase === 'Succeeded' || phase === 'Failed';

  const conditions: corev1.PodCondition[] = [
    condition(oldConditions, 'PodReadyToStartContainers', !!sandbox && sandbox.state === 'ready' && !completed, now),
    condition(oldConditions, 'Initialized', initDone, now, 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`),
    condition(
      oldConditions,
      'Ready',
      containersReady && gatesOk && !completed,
      now,
      completed && phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady',
      completed && phase === 'Succeeded' ? undefined : `containers with unready status: [${unready.join(' ')}]`,
    ),
    condition(
      oldConditions,
      'ContainersReady',
      containersReady && !completed,
      now,
      completed && phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady',
      completed && phase === 'Succeeded' ? undefined : `containers with unready status: [${unready.join(' ')}]`,
    ),
    condition(oldConditions, 'PodScheduled', true, now),
  ];
  const owned = new Set(conditions.map((c) => c.type));
  for (const c of oldConditions) if (!owned.has(c.type ?? '')) conditions.push(c);

  const status: corev1.PodStatus = {
    ...old,
    phase,
    conditions,
    hostIP: inputs.hostIP,
    hostIPs: [{ ip: inputs.hostIP }],
    podIP: podIP || undefined,
    podIPs: podIP ? [{ ip: podIP }] : undefined,
    startTime: old.startTime ?? rfc3339(now),
    initContainerStatuses: initStatuses.length > 0 ? initStatuses : undefined,
    containerStatuses: statuses,
    qosClass: old.qosClass,
  };
  if (!completed) {
    delete status.reason;
    delete status.message;
  }
  return status;
}
