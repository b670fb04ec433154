import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isRunning, stopProcess } from './child-process';

/** A shell that ignores SIGTERM and says so once its trap is set, so the test never races the trap. */
function stubborn(): Promise<ReturnType<typeof spawn>> {
  const child = spawn('sh', ['-c', "trap '' TERM; echo ready; while :; do sleep 1; done"], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve) => child.stdout?.once('data', () => resolve(child)));
}

describe('stopProcess', () => {
  it('waits for a process that ends on SIGTERM', async () => {
    const child = spawn('sleep', ['60']);
    expect(isRunning(child)).toBe(true);
    await stopProcess(child);
    expect(isRunning(child)).toBe(false);
    expect(child.signalCode).toBe('SIGTERM');
  });

  it('sends SIGKILL after killAfterMs to a process that ignores SIGTERM', async () => {
    const child = await stubborn();
    await stopProcess(child, 'SIGTERM', 200);
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('returns at once for a process that has already exited, or none', async () => {
    const child = spawn('true');
    await new Promise((resolve) => child.once('exit', resolve));
    await stopProcess(child);
    await stopProcess(undefined);
    expect(isRunning(child)).toBe(false);
  });
});
