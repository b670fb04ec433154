import { ApiClient, EventRecorder, InformerFactory, Namespaces, realClock, type Clock } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import { ControlPlaneHarness } from '@minik8s/testing';
import type { Controller, ControllerContext, ControllerFactory, ControllerOptions } from '../controller';
import { DEFAULT_CONTROLLER_OPTIONS } from './controller-options';
import { InterceptingApiClient, type WriteInterceptor } from './intercepting-client';
import { testLogger } from './test-logger';

/** What a tuple of factories builds, each controller with its own type (so a test can reach its queue). */
export type BuiltControllers<F extends readonly ControllerFactory[]> = {
  readonly [K in keyof F]: F[K] extends (context: ControllerContext) => infer C ? C : never;
};

export interface ControllerHarnessOptions<F extends readonly ControllerFactory[]> {
  /** The controllers to build, run and stop, on one set of shared informers. */
  factories: F;
  /** Overrides of the controller settings. */
  options?: Partial<ControllerOptions>;
  /** Default: silent, or the level MINIK8S_TEST_LOG names. */
  logger?: Logger;
  /** The controllers' clock; a fake one lets a test move time by hand. */
  clock?: Clock;
  /** Deadline of each API call of the test's and the controllers' client. */
  clientTimeoutMs?: number;
  /**
   * false: `start` brings up only the apiserver, so the test can write what the controllers'
   * first list must find (as a controller-manager started on a populated cluster finds it) and
   * then call `startControllers()`. Default true.
   */
  startControllers?: boolean;
  /**
   * Sees every write of the controllers before it is sent, and fails it by throwing: a sync
   * interrupted between two of its writes leaves state that a test cannot otherwise reach on a
   * healthy apiserver. The controllers then get a client of their own; the test's `client` is
   * never intercepted.
   */
  interceptWrite?: WriteInterceptor;
}

/** The controller-manager's defaults, but two workers per controller. */
const DEFAULT_OPTIONS: ControllerOptions = { ...DEFAULT_CONTROLLER_OPTIONS, concurrentSyncs: 2 };

const CACHE_SYNC_TIMEOUT_MS = 30_000;

/** One start of the controllers: fresh informers and controllers, nothing kept from an earlier one. */
class ControllerRun<F extends readonly ControllerFactory[]> {
  private constructor(
    readonly context: ControllerContext,
    readonly controllers: BuiltControllers<F>,
    private readonly abort: AbortController,
    private readonly running: Promise<void[]>,
  ) {}

  /** Builds the controllers as the controller-manager does: construct, start informers, wait for the caches, run. */
  static async start<F extends readonly ControllerFactory[]>(
    client: ApiClient,
    o: ControllerHarnessOptions<F>,
    logger: Logger,
  ): Promise<ControllerRun<F>> {
    const informers = new InformerFactory(client, { logger });
    const context: ControllerContext = {
      client,
      informers,
      recorder: (component) => new EventRecorder(client, { component, host: 'integration-test' }, { logger }),
      logger,
      clock: o.clock ?? realClock,
      options: { ...DEFAULT_OPTIONS, ...o.options },
    };
    const built: Controller[] = o.factories.map((factory) => factory(context));
    informers.start();
    if (!(await informers.waitForCacheSync(CACHE_SYNC_TIMEOUT_MS))) {
      await informers.stop();
      throw new Error(`the informer caches did not sync in ${CACHE_SYNC_TIMEOUT_MS / 1000} s`);
    }
    const abort = new AbortController();
    const running = Promise.all(built.map((c) => c.run(abort.signal)));
    // Each factory built its element, so the tuple holds; TypeScript cannot follow `map` over a tuple type.
    return new ControllerRun(context, built as unknown as BuiltControllers<F>, abort, running);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    await this.context.informers.stop();
  }
}

/**
 * etcd, an apiserver, and controllers built in this process from their factories, as the
 * controller-manager builds them. The test keeps direct access to each controller and to the
 * context, and can stop and start the controllers as a controller-manager restart would.
 */
export class ControllerHarness<F extends readonly ControllerFactory[] = readonly ControllerFactory[]> {
  private run: ControllerRun<F> | undefined;

  private constructor(
    private readonly controlPlane: ControlPlaneHarness,
    readonly client: ApiClient,
    private readonly controllerClient: ApiClient,
    private readonly o: ControllerHarnessOptions<F>,
    private readonly logger: Logger,
  ) {}

  static async start<const F extends readonly ControllerFactory[]>(o: ControllerHarnessOptions<F>): Promise<ControllerHarness<F>> {
    const controlPlane = await ControlPlaneHarness.start();
    const clientOptions = { timeoutMs: o.clientTimeoutMs ?? 5_000 };
    const client = new ApiClient(controlPlane.address, clientOptions);
    const controllerClient = o.interceptWrite ? new InterceptingApiClient(controlPlane.address, clientOptions, o.interceptWrite) : client;
    const harness = new ControllerHarness(controlPlane, client, controllerClient, o, o.logger ?? testLogger());
    try {
      if (o.startControllers ?? true) await harness.startControllers();
      return harness;
    } catch (err) {
      await harness.stop();
      throw err;
    }
  }

  get server(): string {
    return this.controlPlane.address;
  }

  /** The running controllers, in the order of `factories`. */
  get controllers(): BuiltControllers<F> {
    return this.current().controllers;
  }

  get context(): ControllerContext {
    return this.current().context;
  }

  /** Creates the namespace and returns its name, so each scenario can work in its own. */
  async createNamespace(name: string): Promise<string> {
    await this.client.resource(Namespaces).create({ metadata: { name } });
    return name;
  }

  /** Builds and runs the controllers anew, on fresh informers; a no-op while they run. */
  async startControllers(): Promise<void> {
    if (!this.run) this.run = await ControllerRun.start(this.controllerClient, this.o, this.logger);
  }

  /**
   * Stops the controllers and their informers, as a controller-manager's exit does; the next
   * `startControllers()` builds new ones that know only what they list.
   */
  async stopControllers(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    await run?.stop();
  }

  async stop(): Promise<void> {
    await this.stopControllers();
    if (this.controllerClient !== this.client) this.controllerClient.close();
    this.client.close();
    await this.controlPlane.stop();
  }

  private current(): ControllerRun<F> {
    if (!this.run) throw new Error('the controllers are stopped: startControllers() first');
    return this.run;
  }
}
