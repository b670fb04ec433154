import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { logContainerId } from './log-container';

const A = 'docker://' + 'a'.repeat(64);
const B = 'docker://' + 'b'.repeat(64);

function pod(status: corev1.ContainerStatus): corev1.Pod {
  return { metadata: { name: 'p' }, status: { containerStatuses: [status] } };
}

describe('logContainerId', () => {
  const cases: { name: string; status: corev1.ContainerStatus; previous: boolean; want: string | RegExp }[] = [
    { name: 'running', status: { name: 'c', containerID: A, state: { running: {} } }, previous: false, want: 'a'.repeat(64) },
    {
      name: 'running, previous',
      status: { name: 'c', containerID: A, state: { running: {} }, lastState: { terminated: { containerID: B, exitCode: 1 } } },
      previous: true,
      want: 'b'.repeat(64),
    },
    {
      name: 'no previous',
      status: { name: 'c', containerID: A, state: { running: {} } },
      previous: true,
      want: /^previous terminated container "c" in pod "p" not found$/,
    },
    {
      name: 'terminated',
      status: { name: 'c', containerID: A, state: { terminated: { containerID: A, exitCode: 0 } } },
      previous: false,
      want: 'a'.repeat(64),
    },
    {
      name: 'crash loop: waiting with a last state',
      status: { name: 'c', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { containerID: B, exitCode: 1 } } },
      previous: false,
      want: 'b'.repeat(64),
    },
    {
      name: 'waiting',
      status: { name: 'c', state: { waiting: { reason: 'ContainerCreating' } } },
      previous: false,
      want: /^container "c" in pod "p" is waiting to start: ContainerCreating$/,
    },
    {
      name: 'image pull',
      status: { name: 'c', state: { waiting: { reason: 'ErrImagePull' } } },
      previous: false,
      want: /^container "c" in pod "p" is waiting to start: image can't be pulled$/,
    },
    { name: 'no state', status: { name: 'c' }, previous: false, want: /^container "c" in pod "p" is waiting to start - no logs yet$/ },
    { name: 'other container', status: { name: 'x' }, previous: false, want: /^container "c" in pod "p" is not available$/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (typeof c.want === 'string') expect(logContainerId(pod(c.status), 'c', c.previous)).toBe(c.want);
      else expect(() => logContainerId(pod(c.status), 'c', c.previous)).toThrow(c.want);
    });
  }

  it('is a BadRequest', () => {
    try {
      logContainerId(pod({ name: 'c' }), 'c', true);
    } catch (err) {
      expect((err as { reason?: string }).reason).toBe('BadRequest');
      return;
    }
    throw new Error('expected an error');
  });
});
