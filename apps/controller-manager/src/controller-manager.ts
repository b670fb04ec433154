import { hostname } from 'node:os';
import { ApiClient, EventRecorder, InformerFactory, LeaderElector, realClock, type Clock } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory, ControllerOptions } from './controller';

export interface ControllerManagerOptions extends ControllerOptions {
  server: string;
  controllers: readonly string[];
  leaderElect: boolean;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  identity?: string;
  logger: Logger;
  clock?: Clock;
  registry: Readonly<Record<string, ControllerFactory>>;
}

/**
 * Builds the selected controllers on one client and one set of shared informers, waits for the
 * caches, and runs them — under a leader lease when asked, so only one replica acts.
 */
export class ControllerManager {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  readonly client: ApiClient;

  constructor(private readonly options: ControllerManagerOptions) {
    this.client = new ApiClient(options.server);
  }

  start(): void {
    this.running ??= this.run();
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    const identity = this.options.identity ?? `${hostname()}_${process.pid}`;
    const lead = async (lost: AbortSignal): Promise<void> => {
      const informers = new InformerFactory(this.client, { logger });
      const context: ControllerContext = {
        client: this.client,
        informers,
        recorder: (component) => new EventRecorder(this.client, { component, host: hostname() }, { logger, clock: this.options.clock }),
        logger,
        clock: this.options.clock ?? realClock,
        options: this.options,
      };
      const controllers: Controller[] = this.options.controllers.map((name) => this.options.registry[name](context));
      informers.start();
      if (!(await informers.waitForCacheSync(120_000))) logger.warn('caches did not sync in 2 minutes; starting anyway');
      logger.info({ controllers: controllers.map((c) => c.name) }, 'controllers starting');
      await Promise.all(controllers.map((c) => c.run(lost)));
      await informers.stop();
    };
    if (!this.options.leaderElect) {
      await lead(this.abort.signal);
      return;
    }
    const elector = new LeaderElector(this.client, {
      namespace: 'kube-system',
      name: 'kube-controller-manager',
      identity,
      leaseDurationSeconds: this.options.leaseDurationSeconds,
      renewDeadlineSeconds: this.options.renewDeadlineSeconds,
      retryPeriodSeconds: this.options.retryPeriodSeconds,
      logger,
      clock: this.options.clock,
    });
    // Losing the lease stops every controller; campaign again for as long as the process runs.
    while (!this.abort.signal.aborted) await elector.run(lead, this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.client.close();
  }
}
