import { createHash } from 'node:crypto';
import type { corev1 } from '@minik8s/api';
import type { ContainerKind, ContainerStatus, SandboxStatus } from '../runtime/container-runtime';

/** A hash of a container's spec: a running container whose hash differs is restarted. */
export function containerHash(container: corev1.Container): string {
  return createHash('sha256').update(JSON.stringify(container)).digest('hex').slice(0, 8);
}

/** Whether a container that exited with `exitCode` restarts under the pod's restart policy. */
export function shouldRestart(restartPolicy: string | undefined, exitCode: number): boolean {
  switch (restartPolicy ?? 'Always') {
    case 'Never':
      return false;
    case 'OnFailure':
      return exitCode !== 0;
    default:
      return true;
  }
}

/** Newest first: by restart count, then creation time. */
export function byNewest(a: ContainerStatus, b: ContainerStatus): number {
  return b.restartCount - a.restartCount || b.createdAt - a.createdAt;
}

/** The instances of each container name of one kind, newest first. */
export function instancesByName(containers: readonly ContainerStatus[], kind: ContainerKind): Map<string, ContainerStatus[]> {
  const out = new Map<string, ContainerStatus[]>();
  for (const c of containers) {
    if (c.kind !== kind) continue;
    const list = out.get(c.name) ?? [];
    list.push(c);
    out.set(c.name, list);
  }
  for (const list of out.values()) list.sort(byNewest);
  return out;
}

/** The sandbox the pod uses now: the newest one. */
export function currentSandbox(sandboxes: readonly SandboxStatus[]): SandboxStatus | undefined {
  return [...sandboxes].sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt)[0];
}

export interface ContainerToStart {
  container: corev1.Container;
  kind: ContainerKind;
  restartCount: number;
  /** The instance this one replaces, when it restarts a container that exited. */
  previous?: ContainerStatus;
}

export interface ContainerToKill {
  id: string;
  name: string;
  message: string;
}

export interface PodActions {
  /** Stop every container and sandbox of the pod first (the sandbox is gone or changed). */
  killPod: boolean;
  createSandbox: boolean;
  /** The sandbox to use when one is kept. */
  sandboxId: string;
  /** The attempt number of the sandbox to create. */
  attempt: number;
  /** An init container failed and the pod does not restart it: the pod has failed. */
  initFailed: boolean;
  initContainerToStart?: ContainerToStart;
  containersToStart: ContainerToStart[];
  containersToKill: ContainerToKill[];
}

export interface ActionInputs {
  /** Containers whose liveness probe failed: restarted. */
  livenessFailed?: ReadonlySet<string>;
}

function next(container: corev1.Container, kind: ContainerKind, previous: ContainerStatus | undefined): ContainerToStart {
  return { container, kind, restartCount: previous ? previous.restartCount + 1 : 0, previous };
}

/**
 * What to do to bring the pod's containers in line with its spec (the kubelet's
 * computePodActions): a sandbox first; init containers one at a time, in order; then every app
 * container that is missing, or exited and restarts under the restart policy.
 */
export function computePodActions(
  pod: corev1.Pod,
  sandboxes: readonly SandboxStatus[],
  containers: readonly ContainerStatus[],
  inputs: ActionInputs = {},
): PodActions {
  const spec = pod.spec ?? {};
  const restartPolicy = spec.restartPolicy ?? 'Always';
  const initSpecs = spec.initContainers ?? [];
  const specs = spec.containers ?? [];
  const sandbox = currentSandbox(sandboxes);
  const inits = instancesByName(containers, 'init');
  const regulars = instancesByName(containers, 'regular');
  const actions: PodActions = {
    killPod: false,
    createSandbox: false,
    sandboxId: sandbox?.id ?? '',
    attempt: 0,
    initFailed: false,
    containersToStart: [],
    containersToKill: [],
  };

  const sandboxUsable = sandbox && sandbox.state === 'ready' && (sandbox.hostNetwork || sandbox.ip !== '') && sandbox.hostNetwork === (spec.hostNetwork ?? false);
  if (!sandboxUsable) {
    // A pod that never restarts and has already run stays down once its sandbox is gone.
    if (restartPolicy === 'Never' && sandbox && containers.length > 0) return actions;
    actions.createSandbox = true;
    actions.killPod = sandboxes.length > 0 || containers.some((c) => c.state === 'running');
    actions.attempt = sandbox ? sandbox.attempt + 1 : 0;
    actions.sandboxId = '';
    if (initSpecs.length > 0) {
      const first = initSpecs[0];
      actions.initContainerToStart = next(first, 'init', inits.get(first.name ?? '')?.[0]);
      return actions;
    }
    for (const c of specs) {
      const prev = regulars.get(c.name ?? '')?.[0];
      if (prev && prev.state !== 'running' && !shouldRestart(restartPolicy, prev.exitCode)) continue;
      actions.containersToStart.push(next(c, 'regular', prev));
    }
    return actions;
  }

  // Running containers that are not the newest of their name, or not in the spec, or in another sandbox.
  const wanted = new Map<string, ContainerKind>([
    ...initSpecs.map((c) => [c.name ?? '', 'init'] as const),
    ...specs.map((c) => [c.name ?? '', 'regular'] as const),
  ]);
  for (const [kind, byName] of [['init', inits], ['regular', regulars]] as const) {
    for (const [name, list] of byName) {
      list.forEach((c, i) => {
        if (c.state !== 'running') return;
        if (wanted.get(name) !== kind) actions.containersToKill.push({ id: c.id, name, message: 'Container is not in the pod spec' });
        else if (i > 0) actions.containersToKill.push({ id: c.id, name, message: 'Container is an old instance' });
        else if (c.sandboxId !== sandbox.id) actions.containersToKill.push({ id: c.id, name, message: 'Container runs in an old sandbox' });
      });
    }
  }

  // Init containers, one at a time, unless the app containers have started already.
  if (initSpecs.length > 0 && regulars.size === 0) {
    for (const c of initSpecs) {
      const prev = inits.get(c.name ?? '')?.[0];
      if (!prev) {
        actions.initContainerToStart = next(c, 'init', undefined);
        return actions;
      }
      if (prev.state === 'running') {
        if (prev.sandboxId !== sandbox.id) {
          actions.initContainerToStart = next(c, 'init', prev);
        }
        return actions;
      }
      if (prev.state === 'exited' && prev.exitCode === 0) continue;
      if (prev.state === 'unknown') actions.containersToKill.push({ id: prev.id, name: c.name ?? '', message: 'Container is in an unknown state' });
      if (restartPolicy === 'Never') {
        actions.initFailed = true;
        return actions;
      }
      actions.initContainerToStart = next(c, 'init', prev);
      return actions;
    }
  }

  for (const c of specs) {
    const name = c.name ?? '';
    const prev = regulars.get(name)?.[0];
    if (!prev) {
      actions.containersToStart.push(next(c, 'regular', undefined));
      continue;
    }
    if (prev.state === 'running') {
      if (prev.sandboxId !== sandbox.id) {
        actions.containersToStart.push(next(c, 'regular', prev));
      } else if (prev.hash && prev.hash !== containerHash(c)) {
        actions.containersToKill.push({ id: prev.id, name, message: `Container ${name} definition changed, will be restarted` });
        actions.containersToStart.push(next(c, 'regular', prev));
      } else if (inputs.livenessFailed?.has(name)) {
        actions.containersToKill.push({ id: prev.id, name, message: `Container ${name} failed liveness probe, will be restarted` });
        actions.containersToStart.push(next(c, 'regular', prev));
      }
      continue;
    }
    if (prev.state === 'unknown') {
      actions.containersToKill.push({ id: prev.id, name, message: 'Container is in an unknown state' });
      actions.containersToStart.push(next(c, 'regular', prev));
      continue;
    }
    if (shouldRestart(restartPolicy, prev.exitCode)) actions.containersToStart.push(next(c, 'regular', prev));
  }
  return actions;
}
