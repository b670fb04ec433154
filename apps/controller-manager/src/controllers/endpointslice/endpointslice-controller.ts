import { isForbidden, isNotFound, type corev1, type discoveryv1 } from '@minik8s/api';
import { EndpointSlices, Nodes, Pods, Services, splitKey, WorkQueue, type EventHandlers, type EventRecorder, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  formatTriggerTime,
  isExternalName,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  selectedPods,
  serviceSelector,
  serviceKeyHandlers,
} from './endpoint-util';
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE, planSlices } from './reconciler';
import { EndpointSliceTracker } from './slice-tracker';
import { TriggerTimeTracker } from './trigger-time-tracker';

/** The --controllers name. */
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice';
/** The managed-by label value on the slices this controller owns. */
export const ENDPOINTSLICE_MANAGED_BY = 'endpointslice-controller.k8s.io';
/** The event source Kubernetes' EndpointSlice controller reports as. */
const EVENT_COMPONENT = 'endpoint-slice-controller';
/** A change to a slice by somebody else is looked at after this long, so bursts fold into one sync. */
const SLICE_CHANGE_MIN_SYNC_DELAY_MS = 1000;

/** The EndpointSlice calls the controller makes. */
export interface EndpointSliceClient {
  create(namespace: string, slice: discoveryv1.EndpointSlice): Promise<discoveryv1.EndpointSlice>;
  update(namespace: string, slice: discoveryv1.EndpointSlice): Promise<discoveryv1.EndpointSlice>;
  delete(namespace: string, name: string): Promise<void>;
}

export type EventSink = Pick<EventRecorder, 'event'>;

export interface EndpointSliceControllerDeps {
  services: Lister<corev1.Service>;
  pods: Lister<corev1.Pod>;
  nodes: Lister<corev1.Node>;
  slices: Lister<discoveryv1.EndpointSlice>;
  sliceClient: EndpointSliceClient;
  recorder: EventSink;
  logger: Logger;
  maxEndpointsPerSlice?: number;
  concurrentSyncs?: number;
  queue?: WorkQueue<string>;
  waitForCacheSync?: () => Promise<boolean>;
}

/** The informer's cache lags this controller's own writes; the key is retried once it caught up. */
export class StaleInformerCacheError extends Error {
  constructor(key: string) {
    super(`EndpointSlice informer cache is out of date for service ${key}`);
    this.name = 'StaleInformerCacheError';
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isNamespaceTerminating(err: unknown): boolean {
  if (!isForbidden(err)) return false;
  const causes = (err as { details?: { causes?: { type?: string }[] } }).details?.causes ?? [];
  return causes.some((c) => c.type === 'NamespaceTerminating') || /because it is being terminated/.test(errorMessage(err));
}

function managedByUs(slice: discoveryv1.EndpointSlice): boolean {
  return slice.metadata?.labels?.[LABEL_MANAGED_BY] === ENDPOINTSLICE_MANAGED_BY;
}

function serviceKeyOfSlice(slice: discoveryv1.EndpointSlice): string | undefined {
  const service = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
  return service ? `${slice.metadata?.namespace ?? ''}/${service}` : undefined;
}

function withTriggerTime(slice: discoveryv1.EndpointSlice, triggerTime: number | undefined): discoveryv1.EndpointSlice {
  const annotations = { ...(slice.metadata?.annotations ?? {}) };
  if (triggerTime === undefined) delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
  else annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = formatTriggerTime(triggerTime);
  return { ...slice, apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { ...slice.metadata, annotations } };
}

/**
 * Kubernetes' EndpointSlice controller: for every Service with a selector, EndpointSlices
 * (labelled with the service name and this manager, owned by the Service) holding an endpoint per
 * selected pod with an IP, ready, serving and terminating, at most maxEndpointsPerSlice per
 * slice, written with as little churn as possible. Handlers queue Service keys; `sync(key)` is
 * level-triggered. A deleted Service's slices go with it through the garbage collector.
 */
export class EndpointSliceController implements Controller {
  readonly name = ENDPOINTSLICE_CONTROLLER_NAME;
  readonly queue: WorkQueue<string>;
  readonly tracker = new EndpointSliceTracker();
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly logger: Logger;
  private readonly maxEndpointsPerSlice: number;

  constructor(private readonly deps: EndpointSliceControllerDeps) {
    this.logger = deps.logger;
    this.queue = deps.queue ?? new WorkQueue<string>();
    this.maxEndpointsPerSlice = deps.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.logger.info({ controller: this.name, maxEndpointsPerSlice: this.maxEndpointsPerSlice }, 'starting controller');
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.logger);
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  // ---- event handlers: they only queue Service keys ----

  serviceHandlers(): EventHandlers<corev1.Service> {
    return serviceKeyHandlers(this.queue, this.deps.services).services;
  }

  podHandlers(): EventHandlers<corev1.Pod> {
    return serviceKeyHandlers(this.queue, this.deps.services).pods;
  }

  /** Slice changes matter only when somebody else made them. */
  sliceHandlers(): EventHandlers<discoveryv1.EndpointSlice> {
    const queueFor = (slice: discoveryv1.EndpointSlice): void => {
      const key = serviceKeyOfSlice(slice);
      if (key) this.queue.addAfter(key, SLICE_CHANGE_MIN_SYNC_DELAY_MS);
    };
    return {
      onAdd: (slice) => {
        if (managedByUs(slice) && this.tracker.shouldSync(slice)) queueFor(slice);
      },
      onUpdate: (old, cur) => {
        // Somebody moved a slice to another Service: both need a look.
        if (old.metadata?.labels?.[LABEL_SERVICE_NAME] !== cur.metadata?.labels?.[LABEL_SERVICE_NAME]) {
          queueFor(cur);
          queueFor(old);
          return;
        }
        if (managedByUs(old) !== managedByUs(cur) || (managedByUs(cur) && this.tracker.shouldSync(cur))) queueFor(cur);
      },
      onDelete: (slice) => {
        if (!managedByUs(slice)) return;
        const tracked = this.tracker.has(slice);
        // A deletion this controller did not make (or cannot vouch for) is repaired.
        if (!this.tracker.handleDeletion(slice) || !tracked) queueFor(slice);
      },
    };
  }

  // ---- the level-triggered sync ----

  /** Brings one Service's EndpointSlices in line with its pods; throws to be retried. */
  async sync(key: string): Promise<void> {
    const { namespace = '', name } = splitKey(key);
    const service = this.deps.services.get(namespace, name);
    if (!service) {
      // Its slices are owned by it; the garbage collector removes them.
      this.triggerTimes.deleteService(namespace, name);
      this.tracker.deleteService(namespace, name);
      return;
    }
    if (isExternalName(service)) return;
    const selector = serviceSelector(service);
    if (!selector) return;

    const pods = selectedPods(this.deps.pods, service, selector);
    const existing = this.deps.slices
      .list(namespace)
      .filter((s) => managedByUs(s) && s.metadata?.labels?.[LABEL_SERVICE_NAME] === name && !s.metadata?.deletionTimestamp);
    if (this.tracker.staleSlices(service, existing)) throw new StaleInformerCacheError(key);

    const triggerTime = this.triggerTimes.compute(service, pods);
    const plan = planSlices({
      service,
      pods,
      existing,
      node: (nodeName) => this.deps.nodes.get(undefined, nodeName),
      maxEndpointsPerSlice: this.maxEndpointsPerSlice,
      controllerName: ENDPOINTSLICE_MANAGED_BY,
    });
    try {
      await this.apply(service, plan.create, plan.update, plan.delete, triggerTime);
    } catch (err) {
      void this.deps.recorder.event(
        { ...service, apiVersion: 'v1', kind: 'Service' },
        'Warning',
        'FailedToUpdateEndpointSlices',
        `Error updating Endpoint Slices for Service ${key}: ${errorMessage(err)}`,
      );
      throw err;
    }
    if (plan.create.length + plan.update.length + plan.delete.length > 0) {
      this.logger.debug({ service: key, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length }, 'wrote endpoint slices');
    }
    // Pods waiting for their Node: the slices are written without them, and the key comes back.
    if (plan.problems.length > 0) throw new Error(plan.problems.join('; '));
  }

  private async apply(
    service: corev1.Service,
    create: readonly discoveryv1.EndpointSlice[],
    update: readonly discoveryv1.EndpointSlice[],
    remove: readonly discoveryv1.EndpointSlice[],
    triggerTime: number | undefined,
  ): Promise<void> {
    const namespace = service.metadata?.namespace ?? '';
    // A Service on its way out gets no new slices: the garbage collector is removing them.
    if (!service.metadata?.deletionTimestamp) {
      for (const slice of create) {
        try {
          this.tracker.update(await this.deps.sliceClient.create(namespace, withTriggerTime(slice, triggerTime)));
        } catch (err) {
          // Every create fails while the namespace terminates; nothing to retry.
          if (isNamespaceTerminating(err)) return;
          throw new Error(`failed to create EndpointSlice for Service ${namespace}/${service.metadata?.name}: ${errorMessage(err)}`);
        }
      }
    }
    for (const slice of update) {
      try {
        this.tracker.update(await this.deps.sliceClient.update(namespace, withTriggerTime(slice, triggerTime)));
      } catch (err) {
        throw new Error(`failed to update ${slice.metadata?.name} EndpointSlice for Service ${namespace}/${service.metadata?.name}: ${errorMessage(err)}`);
      }
    }
    for (const slice of remove) {
      try {
        await this.deps.sliceClient.delete(namespace, slice.metadata?.name ?? '');
        this.tracker.expectDeletion(slice);
      } catch (err) {
        if (isNotFound(err)) continue;
        throw new Error(`failed to delete ${slice.metadata?.name} EndpointSlice for Service ${namespace}/${service.metadata?.name}: ${errorMessage(err)}`);
      }
    }
  }
}

/** Builds the controller on the shared informers. */
export function newEndpointSliceController(context: ControllerContext, options: { maxEndpointsPerSlice?: number } = {}): EndpointSliceController {
  const services = context.informers.informerFor(Services);
  const pods = context.informers.informerFor(Pods);
  const nodes = context.informers.informerFor(Nodes);
  const slices = context.informers.informerFor(EndpointSlices);
  const resource = context.client.resource(EndpointSlices);
  const controller = new EndpointSliceController({
    services,
    pods,
    nodes,
    slices,
    sliceClient: {
      create: (namespace, slice) => resource.namespace(namespace).create(slice),
      update: (namespace, slice) => resource.namespace(namespace).update(slice),
      delete: async (namespace, sliceName) => {
        await resource.namespace(namespace).delete(sliceName);
      },
    },
    recorder: context.recorder(EVENT_COMPONENT),
    logger: context.logger.child({ controller: ENDPOINTSLICE_CONTROLLER_NAME }),
    maxEndpointsPerSlice: options.maxEndpointsPerSlice,
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: async () =>
      (await Promise.all([services.waitForCacheSync(), pods.waitForCacheSync(), nodes.waitForCacheSync(), slices.waitForCacheSync()])).every(Boolean),
  });
  services.addEventHandler(controller.serviceHandlers());
  pods.addEventHandler(controller.podHandlers());
  slices.addEventHandler(controller.sliceHandlers());
  return controller;
}

/** `endpointslice`: EndpointSlices for every Service with a selector. */
export const endpointSliceControllerFactory: ControllerFactory = (context) => newEndpointSliceController(context);
