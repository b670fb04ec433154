import { EventRecorder, InformerFactory, realClock, type ApiClient } from '@minik8s/client';
import { createLogger, silentLogger, type Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';

/** A controller running in the test's process, on its own informers, until `stop`. */
export interface RunningController<C extends Controller = Controller> {
  controller: C;
  stop(): Promise<void>;
}

function testLogger(): Logger {
  // MINIK8S_TEST_LOG=debug shows what the controllers do.
  const level = process.env.MINIK8S_TEST_LOG;
  return level ? createLogger({ component: 'controller-manager-test', level, format: 'json' }) : silentLogger();
}

/**
 * Builds a controller the way the controller-manager does (factory, shared informers started
 * after construction) and runs it; `stop` aborts it and its informers, as a process exit would.
 */
export function startController<C extends Controller>(client: ApiClient, factory: (context: ControllerContext) => C): RunningController<C>;
export function startController(client: ApiClient, factory: ControllerFactory): RunningController;
export function startController(client: ApiClient, factory: ControllerFactory): RunningController {
  const logger = testLogger();
  const informers = new InformerFactory(client, { logger });
  const context: ControllerContext = {
    client,
    informers,
    recorder: (component) => new EventRecorder(client, { component }, { logger }),
    logger,
    clock: realClock,
    options: {
      clusterCidr: '10.244.0.0/16',
      nodeCidrMaskSize: 24,
      nodeMonitorGracePeriodMs: 40_000,
      podEvictionTimeoutMs: 300_000,
      concurrentSyncs: 5,
    },
  };
  const controller = factory(context);
  informers.start();
  const abort = new AbortController();
  const running = controller.run(abort.signal);
  return {
    controller,
    stop: async () => {
      abort.abort();
      await running;
      await informers.stop();
    },
  };
}
