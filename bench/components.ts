import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '@minik8s/client';
import { Nodes } from '@minik8s/client';
import { freePort, waitFor } from '@minik8s/testing';
import { onCleanup } from './harness';

const LAUNCHER = join(__dirname, '..', 'bin', 'minik8s.js');
/** How much of a component's output is kept, for the error when it dies. */
const OUTPUT_TAIL = 16 * 1024;

/**
 * One component (`node bin/minik8s.js <component> ...`) as a child process. It is registered
 * for cleanup when spawned, so it is killed at the end, on error and on Ctrl-C.
 */
export class Component {
  private tail = '';
  private stopped = false;
  readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (d: Buffer): void => {
      this.tail = (this.tail + d.toString()).slice(-OUTPUT_TAIL);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static spawn(name: string, component: string, args: readonly string[]): Component {
    const child = spawn(process.execPath, [LAUNCHER, component, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const c = new Component(name, child);
    onCleanup(() => c.stop());
    return c;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Throws (with the tail of its output) if the process has exited. */
  assertRunning(): void {
    if (!this.running && !this.stopped) {
      throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.tail}`);
    }
  }

  output(): string {
    return this.tail;
  }

  /** CPU seconds (user + system) the process has used so far, from /proc; NaN if unknown. */
  cpuSeconds(): number {
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
    } catch {
      return NaN;
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within 5 s. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.running) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 5000)));
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (result === 'timeout' && this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

const logFlags = ['--log-format=json', '--log-level=warn'];

export interface HollowOptions {
  count: number;
  firstIndex?: number;
  prefix?: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  extraArgs?: string[];
}

/** A hollow-nodes process; resolves once all its nodes are Ready in the API (or throws at the deadline). */
export async function startHollowNodes(client: ApiClient, server: string, o: HollowOptions, timeoutMs = 120_000): Promise<Component> {
  const prefix = o.prefix ?? 'hollow-';
  const first = o.firstIndex ?? 0;
  const c = Component.spawn(`hollow-nodes ${prefix}${first}..${first + o.count - 1}`, 'hollow-nodes', [
    `--server=${server}`,
    `--count=${o.count}`,
    `--first-index=${first}`,
    `--name-prefix=${prefix}`,
    `--cpu=${o.cpu ?? '4'}`,
    `--memory=${o.memory ?? '8Gi'}`,
    `--pods=${o.pods ?? 110}`,
    ...(o.extraArgs ?? []),
    ...logFlags,
  ]);
  const mine = (name: string | undefined): boolean => {
    if (!name?.startsWith(prefix)) return false;
    const i = Number(name.slice(prefix.length));
    return Number.isInteger(i) && i >= first && i < first + o.count;
  };
  await waitFor(
    async () => {
      c.assertRunning();
      const nodes = await client.resource(Nodes).list({ resourceVersion: '0' });
      const ready = nodes.items.filter(
        (n) => mine(n.metadata?.name) && n.status?.conditions?.some((cond) => cond.type === 'Ready' && cond.status === 'True'),
      ).length;
      return ready >= o.count;
    },
    { timeoutMs, intervalMs: 500, description: `${o.count} hollow nodes Ready` },
  );
  return c;
}

/** A scheduler process with its /readyz on a free port; resolves once /readyz answers 200. */
export async function startScheduler(server: string, extraArgs: string[] = [], timeoutMs = 60_000): Promise<Component> {
  const port = await freePort();
  const c = Component.spawn('scheduler', 'scheduler', [`--server=${server}`, '--bind-address=127.0.0.1', `--health-port=${port}`, ...extraArgs, ...logFlags]);
  await waitFor(
    async () => {
      c.assertRunning();
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
    },
    { timeoutMs, intervalMs: 200, description: 'scheduler /readyz' },
  );
  return c;
}

/**
 * A controller-manager process. It serves no health endpoint, so readiness is left to the
 * caller (the controllers suite waits for a probe Deployment to become available).
 */
export function startControllerManager(server: string, controllers: string, extraArgs: string[] = []): Component {
  return Component.spawn('controller-manager', 'controller-manager', [`--server=${server}`, `--controllers=${controllers}`, ...extraArgs, ...logFlags]);
}

/** CPU seconds of each component, for a before/after difference. */
export function cpuOf(components: readonly Component[]): Map<string, number> {
  return new Map(components.map((c) => [c.name, c.cpuSeconds()]));
}
