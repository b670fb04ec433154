import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { corev1 } from '@minik8s/api';
import type { ContainerStatus } from '../runtime/container-runtime';
import { FakeRuntime } from '../test/fake-runtime';
import { ProberManager, unhealthyMessage, type ProbeType } from './prober-manager';

/** A runtime whose exec answers from a script, one answer per call; a thrown answer is an exec that could not run. */
class ScriptedRuntime extends FakeRuntime {
  answers: ({ exitCode: number; output: string } | Error)[] = [];
  override async exec(): Promise<{ exitCode: number; output: string }> {
    const next = this.answers.shift() ?? { exitCode: 0, output: '' };
    if (next instanceof Error) throw next;
    return next;
  }
}

function pod(probes: Partial<Pick<corev1.Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'>>): corev1.Pod {
  return { metadata: { name: 'p', namespace: 'default', uid: 'uid-1' }, spec: { containers: [{ name: 'c', image: 'busybox:1', ...probes }] } };
}

function running(startedAt: number): ContainerStatus {
  return {
    id: 'cid-1',
    pod: { name: 'p', namespace: 'default', uid: 'uid-1' },
    name: 'c',
    kind: 'regular',
    sandboxId: 'sb-1',
    restartCount: 0,
    hash: 'h',
    state: 'running',
    image: 'busybox:1',
    imageRef: 'sha256:busybox:1',
    createdAt: startedAt,
    startedAt,
    finishedAt: 0,
    exitCode: 0,
    oomKilled: false,
    error: '',
  };
}

const execProbe = (failureThreshold: number): corev1.Probe => ({ exec: { command: ['check'] }, periodSeconds: 1, failureThreshold });

describe('ProberManager Unhealthy reports', () => {
  let runtime: ScriptedRuntime;
  let manager: ProberManager;
  let unhealthy: { type: ProbeType; message: string }[];
  let changes: { type: ProbeType; ok: boolean }[];

  beforeEach(() => {
    vi.useFakeTimers();
    runtime = new ScriptedRuntime();
    unhealthy = [];
    changes = [];
    manager = new ProberManager(runtime, {
      onUnhealthy: (_uid, container, type, message) => {
        expect(container).toBe('c');
        unhealthy.push({ type, message });
      },
      onChange: (_uid, _container, type, ok) => changes.push({ type, ok }),
    });
  });

  afterEach(() => {
    manager.stop();
    vi.useRealTimers();
  });

  it('reports every failed readiness attempt, not only the change of result', async () => {
    runtime.answers = [
      { exitCode: 1, output: 'not yet\n' },
      { exitCode: 1, output: 'not yet\n' },
      { exitCode: 1, output: 'not yet\n' },
      { exitCode: 0, output: '' },
    ];
    manager.update(pod({ readinessProbe: execProbe(3) }), [running(Date.now())], '10.9.0.2');
    await vi.advanceTimersByTimeAsync(2_500);
    expect(unhealthy).toEqual(Array(3).fill({ type: 'readiness', message: 'Readiness probe failed: not yet' }));
    // Readiness starts out failed, so three failures change nothing; the success does.
    expect(changes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(changes).toEqual([{ type: 'readiness', ok: true }]);
    expect(manager.readiness().get('cid-1')).toBe(true);
    expect(unhealthy).toHaveLength(3);
  });

  it('reports each liveness failure below the threshold, then the change once, then stops probing', async () => {
    runtime.answers = Array.from({ length: 5 }, () => ({ exitCode: 1, output: '' }));
    manager.update(pod({ livenessProbe: execProbe(3) }), [running(Date.now())], '10.9.0.2');
    await vi.advanceTimersByTimeAsync(1_500);
    expect(unhealthy).toHaveLength(2);
    expect(changes).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(unhealthy).toEqual(Array(3).fill({ type: 'liveness', message: 'Liveness probe failed: ' }));
    expect(changes).toEqual([{ type: 'liveness', ok: false }]);
    expect(manager.livenessFailed('uid-1')).toEqual(new Set(['c']));
    expect(runtime.answers).toHaveLength(2);
  });

  it('words a probe that could not run as errored', async () => {
    runtime.answers = [new Error('container is stopping'), { exitCode: 1, output: 'starting' }, { exitCode: 0, output: '' }];
    manager.update(pod({ startupProbe: execProbe(5) }), [running(Date.now())], '10.9.0.2');
    await vi.advanceTimersByTimeAsync(2_500);
    expect(unhealthy).toEqual([
      { type: 'startup', message: 'Startup probe errored and resulted in unknown state: container is stopping' },
      { type: 'startup', message: 'Startup probe failed: starting' },
    ]);
    expect(changes).toEqual([{ type: 'startup', ok: true }]);
  });
});

describe('unhealthyMessage', () => {
  it('words failures and errors as the kubelet prober does', () => {
    expect(unhealthyMessage('liveness', { ok: false, output: 'HTTP probe failed with statuscode: 500' })).toBe('Liveness probe failed: HTTP probe failed with statuscode: 500');
    expect(unhealthyMessage('readiness', { ok: false, output: 'dial tcp 10.9.0.2:80: i/o timeout' })).toBe('Readiness probe failed: dial tcp 10.9.0.2:80: i/o timeout');
    expect(unhealthyMessage('startup', { ok: false, output: "couldn't find port http in container c", errored: true })).toBe(
      "Startup probe errored and resulted in unknown state: couldn't find port http in container c",
    );
  });
});
