import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import type { ContainerRuntime } from '../runtime/container-runtime';
import { graceAfterPreStop, runLifecycleHook } from './lifecycle-hooks';

const pod: corev1.Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' } };
const container: corev1.Container = { name: 'c' };

function runtimeWithExec(exec: ContainerRuntime['exec']): ContainerRuntime {
  return { exec } as Partial<ContainerRuntime> as ContainerRuntime;
}

describe('runLifecycleHook', () => {
  it('exec: success on exit 0; otherwise the kubelet\'s event message with the output', async () => {
    const calls: string[][] = [];
    const ok = runtimeWithExec(async (_id, cmd) => {
      calls.push(cmd);
      return { exitCode: 0, output: '' };
    });
    expect(await runLifecycleHook({ exec: { command: ['sh', '-c', 'true'] } }, { runtime: ok, pod, container, containerId: 'id', podIP: '', timeoutMs: 1000 })).toBeUndefined();
    expect(calls).toEqual([['sh', '-c', 'true']]);
    const bad = runtimeWithExec(async () => ({ exitCode: 3, output: 'nope\n' }));
    const failure = await runLifecycleHook({ exec: { command: ['sh', '-c', 'exit 3'] } }, { runtime: bad, pod, container, containerId: 'id', podIP: '', timeoutMs: 1000 });
    expect(failure?.message).toBe(
      'Exec lifecycle hook ([sh -c exit 3]) for Container "c" in Pod "p_default(u1)" failed - error: command \'sh -c exit 3\' exited with 3: , message: "nope\\n"',
    );
  });

  it('httpGet: fails with the HTTP lifecycle hook message when nothing answers', async () => {
    const failure = await runLifecycleHook(
      { httpGet: { path: '/hook', port: { type: 0, intVal: 1 } } },
      { runtime: runtimeWithExec(async () => ({ exitCode: 0, output: '' })), pod, container, containerId: 'id', podIP: '127.0.0.1', timeoutMs: 1000 },
    );
    expect(failure?.message).toMatch(/^HTTP lifecycle hook \(\/hook\) for Container "c" in Pod "p_default\(u1\)" failed - error: Get "http:\/\/127\.0\.0\.1:1\/hook": /);
  });

  it('sleep waits the given seconds, bounded by the timeout', async () => {
    const slept: number[] = [];
    const sleep = async (ms: number): Promise<void> => void slept.push(ms);
    const ctx = { runtime: runtimeWithExec(async () => ({ exitCode: 0, output: '' })), pod, container, containerId: 'id', podIP: '', sleep };
    await runLifecycleHook({ sleep: { seconds: 3 } }, { ...ctx, timeoutMs: 10_000 });
    await runLifecycleHook({ sleep: { seconds: 30 } }, { ...ctx, timeoutMs: 5_000 });
    expect(slept).toEqual([3000, 5000]);
  });
});

describe('graceAfterPreStop', () => {
  it('subtracts the hook time and leaves at least 2 s', () => {
    expect(graceAfterPreStop(30, 5_500)).toBe(25);
    expect(graceAfterPreStop(5, 4_000)).toBe(2);
    expect(graceAfterPreStop(5, 60_000)).toBe(2);
  });
});
