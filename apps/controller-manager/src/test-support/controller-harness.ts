import { ApiClient, EventRecorder, InformerFactory, realClock } from '@minik8s/client';
import { silentLogger, type Logger } from '@minik8s/logging';
import { ApiServerHarness, EtcdHarness } from '@minik8s/testing';
import type { Controller, ControllerContext, ControllerFactory, ControllerOptions } from '../controller';

export interface ControllerHarnessOptions {
  /** The controllers to build, run and stop, on one set of shared informers. */
  factories: readonly ControllerFactory[];
  /** Overrides of the controller settings. */
  options?: Partial<ControllerOptions>;
  logger?: Logger;
  /** Deadline of each API call of the test's and the controllers' client. */
  clientTimeoutMs?: number;
}

/** The settings of `minik8s controller-manager` without flags, but two workers per controller. */
const DEFAULT_OPTIONS: ControllerOptions = {
  clusterCidr: '10.244.0.0/16',
  nodeCidrMaskSize: 24,
  nodeMonitorGracePeriodMs: 40_000,
  podEvictionTimeoutMs: 300_000,
  concurrentSyncs: 2,
};

/**
 * etcd, an apiserver, and controllers built in this process from their factories, as the
 * controller-manager builds them: construct (registering handlers), start the shared informers,
 * wait for their caches, run. The test keeps direct access to each controller and to the context.
 */
export class ControllerHarness {
  private readonly stopControllers = new AbortController();
  private readonly running: Promise<void[]>;

  private constructor(
    private readonly etcd: EtcdHarness,
    private readonly apiserver: ApiServerHarness,
    readonly client: ApiClient,
    readonly context: ControllerContext,
    readonly controllers: readonly Controller[],
  ) {
    this.running = Promise.all(controllers.map((c) => c.run(this.stopControllers.signal)));
  }

  static async start(o: ControllerHarnessOptions): Promise<ControllerHarness> {
    const etcd = await EtcdHarness.start();
    let apiserver: ApiServerHarness | undefined;
    let client: ApiClient | undefined;
    let informers: InformerFactory | undefined;
    try {
      apiserver = await ApiServerHarness.start({ etcdEndpoint: etcd.endpoint });
      const c = new ApiClient(apiserver.address, { timeoutMs: o.clientTimeoutMs ?? 5_000 });
      client = c;
      const logger = o.logger ?? silentLogger();
      informers = new InformerFactory(c, { logger });
      const context: ControllerContext = {
        client: c,
        informers,
        recorder: (component) => new EventRecorder(c, { component, host: 'integration-test' }, { logger }),
        logger,
        clock: realClock,
        options: { ...DEFAULT_OPTIONS, ...o.options },
      };
      const controllers = o.factories.map((factory) => factory(context));
      informers.start();
      if (!(await informers.waitForCacheSync(30_000))) throw new Error('the informer caches did not sync in 30 s');
      return new ControllerHarness(etcd, apiserver, c, context, controllers);
    } catch (err) {
      await informers?.stop();
      client?.close();
      await apiserver?.stop();
      await etcd.stop();
      throw err;
    }
  }

  get server(): string {
    return this.apiserver.address;
  }

  async stop(): Promise<void> {
    this.stopControllers.abort();
    await this.running;
    await this.context.informers.stop();
    this.client.close();
    await this.apiserver.stop();
    await this.etcd.stop();
  }
}
