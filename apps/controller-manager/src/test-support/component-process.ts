import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, isRunning, stopProcess, waitFor } from '@minik8s/testing';

const LAUNCHER = join(__dirname, '..', '..', '..', '..', 'bin', 'minik8s.js');
/** How much of a process's output is kept, for the error when it dies. */
const OUTPUT_TAIL = 8 * 1024;

/**
 * Another minik8s program (`bin/minik8s.js <component> ...`) as a child process: the controller
 * tests run hollow nodes and the scheduler as the real programs, since an app never imports
 * another app. `stop()` sends SIGTERM and waits for the exit.
 */
export class ComponentProcess {
  private tail = '';

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (d: Buffer): void => {
      this.tail = (this.tail + d.toString()).slice(-OUTPUT_TAIL);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static spawn(component: string, args: readonly string[], name = component): ComponentProcess {
    const child = spawn(process.execPath, [LAUNCHER, component, '--log-format=json', '--log-level=warn', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new ComponentProcess(name, child);
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  /** Throws, with the tail of its output, once the process has exited. */
  assertRunning(): void {
    if (!this.running) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.tail}`);
  }

  async stop(timeoutMs = 15_000): Promise<void> {
    await stopProcess(this.child, 'SIGTERM', timeoutMs);
  }
}

/** A scheduler process with its /readyz on a free port; resolves once /readyz answers 200. */
export async function startScheduler(server: string, timeoutMs = 60_000): Promise<ComponentProcess> {
  const port = await freePort();
  const scheduler = ComponentProcess.spawn('scheduler', [`--server=${server}`, '--bind-address=127.0.0.1', `--health-port=${port}`]);
  await waitFor(
    async () => {
      scheduler.assertRunning();
      return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true;
    },
    { timeoutMs, intervalMs: 200, description: 'scheduler /readyz' },
  );
  return scheduler;
}
