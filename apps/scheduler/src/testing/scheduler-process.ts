/** A `minik8s scheduler` child process, for leader-election tests. Test-only. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitFor } from '@minik8s/testing';

const LAUNCHER = join(__dirname, '..', '..', '..', '..', 'bin', 'minik8s.js');

export class SchedulerProcess {
  private child: ChildProcess | undefined;
  output = '';
  identity = '';

  private constructor(
    readonly healthPort: number,
    private readonly args: string[],
  ) {}

  static async start(server: string, extraArgs: string[] = []): Promise<SchedulerProcess> {
    const port = await freePort();
    const p = new SchedulerProcess(port, [
      LAUNCHER,
      'scheduler',
      `--server=${server}`,
      '--bind-address=127.0.0.1',
      `--health-port=${port}`,
      '--log-format=json',
      '--v=2',
      ...extraArgs,
    ]);
    await p.spawn();
    return p;
  }

  private async spawn(): Promise<void> {
    const child = spawn(process.execPath, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const collect = (d: Buffer): void => {
      this.output += d.toString();
      if (!this.identity) {
        const m = /"identity":"([^"]+)"/.exec(this.output);
        if (m) this.identity = m[1];
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`scheduler exited with ${child.exitCode}: ${this.output}`);
        const res = await fetch(`http://127.0.0.1:${this.healthPort}/readyz`);
        return res.ok && !!this.identity;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: 'scheduler ready' },
    );
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Kills the process (SIGKILL: no clean hand-over of the lease). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}
