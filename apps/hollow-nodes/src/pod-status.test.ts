import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { DEFAULT_BEHAVIOUR, type HollowBehaviour } from './annotations';
import {
  crashLoopDelayMs,
  decidePod,
  DELETION_OBSERVED,
  semanticallyEqual,
  shouldRestart,
  type Instants,
  type PodDecision,
  type PodSyncInput,
} from './pod-status';
import { formatTime } from './time';

const T0 = Date.parse('2026-01-02T03:04:05.000Z');
const BACK_OFF = { baseMs: 10_000, maxMs: 300_000 };

function boundPod(overrides: { restartPolicy?: string; init?: corev1.Container[]; gates?: string[] } = {}): corev1.Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-1', resourceVersion: '7' },
    spec: {
      nodeName: 'hollow-0',
      restartPolicy: overrides.restartPolicy ?? 'Always',
      initContainers: overrides.init,
      containers: [
        { name: 'b-side', image: 'busybox:1.36' },
        { name: 'a-main', image: 'nginx:1.27' },
      ],
      readinessGates: overrides.gates?.map((conditionType) => ({ conditionType })),
    },
    status: {
      phase: 'Pending',
      qosClass: 'BestEffort',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-02T03:04:04Z' }],
    },
  };
}

/** Runs decidePod, remembering instants across steps as HollowNodes does. */
class Sim {
  readonly book = new Map<string, number>();
  readonly instants: Instants = { get: (k) => this.book.get(k) };

  constructor(
    public pod: corev1.Pod,
    readonly behaviour: Partial<HollowBehaviour> = {},
    readonly terminationDelayMs = 0,
  ) {}

  input(now: number): PodSyncInput {
    return {
      pod: this.pod,
      now,
      hostIP: '10.200.0.1',
      podIP: '10.208.0.2',
      behaviour: { ...DEFAULT_BEHAVIOUR, ...this.behaviour },
      backOff: BACK_OFF,
      terminationDelayMs: this.terminationDelayMs,
      instants: this.instants,
    };
  }

  step(now: number): PodDecision {
    const d = decidePod(this.input(now));
    if (d.status) this.pod = { ...this.pod, status: d.status };
    for (const [k, v] of Object.entries(d.instants ?? {})) this.book.set(k, v);
    return d;
  }

  container(name = 'a-main'): corev1.ContainerStatus | undefined {
    return this.pod.status?.containerStatuses?.find((c) => c.name === name);
  }

  condition(type: string): corev1.PodCondition | undefined {
    return this.pod.status?.conditions?.find((c) => c.type === type);
  }
}

describe('crashLoopDelayMs', () => {
  it.each([
    [0, 0],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [5, 160_000],
    [6, 300_000],
    [40, 300_000],
  ])('after %i restarts waits %ims', (restarts, ms) => {
    expect(crashLoopDelayMs(restarts, BACK_OFF)).toBe(ms);
  });
});

describe('shouldRestart', () => {
  it.each([
    ['Always', 0, true],
    ['Always', 1, true],
    ['', 0, true],
    ['OnFailure', 0, false],
    ['OnFailure', 2, true],
    ['Never', 0, false],
    ['Never', 137, false],
  ])('%s with exit %i → %s', (policy, code, restart) => {
    expect(shouldRestart(policy, code)).toBe(restart);
  });
});

describe('decidePod: starting', () => {
  it('starts a bound pod: Running, IPs, conditions, running ready containers sorted by name', () => {
    const sim = new Sim(boundPod({ init: [{ name: 'setup', image: 'busybox:1.36' }] }));
    const d = sim.step(T0 + 250);
    const s = d.status as corev1.PodStatus;
    expect(s.phase).toBe('Running');
    expect(s.qosClass).toBe('BestEffort');
    expect(s).toMatchObject({
      hostIP: '10.200.0.1',
      hostIPs: [{ ip: '10.200.0.1' }],
      podIP: '10.208.0.2',
      podIPs: [{ ip: '10.208.0.2' }],
      startTime: '2026-01-02T03:04:05Z',
    });
    expect(s.containerStatuses?.map((c) => c.name)).toEqual(['a-main', 'b-side']);
    expect(s.containerStatuses?.[0]).toEqual({
      name: 'a-main',
      state: { running: { startedAt: '2026-01-02T03:04:05Z' } },
      ready: true,
      restartCount: 0,
      image: 'nginx:1.27',
      imageID: expect.stringMatching(/^hollow:\/\/sha256:[0-9a-f]{64}$/),
      containerID: 'hollow://uid-1/a-main',
      started: true,
    });
    expect(s.initContainerStatuses?.[0]).toMatchObject({
      name: 'setup',
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
      ready: false,
      restartCount: 0,
    });
    expect(Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c.status]))).toEqual({
      Initialized: 'True',
      Ready: 'True',
      ContainersReady: 'True',
      PodScheduled: 'True',
    });
    // The binding's PodScheduled is kept as it was.
    expect(sim.condition('PodScheduled')?.lastTransitionTime).toBe('2026-01-02T03:04:04Z');
    expect(d.requeueAt).toBeUndefined();
  });

  it('is idempotent: a running pod needs no write later', () => {
    const sim = new Sim(boundPod());
    sim.step(T0);
    expect(sim.step(T0 + 60_000)).toEqual({});
  });

  it('keeps the containers unready while ready=false, with the reason Kubernetes gives', () => {
    const sim = new Sim(boundPod(), { ready: false });
    sim.step(T0);
    expect(sim.container()).toMatchObject({ ready: false, started: true });
    expect(sim.condition('ContainersReady')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [a-main b-side]',
    });
    expect(sim.condition('Ready')?.status).toBe('False');
  });

  it('becomes ready after ready-after, waking up for it', () => {
    const sim = new Sim(boundPod(), { readyAfterMs: 1500 });
    const first = sim.step(T0 + 700);
    expect(sim.condition('Ready')?.status).toBe('False');
    expect(first.requeueAt).toBe(T0 + 2200);
    expect(sim.step(T0 + 2199).status).toBeUndefined();
    sim.step(T0 + 2200);
    expect(sim.condition('Ready')).toMatchObject({ status: 'True', lastTransitionTime: formatTime(T0 + 2200) });
  });

  it('waits for readiness gates', () => {
    const sim = new Sim(boundPod({ gates: ['example.com/lb'] }));
    sim.step(T0);
    expect(sim.condition('ContainersReady')?.status).toBe('True');
    expect(sim.condition('Ready')).toMatchObject({ status: 'False', reason: 'ReadinessGatesNotReady' });
    const conditions = [...(sim.pod.status?.conditions ?? []), { type: 'example.com/lb', status: 'True' }];
    sim.pod = { ...sim.pod, status: { ...sim.pod.status, conditions } };
    sim.step(T0 + 1000);
    expect(sim.condition('Ready')?.status).toBe('True');
    expect(sim.condition('example.com/lb')?.status).toBe('True');
  });

  it('runs sidecar init containers (restartPolicy Always) alongside the others', () => {
    const sim = new Sim(boundPod({ init: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] }));
    sim.step(T0);
    expect(sim.pod.status?.initContainerStatuses?.[0]).toMatchObject({ name: 'proxy', state: { running: {} }, ready: true, started: true });
  });
});

describe('decidePod: exits', () => {
  it.each([
    ['Never', 0, 'Succeeded', 'Completed'],
    ['Never', 3, 'Failed', 'Error'],
    ['OnFailure', 0, 'Succeeded', 'Completed'],
  ])('restartPolicy %s, exit %i → %s', (restartPolicy, code, phase, reason) => {
    const sim = new Sim(boundPod({ restartPolicy }), { exit: { afterMs: 5000, code } });
    expect(sim.step(T0).requeueAt).toBe(T0 + 5000);
    expect(sim.step(T0 + 4999).status).toBeUndefined();
    const d = sim.step(T0 + 5000);
    expect(d.status?.phase).toBe(phase);
    expect(sim.container()?.state?.terminated).toMatchObject({
      exitCode: code,
      reason,
      startedAt: '2026-01-02T03:04:05Z',
      finishedAt: '2026-01-02T03:04:10Z',
      containerID: 'hollow://uid-1/a-main',
    });
    expect(sim.container()).toMatchObject({ ready: false, started: false, restartCount: 0 });
    expect(sim.condition('Ready')).toMatchObject({ status: 'False', reason: phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed' });
    // A finished pod is left alone.
    expect(sim.step(T0 + 100_000)).toEqual({});
  });

  it('restarts under Always: at once the first time, then after a doubling CrashLoopBackOff', () => {
    const sim = new Sim(boundPod(), { exit: { afterMs: 2000, code: 1 } });
    sim.step(T0);
    // First exit at T0+2s: restarted at once.
    sim.step(T0 + 2000);
    expect(sim.pod.status?.phase).toBe('Running');
    expect(sim.container()).toMatchObject({ restartCount: 1, ready: true, state: { running: { startedAt: formatTime(T0 + 2000) } } });
    expect(sim.container()?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error', finishedAt: formatTime(T0 + 2000) });
    // Second exit at T0+4s: 10s of back-off.
    const d = sim.step(T0 + 4000);
    expect(d.requeueAt).toBe(T0 + 14_000);
    expect(sim.container()).toMatchObject({ restartCount: 1, ready: false, started: false });
    expect(sim.container()?.state?.waiting).toEqual({
      reason: 'CrashLoopBackOff',
      message: 'back-off 10s restarting failed container=a-main pod=web_ns(uid-1)',
    });
    expect(sim.condition('Ready')?.status).toBe('False');
    expect(sim.step(T0 + 13_999).status).toBeUndefined();
    sim.step(T0 + 14_000);
    expect(sim.container()).toMatchObject({ restartCount: 2, ready: true, state: { running: { startedAt: formatTime(T0 + 14_000) } } });
    // Third exit at T0+16s: 20s.
    expect(sim.step(T0 + 16_000).requeueAt).toBe(T0 + 36_000);
  });

  it('restarts under OnFailure when the exit code is not 0', () => {
    const sim = new Sim(boundPod({ restartPolicy: 'OnFailure' }), { exit: { afterMs: 100, code: 2 } });
    sim.step(T0);
    sim.step(T0 + 100);
    expect(sim.pod.status?.phase).toBe('Running');
    expect(sim.container()?.restartCount).toBe(1);
  });

  it('times sub-second exits from the exact start, not the whole-second stamp', () => {
    const sim = new Sim(boundPod({ restartPolicy: 'Never' }), { exit: { afterMs: 500, code: 0 } });
    sim.step(T0 + 900);
    expect(sim.container()?.state?.running?.startedAt).toBe('2026-01-02T03:04:05Z');
    expect(sim.step(T0 + 1300).status).toBeUndefined();
    expect(sim.step(T0 + 1400).status?.phase).toBe('Succeeded');
  });

  it('catches up from the status alone after a restart of HollowNodes', () => {
    const sim = new Sim(boundPod({ restartPolicy: 'Never' }), { exit: { afterMs: 5000, code: 0 } });
    sim.step(T0);
    sim.book.clear();
    const d = sim.step(T0 + 60_000);
    expect(d.status?.phase).toBe('Succeeded');
    expect(sim.container()?.state?.terminated?.finishedAt).toBe(formatTime(T0 + 5000));
  });
});

describe('decidePod: graceful deletion', () => {
  function deleting(sim: Sim, requestedAt: number, graceSeconds: number): void {
    const meta = { ...sim.pod.metadata, deletionTimestamp: formatTime(requestedAt + graceSeconds * 1000), deletionGracePeriodSeconds: graceSeconds };
    sim.pod = { ...sim.pod, metadata: meta };
  }

  it('stops the containers (exit 143) and deletes at once with no termination delay', () => {
    const sim = new Sim(boundPod());
    sim.step(T0);
    deleting(sim, T0 + 10_000, 30);
    const d = sim.step(T0 + 10_000);
    expect(d.delete).toBe(true);
    expect(d.status?.phase).toBe('Failed');
    expect(sim.container()?.state?.terminated).toMatchObject({ exitCode: 143, reason: 'Error', finishedAt: formatTime(T0 + 10_000) });
    expect(sim.condition('Ready')?.status).toBe('False');
  });

  it('reports stop-exit-code 0 as a pod that Succeeded', () => {
    const sim = new Sim(boundPod(), { stopExitCode: 0 });
    sim.step(T0);
    deleting(sim, T0 + 1000, 30);
    expect(sim.step(T0 + 1000).status?.phase).toBe('Succeeded');
  });

  it('waits min(grace, termination delay), measured from when the deletion was seen', () => {
    const sim = new Sim(boundPod(), {}, 5000);
    sim.step(T0);
    deleting(sim, T0 + 10_700, 30);
    sim.book.set(DELETION_OBSERVED, T0 + 10_700);
    expect(sim.step(T0 + 10_700)).toEqual({ requeueAt: T0 + 15_700 });
    expect(sim.step(T0 + 15_700).delete).toBe(true);

    const short = new Sim(boundPod(), {}, 5000);
    short.step(T0);
    deleting(short, T0 + 10_000, 2);
    expect(short.step(T0 + 10_000)).toEqual({ requeueAt: T0 + 12_000 });
  });

  it('deletes a pod that never started, or has finished, without writing its status', () => {
    const sim = new Sim(boundPod());
    deleting(sim, T0, 30);
    expect(sim.step(T0)).toEqual({ delete: true });

    const done = new Sim(boundPod({ restartPolicy: 'Never' }), { exit: { afterMs: 0, code: 0 } });
    done.step(T0);
    done.step(T0);
    expect(done.pod.status?.phase).toBe('Succeeded');
    deleting(done, T0 + 1000, 0);
    expect(done.step(T0 + 1000)).toEqual({ delete: true });
  });

  it('ends a crash-looping container with its last exit', () => {
    const sim = new Sim(boundPod(), { exit: { afterMs: 1000, code: 7 } });
    sim.step(T0);
    sim.step(T0 + 1000);
    sim.step(T0 + 2000);
    expect(sim.container()?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    deleting(sim, T0 + 3000, 30);
    sim.step(T0 + 3000);
    expect(sim.container()?.state?.terminated?.exitCode).toBe(7);
    expect(sim.pod.status?.phase).toBe('Failed');
  });
});

describe('semanticallyEqual', () => {
  it('ignores undefined fields, empty lists and key order', () => {
    expect(semanticallyEqual({ a: 1, b: undefined, c: [] }, { a: 1 })).toBe(true);
    expect(semanticallyEqual({ x: { y: 1, z: 2 } }, { x: { z: 2, y: 1 } })).toBe(true);
    expect(semanticallyEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(semanticallyEqual({ ready: false }, {})).toBe(false);
  });
});
