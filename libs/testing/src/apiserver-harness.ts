import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { stopProcess } from './child-process';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

const LAUNCHER = join(__dirname, '..', '..', '..', 'bin', 'minik8s.js');

export interface ApiServerHarnessOptions {
  etcdEndpoint: string;
  /** A fresh prefix keeps tests that share one etcd apart. */
  etcdPrefix?: string;
  extraArgs?: string[];
}

/**
 * A real apiserver process (the same launcher users run) on free loopback ports, for
 * integration tests of clients, minictl and controllers.
 */
export class ApiServerHarness {
  private process: ChildProcess | undefined;
  output = '';

  private constructor(
    private readonly options: ApiServerHarnessOptions,
    readonly grpcPort: number,
    readonly healthPort: number,
  ) {}

  /** host:port of the gRPC API. */
  get address(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  get healthUrl(): string {
    return `http://127.0.0.1:${this.healthPort}`;
  }

  static async start(options: ApiServerHarnessOptions): Promise<ApiServerHarness> {
    // A port found free can be taken by another process before the apiserver binds it; then
    // the start is tried again on fresh ports.
    for (let attempt = 1; ; attempt++) {
      const harness = new ApiServerHarness(options, await freePort(), await freePort());
      try {
        await harness.startProcess();
        return harness;
      } catch (err) {
        await harness.kill();
        if (attempt >= 3 || !/EADDRINUSE|address already in use/i.test(harness.output)) throw err;
      }
    }
  }

  private async startProcess(): Promise<void> {
    const args = [
      // As the apiserver's image runs it (deploy/images/apiserver/Dockerfile), so benchmarks measure that.
      '--max-semi-space-size=64',
      LAUNCHER,
      'apiserver',
      `--etcd-servers=${this.options.etcdEndpoint}`,
      `--etcd-prefix=${this.options.etcdPrefix ?? '/registry'}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${this.grpcPort}`,
      `--health-port=${this.healthPort}`,
      '--log-format=json',
      '--log-level=warn',
      ...(this.options.extraArgs ?? []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.process = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`apiserver exited with ${child.exitCode}: ${this.output}`);
        const res = await fetch(`${this.healthUrl}/readyz`);
        return res.ok;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: `apiserver on ${this.address}` },
    );
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stopProcess(this.process, signal);
  }

  /** Stops and starts the process on the same ports, as an operator's restart does. */
  async restart(): Promise<void> {
    await this.kill();
    await this.startProcess();
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}
