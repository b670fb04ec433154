import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { stopProcess } from './child-process';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

/** A real etcd, on free loopback ports and in its own temp dir, for integration tests. */
export class EtcdHarness {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly dataDir: string,
    readonly clientPort: number,
    readonly peerPort: number,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  static async start(): Promise<EtcdHarness> {
    const harness = new EtcdHarness(mkdtempSync(join(tmpdir(), 'minik8s-etcd-')), await freePort(), await freePort());
    await harness.startProcess();
    return harness;
  }

  private async startProcess(): Promise<void> {
    const url = this.endpoint;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const child = spawn(
      process.env.ETCD_BIN ?? 'etcd',
      [
        '--name', 'test',
        '--data-dir', this.dataDir,
        '--listen-client-urls', url,
        '--advertise-client-urls', url,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `test=${peer}`,
        '--log-level', 'error',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.process = child;
    const client = new Etcd3({ hosts: url, dialTimeout: 1000 });
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${this.output}`);
          await client.get('health').string();
          return true;
        },
        { timeoutMs: 20_000, intervalMs: 100, description: `etcd on ${url}` },
      );
    } finally {
      client.close();
    }
  }

  /** Stops etcd (SIGTERM) and waits for it to exit; the data stays for `restart`. */
  async kill(): Promise<void> {
    await stopProcess(this.process);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.startProcess();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
