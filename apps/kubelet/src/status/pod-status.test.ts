import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import type { ContainerStatus, SandboxStatus } from '../runtime/container-runtime';
import { computePodStatus, podPhase, type StatusInputs } from './pod-status';

const ref = { uid: 'u', name: 'p', namespace: 'default' };
const T0 = Date.parse('2026-01-01T00:00:00Z');

function pod(spec: Partial<corev1.PodSpec>, status: corev1.PodStatus = { phase: 'Pending', qosClass: 'BestEffort' }): corev1.Pod {
  return { metadata: { uid: 'u', name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox:1' }], ...spec }, status };
}

const sandbox: SandboxStatus = { id: 'sb', pod: ref, attempt: 0, state: 'ready', ip: '10.244.0.5', hostNetwork: false, createdAt: T0 };

function ctr(name: string, over: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    id: `${name}${over.restartCount ?? 0}`,
    pod: ref,
    name,
    kind: 'regular',
    sandboxId: 'sb',
    restartCount: 0,
    hash: '',
    state: 'running',
    image: 'busybox:1',
    imageRef: 'sha256:abc',
    createdAt: T0,
    startedAt: T0 + 1000,
    finishedAt: 0,
    exitCode: 0,
    oomKilled: false,
    error: '',
    ...over,
  };
}

function inputs(p: corev1.Pod, containers: ContainerStatus[], over: Partial<StatusInputs> = {}): StatusInputs {
  return { pod: p, sandboxes: [sandbox], containers, reasons: new Map(), hostIP: '192.168.1.10', now: T0 + 5000, ...over };
}

const cond = (s: corev1.PodStatus, type: string): string | undefined => s.conditions?.find((c) => c.type === type)?.status;

describe('computePodStatus', () => {
  it('reports a running pod: phase, IPs, conditions, container status', () => {
    const s = computePodStatus(inputs(pod({}), [ctr('app')]));
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.244.0.5');
    expect(s.podIPs).toEqual([{ ip: '10.244.0.5' }]);
    expect(s.hostIP).toBe('192.168.1.10');
    expect(s.hostIPs).toEqual([{ ip: '192.168.1.10' }]);
    expect(s.qosClass).toBe('BestEffort');
    expect(s.startTime).toBe('2026-01-01T00:00:05Z');
    for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready', 'PodReadyToStartContainers']) expect(cond(s, t)).toBe('True');
    expect(s.containerStatuses?.[0]).toMatchObject({
      name: 'app',
      ready: true,
      started: true,
      restartCount: 0,
      image: 'busybox:1',
      imageID: 'docker://sha256:abc',
      containerID: 'docker://app0',
      state: { running: { startedAt: '2026-01-01T00:00:01Z' } },
    });
  });

  it('shows ContainerCreating before a container exists, and keeps the start time', () => {
    const p = pod({}, { phase: 'Pending', qosClass: 'Burstable', startTime: '2025-12-31T00:00:00Z' });
    const s = computePodStatus(inputs(p, []));
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses?.[0].state?.waiting?.reason).toBe('ContainerCreating');
    expect(s.startTime).toBe('2025-12-31T00:00:00Z');
    expect(s.qosClass).toBe('Burstable');
    expect(cond(s, 'Ready')).toBe('False');
    expect(s.conditions?.find((c) => c.type === 'Ready')?.message).toBe('containers with unready status: [app]');
  });

  it.each([
    [0, false, 'Completed'],
    [1, false, 'Error'],
    [137, true, 'OOMKilled'],
  ])('exit %d (oom %s) → terminated reason %s', (exitCode, oomKilled, reason) => {
    const s = computePodStatus(inputs(pod({ restartPolicy: 'Never' }), [ctr('app', { state: 'exited', exitCode, oomKilled, finishedAt: T0 + 2000 })]));
    expect(s.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode, reason, finishedAt: '2026-01-01T00:00:02Z', containerID: 'docker://app0' });
    expect(s.phase).toBe(exitCode === 0 ? 'Succeeded' : 'Failed');
  });

  it('shows CrashLoopBackOff as waiting with the last termination, and the pod stays Running', () => {
    const old = ctr('app', { state: 'exited', exitCode: 2, finishedAt: T0 + 2000 });
    const cur = ctr('app', { restartCount: 1, state: 'exited', exitCode: 2, finishedAt: T0 + 3000 });
    const reasons = new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=p_default(u)' }]]);
    const s = computePodStatus(inputs(pod({}), [old, cur], { reasons }));
    const c = s.containerStatuses?.[0];
    expect(c?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(c?.lastState?.terminated?.exitCode).toBe(2);
    expect(c?.restartCount).toBe(1);
    expect(s.phase).toBe('Running');
  });

  it('reports init progress: Pending, Initialized False, app waiting PodInitializing', () => {
    const p = pod({ initContainers: [{ name: 'i1' }, { name: 'i2' }] });
    const s = computePodStatus(inputs(p, [ctr('i1', { kind: 'init', state: 'exited', exitCode: 0, finishedAt: T0 + 1 }), ctr('i2', { kind: 'init' })]));
    expect(s.phase).toBe('Pending');
    expect(cond(s, 'Initialized')).toBe('False');
    expect(s.conditions?.find((c) => c.type === 'Initialized')?.message).toBe('containers with incomplete status: [i2]');
    expect(s.initContainerStatuses?.map((c) => Object.keys(c.state ?? {})[0])).toEqual(['terminated', 'running']);
    expect(s.containerStatuses?.[0].state?.waiting?.reason).toBe('PodInitializing');
  });

  it('fails the pod when an init container fails under restartPolicy Never', () => {
    const p = pod({ restartPolicy: 'Never', initContainers: [{ name: 'i1' }] });
    const s = computePodStatus(inputs(p, [ctr('i1', { kind: 'init', state: 'exited', exitCode: 1, finishedAt: T0 + 1 })]));
    expect(s.phase).toBe('Failed');
  });

  it('waits for a readiness probe when the container has one', () => {
    const p = pod({ containers: [{ name: 'app', readinessProbe: { exec: { command: ['true'] } } }] });
    expect(computePodStatus(inputs(p, [ctr('app')])).containerStatuses?.[0].ready).toBe(false);
    expect(computePodStatus(inputs(p, [ctr('app')], { readiness: new Map([['app0', true]]) })).containerStatuses?.[0].ready).toBe(true);
  });

  it('keeps a finished phase, and lastTransitionTime of unchanged conditions', () => {
    const first = computePodStatus(inputs(pod({}), [ctr('app')]));
    const later = computePodStatus({ ...inputs({ ...pod({}), status: first }, [ctr('app')]), now: T0 + 60_000 });
    expect(later.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:00:05Z');
    const done = computePodStatus(inputs(pod({}, { phase: 'Failed', qosClass: 'BestEffort' }), [ctr('app')]));
    expect(done.phase).toBe('Failed');
  });

  it('uses the host IP as pod IP for host-network pods', () => {
    const s = computePodStatus(inputs(pod({ hostNetwork: true }), [ctr('app')], { sandboxes: [{ ...sandbox, ip: '', hostNetwork: true }] }));
    expect(s.podIP).toBe('192.168.1.10');
  });

  it('makes every stopped pod terminal once it is shut down', () => {
    const stopped = [ctr('app', { state: 'exited', exitCode: 143, finishedAt: T0 + 1 })];
    expect(computePodStatus(inputs(pod({}), stopped, { terminal: true })).phase).toBe('Failed');
    const ok = [ctr('app', { state: 'exited', exitCode: 0, finishedAt: T0 + 1 })];
    expect(computePodStatus(inputs(pod({}), ok, { terminal: true })).phase).toBe('Succeeded');
  });
});

describe('podPhase', () => {
  const running: corev1.ContainerStatus = { name: 'a', state: { running: {} } };
  const ok: corev1.ContainerStatus = { name: 'b', state: { terminated: { exitCode: 0 } } };
  const bad: corev1.ContainerStatus = { name: 'c', state: { terminated: { exitCode: 1 } } };
  it.each([
    ['Always', [running, bad], 'Running'],
    ['Always', [bad], 'Running'],
    ['Never', [ok, bad], 'Failed'],
    ['Never', [ok], 'Succeeded'],
    ['OnFailure', [ok], 'Succeeded'],
    ['OnFailure', [bad], 'Running'],
    ['Never', [{ name: 'w', state: { waiting: { reason: 'ContainerCreating' } } }, ok], 'Pending'],
  ] as const)('%s with %j → %s', (restartPolicy, statuses, want) => {
    expect(podPhase({ restartPolicy }, true, [], statuses as unknown as corev1.ContainerStatus[], false)).toBe(want);
  });
});
