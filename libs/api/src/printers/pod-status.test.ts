import { describe, expect, it } from 'vitest';
import type { Pod } from '../generated/core/v1';
import { podReadinessGates, summarizePod } from './pod-status';

const now = new Date('2024-05-01T12:00:00Z');

function pod(partial: Pod): Pod {
  return {
    metadata: { name: 'p', creationTimestamp: '2024-05-01T11:00:00Z', ...partial.metadata },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...partial.spec },
    status: partial.status,
  };
}

describe('summarizePod', () => {
  it('shows the phase of a pod no kubelet has reported on', () => {
    expect(summarizePod(pod({ status: { phase: 'Pending' } }), now)).toEqual({ ready: '0/1', status: 'Pending', restarts: '0' });
  });

  it('counts ready running containers', () => {
    const p = pod({
      spec: { containers: [{ name: 'a' }, { name: 'b' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'a', ready: true, state: { running: { startedAt: '2024-05-01T11:00:00Z' } } },
          { name: 'b', ready: false, state: { running: { startedAt: '2024-05-01T11:00:00Z' } } },
        ],
      },
    });
    expect(summarizePod(p, now)).toMatchObject({ ready: '1/2', status: 'Running' });
  });

  it('prefers a waiting reason over the phase', () => {
    const p = pod({
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:58:00Z' } },
          },
        ],
      },
    });
    expect(summarizePod(p, now)).toEqual({ ready: '0/1', status: 'CrashLoopBackOff', restarts: '4 (2m ago)' });
  });

  it('shows Completed, and an exit code when a container terminated without a reason', () => {
    const done = pod({ status: { phase: 'Succeeded', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } });
    expect(summarizePod(done, now).status).toBe('Completed');
    const killed = pod({ status: { phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 137 } } }] } });
    expect(summarizePod(killed, now).status).toBe('ExitCode:137');
    const signalled = pod({ status: { phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, signal: 9 } } }] } });
    expect(summarizePod(signalled, now).status).toBe('Signal:9');
  });

  it('shows init progress as Init:x/y', () => {
    const p = pod({
      spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'app' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'i2', state: { running: {} } },
        ],
        containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }],
      },
    });
    expect(summarizePod(p, now)).toMatchObject({ ready: '0/1', status: 'Init:1/2' });
  });

  it('shows failing init containers', () => {
    const p = pod({
      spec: { initContainers: [{ name: 'i1' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'i1', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      },
    });
    expect(summarizePod(p, now)).toMatchObject({ status: 'Init:CrashLoopBackOff', restarts: '2' });
    const q = pod({
      spec: { initContainers: [{ name: 'i1' }] },
      status: { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 3 } } }] },
    });
    expect(summarizePod(q, now).status).toBe('Init:ExitCode:3');
  });

  it('counts sidecars as containers', () => {
    const p = pod({
      spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'app' }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'proxy', started: true, ready: true, state: { running: {} } }],
        containerStatuses: [{ name: 'app', ready: true, state: { running: {} } }],
      },
    });
    expect(summarizePod(p, now)).toMatchObject({ ready: '2/2', status: 'Running' });
  });

  it('shows Terminating once deletion started, unless the pod already finished', () => {
    const p = pod({ metadata: { deletionTimestamp: '2024-05-01T11:59:00Z' }, status: { phase: 'Running' } });
    expect(summarizePod(p, now).status).toBe('Terminating');
    const finished = pod({ metadata: { deletionTimestamp: '2024-05-01T11:59:00Z' }, status: { phase: 'Succeeded' } });
    expect(summarizePod(finished, now).status).toBe('Succeeded');
  });

  it('shows SchedulingGated and the pod reason', () => {
    const gated = pod({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } });
    expect(summarizePod(gated, now).status).toBe('SchedulingGated');
    const evicted = pod({ status: { phase: 'Failed', reason: 'Evicted' } });
    expect(summarizePod(evicted, now).status).toBe('Evicted');
  });
});

describe('podReadinessGates', () => {
  it('counts passing gates', () => {
    const p = pod({
      spec: { readinessGates: [{ conditionType: 'a' }, { conditionType: 'b' }] },
      status: { conditions: [{ type: 'a', status: 'True' }, { type: 'b', status: 'False' }] },
    });
    expect(podReadinessGates(p)).toBe('1/2');
    expect(podReadinessGates(pod({}))).toBe('<none>');
  });
});
