import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import type { ContainerStatus, SandboxStatus } from '../runtime/container-runtime';
import { computePodActions, containerHash, shouldRestart } from './pod-actions';

const ref = { uid: 'u', name: 'p', namespace: 'default' };
const app: corev1.Container = { name: 'app', image: 'busybox:1' };
const init1: corev1.Container = { name: 'init1', image: 'busybox:1' };
const init2: corev1.Container = { name: 'init2', image: 'busybox:1' };

function pod(spec: Partial<corev1.PodSpec>): corev1.Pod {
  return { metadata: { uid: 'u', name: 'p', namespace: 'default' }, spec: { containers: [app], ...spec } };
}

function sandbox(over: Partial<SandboxStatus> = {}): SandboxStatus {
  return { id: 'sb', pod: ref, attempt: 0, state: 'ready', ip: '10.0.0.2', hostNetwork: false, createdAt: 1, ...over };
}

function ctr(spec: corev1.Container, over: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    id: `${spec.name}-${over.restartCount ?? 0}`,
    pod: ref,
    name: spec.name ?? '',
    kind: 'regular',
    sandboxId: 'sb',
    restartCount: 0,
    hash: containerHash(spec),
    state: 'running',
    image: spec.image ?? '',
    imageRef: 'sha256:x',
    createdAt: 1,
    startedAt: 1,
    finishedAt: 0,
    exitCode: 0,
    oomKilled: false,
    error: '',
    ...over,
  };
}

const names = (list: { container: corev1.Container; restartCount: number }[]): string[] => list.map((s) => `${s.container.name}#${s.restartCount}`);

describe('shouldRestart', () => {
  it.each([
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 2, true],
    ['Never', 1, false],
    [undefined, 0, true],
  ] as const)('%s exit %d → %s', (policy, code, want) => expect(shouldRestart(policy, code)).toBe(want));
});

describe('computePodActions', () => {
  it('creates a sandbox and starts every container for a new pod', () => {
    const a = computePodActions(pod({ containers: [app, { name: 'side', image: 'busybox:1' }] }), [], []);
    expect(a.createSandbox).toBe(true);
    expect(a.killPod).toBe(false);
    expect(a.attempt).toBe(0);
    expect(names(a.containersToStart)).toEqual(['app#0', 'side#0']);
  });

  it('starts only the first init container with a new sandbox', () => {
    const a = computePodActions(pod({ initContainers: [init1, init2] }), [], []);
    expect(a.createSandbox).toBe(true);
    expect(a.initContainerToStart?.container.name).toBe('init1');
    expect(a.containersToStart).toEqual([]);
  });

  it('does nothing while everything runs', () => {
    const a = computePodActions(pod({}), [sandbox()], [ctr(app)]);
    expect(a.createSandbox).toBe(false);
    expect(a.containersToStart).toEqual([]);
    expect(a.containersToKill).toEqual([]);
  });

  it('runs init containers in order, waiting for the running one', () => {
    const p = pod({ initContainers: [init1, init2] });
    const i1 = ctr(init1, { kind: 'init' });
    expect(computePodActions(p, [sandbox()], [i1]).initContainerToStart).toBeUndefined();
    const done = { ...i1, state: 'exited' as const, exitCode: 0, finishedAt: 2 };
    expect(computePodActions(p, [sandbox()], [done]).initContainerToStart?.container.name).toBe('init2');
    const done2 = ctr(init2, { kind: 'init', state: 'exited', exitCode: 0, finishedAt: 3 });
    const a = computePodActions(p, [sandbox()], [done, done2]);
    expect(a.initContainerToStart).toBeUndefined();
    expect(names(a.containersToStart)).toEqual(['app#0']);
  });

  it('restarts a failed init container, or fails the pod under restartPolicy Never', () => {
    const failed = ctr(init1, { kind: 'init', state: 'exited', exitCode: 1, finishedAt: 2 });
    const a = computePodActions(pod({ initContainers: [init1] }), [sandbox()], [failed]);
    expect(a.initContainerToStart?.restartCount).toBe(1);
    expect(a.initContainerToStart?.previous?.id).toBe(failed.id);
    const never = computePodActions(pod({ initContainers: [init1], restartPolicy: 'Never' }), [sandbox()], [failed]);
    expect(never.initFailed).toBe(true);
    expect(never.initContainerToStart).toBeUndefined();
  });

  it('skips init containers once app containers exist', () => {
    const a = computePodActions(pod({ initContainers: [init1] }), [sandbox()], [ctr(app)]);
    expect(a.initContainerToStart).toBeUndefined();
  });

  it.each([
    ['Always', 0, ['app#1']],
    ['Always', 1, ['app#1']],
    ['OnFailure', 0, []],
    ['OnFailure', 1, ['app#1']],
    ['Never', 1, []],
  ] as const)('restartPolicy %s, exit %d → start %j', (restartPolicy, exitCode, want) => {
    const exited = ctr(app, { state: 'exited', exitCode, finishedAt: 2 });
    expect(names(computePodActions(pod({ restartPolicy }), [sandbox()], [exited]).containersToStart)).toEqual(want);
  });

  it('restarts a running container whose spec changed', () => {
    const old = ctr(app, { hash: 'deadbeef' });
    const a = computePodActions(pod({}), [sandbox()], [old]);
    expect(a.containersToKill.map((k) => k.id)).toEqual([old.id]);
    expect(names(a.containersToStart)).toEqual(['app#1']);
  });

  it('restarts a container whose liveness probe failed', () => {
    const a = computePodActions(pod({}), [sandbox()], [ctr(app)], { livenessFailed: new Set(['app']) });
    expect(a.containersToKill[0].message).toContain('failed liveness probe');
    expect(names(a.containersToStart)).toEqual(['app#1']);
  });

  it('kills the pod and makes a new sandbox when the sandbox died', () => {
    const dead = sandbox({ state: 'notready' });
    const a = computePodActions(pod({}), [dead], [ctr(app)]);
    expect(a.createSandbox).toBe(true);
    expect(a.killPod).toBe(true);
    expect(a.attempt).toBe(1);
    expect(names(a.containersToStart)).toEqual(['app#1']);
  });

  it('leaves a finished restartPolicy Never pod down when its sandbox is gone', () => {
    const a = computePodActions(pod({ restartPolicy: 'Never' }), [sandbox({ state: 'notready' })], [ctr(app, { state: 'exited', exitCode: 0 })]);
    expect(a.createSandbox).toBe(false);
    expect(a.containersToStart).toEqual([]);
  });

  it('kills containers no longer in the spec', () => {
    const stray = ctr({ name: 'gone', image: 'x' });
    const a = computePodActions(pod({}), [sandbox()], [ctr(app), stray]);
    expect(a.containersToKill.map((k) => k.name)).toEqual(['gone']);
  });
});
