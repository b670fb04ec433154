import { ApiClient, Nodes } from '@minik8s/client';
import { ControlPlaneHarness, waitFor } from '@minik8s/testing';
import type { ControllerFactory, ControllerOptions } from '../controller';
import { ControllerManager, type ControllerManagerOptions } from '../controller-manager';
import { CONTROLLERS } from '../controllers/registry';
import { ComponentProcess, startScheduler } from './component-process';
import { DEFAULT_CONTROLLER_OPTIONS } from './controller-options';
import { testLogger } from './test-logger';

export interface ControllerClusterOptions {
  /** --controllers: the names of the controllers to run. */
  controllers: readonly string[];
  /** Overrides of the controller settings (e.g. a short nodeMonitorGracePeriodMs). */
  options?: Partial<ControllerOptions>;
  /** Factories to use instead of the registry's, by name (e.g. a pod GC with a short quarantine). */
  factories?: Readonly<Record<string, ControllerFactory>>;
}

export interface HollowNodesOptions {
  /** Nodes are named <prefix><index>. */
  prefix: string;
  count: number;
  firstIndex?: number;
  /** More hollow-nodes flags, e.g. `--node-labels=...`. */
  args?: readonly string[];
}

/** How often hollow nodes renew their Leases here: well inside any grace period a test uses. */
const LEASE_RENEW_INTERVAL = '1s';

/**
 * etcd, an apiserver, and the controller-manager in-process with the chosen controllers; hollow
 * nodes and the scheduler as the real programs, started on demand. `stop()` ends everything it
 * started, in reverse order.
 */
export class ControllerTestCluster {
  private readonly processes: ComponentProcess[] = [];

  private constructor(
    private readonly controlPlane: ControlPlaneHarness,
    readonly client: ApiClient,
    private manager: ControllerManager,
    private readonly managerOptions: ControllerManagerOptions,
  ) {}

  static async start(o: ControllerClusterOptions): Promise<ControllerTestCluster> {
    const controlPlane = await ControlPlaneHarness.start();
    const client = new ApiClient(controlPlane.address, { timeoutMs: 10_000 });
    const managerOptions: ControllerManagerOptions = {
      server: controlPlane.address,
      controllers: o.controllers,
      leaderElect: false,
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
      logger: testLogger(),
      registry: { ...CONTROLLERS, ...o.factories },
      ...DEFAULT_CONTROLLER_OPTIONS,
      ...o.options,
    };
    try {
      const manager = new ControllerManager(managerOptions);
      manager.start();
      return new ControllerTestCluster(controlPlane, client, manager, managerOptions);
    } catch (err) {
      client.close();
      await controlPlane.stop();
      throw err;
    }
  }

  get server(): string {
    return this.controlPlane.address;
  }

  /** Starts a hollow-nodes process and resolves once all its Nodes are Ready. */
  async startHollowNodes(o: HollowNodesOptions, timeoutMs = 60_000): Promise<ComponentProcess> {
    const first = o.firstIndex ?? 0;
    const names = Array.from({ length: o.count }, (_, i) => `${o.prefix}${first + i}`);
    const hollow = ComponentProcess.spawn(
      'hollow-nodes',
      [
        `--server=${this.server}`,
        `--count=${o.count}`,
        `--first-index=${first}`,
        `--name-prefix=${o.prefix}`,
        `--node-lease-renew-interval=${LEASE_RENEW_INTERVAL}`,
        ...(o.args ?? []),
      ],
      `hollow-nodes ${names[0]}..${names.at(-1)}`,
    );
    this.processes.push(hollow);
    await waitFor(
      async () => {
        hollow.assertRunning();
        const nodes = (await this.client.resource(Nodes).list()).items;
        const ready = new Set(nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata?.name));
        return names.every((n) => ready.has(n));
      },
      { timeoutMs, intervalMs: 250, description: `hollow nodes ${names[0]}..${names.at(-1)} Ready` },
    );
    return hollow;
  }

  async startScheduler(): Promise<ComponentProcess> {
    const scheduler = await startScheduler(this.server);
    this.processes.push(scheduler);
    return scheduler;
  }

  /** Stops the controller-manager and starts a new one, with nothing kept in memory. */
  async restartControllerManager(): Promise<void> {
    await this.manager.stop();
    this.manager = new ControllerManager(this.managerOptions);
    this.manager.start();
  }

  /** Stops the apiserver process and starts it again on the same port; clients reconnect. */
  async restartApiServer(): Promise<void> {
    await this.controlPlane.restartApiServer();
  }

  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.stop();
    await this.manager.stop();
    this.client.close();
    await this.controlPlane.stop();
  }
}
