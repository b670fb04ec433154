import { Leases, MERGE_PATCH, Nodes, Pods } from '@minik8s/client';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { ensurePodNodeNameIndex, NodeLifecycleController } from './node-lifecycle-controller';
import { TaintEvictionController } from './taint-eviction-controller';

export const NODE_LIFECYCLE_CONTROLLER_NAME = 'node-lifecycle';
/** The event sources Kubernetes' two controllers report as. */
const NODE_CONTROLLER_COMPONENT = 'node-controller';
const TAINT_EVICTION_COMPONENT = 'taint-eviction-controller';

/** Settings that have no controller-manager flag; tests and embedders may set them. */
export interface NodeLifecycleOverrides {
  monitorPeriodMs?: number;
  startupGracePeriodMs?: number;
}

/**
 * `node-lifecycle` as one Controller: the node health monitor and tainter, and the taint-based
 * eviction of pods, run together as Kubernetes runs them when its SeparateTaintEvictionController
 * gate is off.
 */
export class NodeLifecycleControllers implements Controller {
  readonly name = NODE_LIFECYCLE_CONTROLLER_NAME;

  constructor(
    readonly lifecycle: NodeLifecycleController,
    readonly taintEviction: TaintEvictionController,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.lifecycle.run(signal), this.taintEviction.run(signal)]);
  }
}

/**
 * Builds both on the shared Node, Lease and Pod informers, with --node-monitor-grace-period and
 * --pod-eviction-timeout from the context.
 */
export function newNodeLifecycleControllers(context: ControllerContext, overrides: NodeLifecycleOverrides = {}): NodeLifecycleControllers {
  const nodes = context.informers.informerFor(Nodes);
  const leases = context.informers.informerFor(Leases);
  const pods = context.informers.informerFor(Pods);
  ensurePodNodeNameIndex(pods);
  const nodeClient = context.client.resource(Nodes);
  const podClient = context.client.resource(Pods);
  const logger = context.logger.child({ controller: NODE_LIFECYCLE_CONTROLLER_NAME });
  const waitForCacheSync = async (): Promise<boolean> =>
    (await Promise.all([nodes.waitForCacheSync(), leases.waitForCacheSync(), pods.waitForCacheSync()])).every(Boolean);

  const lifecycle = new NodeLifecycleController({
    nodes,
    leases,
    pods,
    nodeClient: {
      get: (name) => nodeClient.get(name),
      updateStatus: (node) => nodeClient.updateStatus(node),
      patch: (name, patch) => nodeClient.patch(name, MERGE_PATCH, patch),
    },
    podClient: { updateStatus: (pod) => podClient.namespace(pod.metadata?.namespace).updateStatus(pod) },
    recorder: context.recorder(NODE_CONTROLLER_COMPONENT),
    logger,
    clock: context.clock,
    gracePeriodMs: context.options.nodeMonitorGracePeriodMs,
    startupGracePeriodMs: overrides.startupGracePeriodMs,
    monitorPeriodMs: overrides.monitorPeriodMs,
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync,
  });
  nodes.addEventHandler(lifecycle.nodeHandlers());
  leases.addEventHandler(lifecycle.leaseHandlers());
  pods.addEventHandler(lifecycle.podHandlers());

  const taintEviction = new TaintEvictionController({
    nodes,
    pods,
    podClient: {
      get: (namespace, name) => podClient.namespace(namespace).get(name),
      updateStatus: (pod) => podClient.namespace(pod.metadata?.namespace).updateStatus(pod),
      delete: async (namespace, name, uid) => {
        await podClient.namespace(namespace).delete(name, uid ? { preconditions: { uid } } : {});
      },
    },
    recorder: context.recorder(TAINT_EVICTION_COMPONENT),
    logger: logger.child({ part: 'taint-eviction' }),
    clock: context.clock,
    defaultTolerationMs: context.options.podEvictionTimeoutMs,
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync,
  });
  nodes.addEventHandler(taintEviction.nodeHandlers());
  pods.addEventHandler(taintEviction.podHandlers());

  return new NodeLifecycleControllers(lifecycle, taintEviction);
}

/** `node-lifecycle`: node health, node taints, and taint-based eviction of pods. */
export const nodeLifecycleControllerFactory: ControllerFactory = (context) => newNodeLifecycleControllers(context);
