import type { ApiClient, Clock, EventRecorder, InformerFactory } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';

/** Settings the controllers share, from the controller-manager's flags. */
export interface ControllerOptions {
  clusterCidr: string;
  /** Size of each node's podCIDR, e.g. 24. */
  nodeCidrMaskSize: number;
  nodeMonitorGracePeriodMs: number;
  podEvictionTimeoutMs: number;
  /** Workers per controller's queue. */
  concurrentSyncs: number;
  /** Finished pods kept before the pod GC removes the oldest (0 disables). */
  terminatedPodGcThreshold?: number;
  /** --load-balancer-ip-range: the addresses LoadBalancer Services get ('' or unset: none). */
  loadBalancerIPRange?: string;
}

/** What every controller is built from: one client, shared informers, events, a clock. */
export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  recorder(component: string): EventRecorder;
  logger: Logger;
  clock: Clock;
  options: ControllerOptions;
}

/**
 * One controller: its constructor registers informers and handlers (which only enqueue keys);
 * `run` starts its workers once the shared caches are synced and returns when `signal` aborts.
 */
export interface Controller {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export type ControllerFactory = (context: ControllerContext) => Controller;
