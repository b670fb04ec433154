import { isForbidden, isNotFound, type corev1 } from '@minik8s/api';
import { EndpointsKind, keyOf, Pods, Services, splitKey, WorkQueue, type EventHandlers, type EventRecorder, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  formatTriggerTime,
  isExternalName,
  isServiceIPSet,
  LABEL_HEADLESS_SERVICE,
  selectedPods,
  serviceSelector,
  serviceKeyHandlers,
} from '../endpointslice/endpoint-util';
import { TriggerTimeTracker } from '../endpointslice/trigger-time-tracker';
import { ANNOTATION_OVER_CAPACITY, capacityAnnotationCorrect, computeSubsets, OVER_CAPACITY_TRUNCATED, subsetsEqual, truncateSubsets } from './subsets';

/** The --controllers name. */
export const ENDPOINTS_CONTROLLER_NAME = 'endpoints';
/** The label that marks an Endpoints as this controller's, and its value (Kubernetes 1.33+). */
export const LABEL_ENDPOINTS_MANAGED_BY = 'endpoints.kubernetes.io/managed-by';
export const ENDPOINTS_MANAGED_BY = 'endpoint-controller';
/** Endpoints used as a leader-election lock carry this; they have no Service and are never touched. */
const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** The event source Kubernetes' Endpoints controller reports as. */
const EVENT_COMPONENT = 'endpoint-controller';

/** The Endpoints calls the controller makes. */
export interface EndpointsClient {
  create(namespace: string, endpoints: corev1.Endpoints): Promise<corev1.Endpoints>;
  update(namespace: string, endpoints: corev1.Endpoints): Promise<corev1.Endpoints>;
  delete(namespace: string, name: string): Promise<void>;
}

export type EventSink = Pick<EventRecorder, 'event'>;

export interface EndpointsControllerDeps {
  services: Lister<corev1.Service>;
  pods: Lister<corev1.Pod>;
  endpoints: Lister<corev1.Endpoints>;
  endpointsClient: EndpointsClient;
  recorder: EventSink;
  logger: Logger;
  concurrentSyncs?: number;
  queue?: WorkQueue<string>;
  waitForCacheSync?: () => Promise<boolean>;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isNamespaceTerminating(err: unknown): boolean {
  if (!isForbidden(err)) return false;
  const causes = (err as { details?: { causes?: { type?: string }[] } }).details?.causes ?? [];
  return causes.some((c) => c.type === 'NamespaceTerminating') || /because it is being terminated/.test(errorMessage(err));
}

/** The labels of a Service's Endpoints: the Service's, the headless marker, and the manager. */
export function endpointsLabels(service: corev1.Service): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
  if (isServiceIPSet(service)) delete labels[LABEL_HEADLESS_SERVICE];
  else labels[LABEL_HEADLESS_SERVICE] = '';
  labels[LABEL_ENDPOINTS_MANAGED_BY] = ENDPOINTS_MANAGED_BY;
  return labels;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {});
  const y = b ?? {};
  return x.length === Object.keys(y).length && x.every(([k, v]) => y[k] === v);
}

/**
 * Kubernetes' Endpoints controller: every Service with a selector gets an Endpoints of its name
 * listing the selected pods' addresses, ready or not, per port set; it is deleted with the
 * Service. Services without a selector (and ExternalName ones) are left alone: their Endpoints
 * are written by hand. Handlers queue Service keys; `sync(key)` is level-triggered.
 */
export class EndpointsController implements Controller {
  readonly name = ENDPOINTS_CONTROLLER_NAME;
  readonly queue: WorkQueue<string>;
  private readonly logger: Logger;
  private readonly triggerTimes = new TriggerTimeTracker();
  /**
   * Per Service key, the resourceVersion of an Endpoints this controller has since replaced:
   * seeing it again in the cache means the cache lags its own write.
   */
  private readonly replacedVersions = new Map<string, string>();

  constructor(private readonly deps: EndpointsControllerDeps) {
    this.logger = deps.logger;
    this.queue = deps.queue ?? new WorkQueue<string>();
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.logger.info({ controller: this.name }, 'starting controller');
    this.queueLeftoverEndpoints();
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.logger);
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  /**
   * Once at start: every Endpoints is looked at, so that those whose Service went while the
   * controller was down are deleted (in steady state the Service's deletion does it).
   */
  queueLeftoverEndpoints(): void {
    for (const endpoints of this.deps.endpoints.list()) {
      if (endpoints.metadata?.annotations?.[LEADER_ELECTION_ANNOTATION] !== undefined) continue;
      this.queue.add(keyOf(endpoints));
    }
  }

  // ---- event handlers: they only queue Service keys ----

  serviceHandlers(): EventHandlers<corev1.Service> {
    return serviceKeyHandlers(this.queue, this.deps.services).services;
  }

  podHandlers(): EventHandlers<corev1.Pod> {
    return serviceKeyHandlers(this.queue, this.deps.services).pods;
  }

  /** A deleted Endpoints of a Service that is still there is written again. */
  endpointsHandlers(): EventHandlers<corev1.Endpoints> {
    return { onDelete: (endpoints) => this.queue.add(keyOf(endpoints)) };
  }

  // ---- the level-triggered sync ----

  /** Brings one Service's Endpoints in line with its pods; throws to be retried. */
  async sync(key: string): Promise<void> {
    const { namespace = '', name } = splitKey(key);
    const service = this.deps.services.get(namespace, name);
    if (!service) {
      // The Service is gone, and its Endpoints with it. (Asked even if the cache has none: it
      // may not have seen this controller's create yet.)
      try {
        await this.deps.endpointsClient.delete(namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.triggerTimes.deleteService(namespace, name);
      this.replacedVersions.delete(key);
      return;
    }
    // ExternalName Services get no endpoints; selector-less ones get them by hand.
    if (isExternalName(service)) return;
    const selector = serviceSelector(service);
    if (!selector) return;

    const pods = selectedPods(this.deps.pods, service, selector);
    // Computed on every sync, so the tracker's view stays current even when nothing is written.
    const triggerTime = this.triggerTimes.compute(service, pods);
    const { subsets, ready, notReady } = computeSubsets(service, pods);

    const current = this.deps.endpoints.get(namespace, name);
    if (current && this.replacedVersions.get(key) === current.metadata?.resourceVersion) {
      throw new Error(`endpoints informer cache is out of date, resource version ${current.metadata?.resourceVersion} already processed for endpoints ${key}`);
    }
    const labels = endpointsLabels(service);
    if (current && subsetsEqual(current.subsets, subsets) && sameLabels(current.metadata?.labels, labels) && capacityAnnotationCorrect(current.metadata?.annotations, current.subsets ?? [])) {
      return;
    }

    const annotations = { ...(current?.metadata?.annotations ?? {}) };
    if (triggerTime === undefined) delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
    else annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = formatTriggerTime(triggerTime);
    const written = truncateSubsets(subsets);
    if (written.truncated) annotations[ANNOTATION_OVER_CAPACITY] = OVER_CAPACITY_TRUNCATED;
    else delete annotations[ANNOTATION_OVER_CAPACITY];
    const next: corev1.Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: current ? { ...current.metadata, labels, annotations } : { name, namespace, labels, annotations },
      subsets: written.subsets,
    };

    this.logger.debug({ service: key, ready, notReady }, current ? 'updating endpoints' : 'creating endpoints');
    try {
      if (!current) {
        await this.deps.endpointsClient.create(namespace, next);
        return;
      }
      const updated = await this.deps.endpointsClient.update(namespace, next);
      if (updated.metadata?.resourceVersion !== current.metadata?.resourceVersion) {
        this.replacedVersions.set(key, current.metadata?.resourceVersion ?? '');
      }
    } catch (err) {
      // While the namespace terminates every create fails; nothing to retry.
      if (!current && isNamespaceTerminating(err)) return;
      void this.deps.recorder.event(
        next,
        'Warning',
        current ? 'FailedToUpdateEndpoint' : 'FailedToCreateEndpoint',
        current ? `Failed to update endpoint ${key}: ${errorMessage(err)}` : `Failed to create endpoint for service ${key}: ${errorMessage(err)}`,
      );
      throw err;
    }
  }
}

/** Builds the controller on the shared informers. */
export function newEndpointsController(context: ControllerContext): EndpointsController {
  const services = context.informers.informerFor(Services);
  const pods = context.informers.informerFor(Pods);
  const endpoints = context.informers.informerFor(EndpointsKind);
  const resource = context.client.resource(EndpointsKind);
  const controller = new EndpointsController({
    services,
    pods,
    endpoints,
    endpointsClient: {
      create: (namespace, obj) => resource.namespace(namespace).create(obj),
      update: (namespace, obj) => resource.namespace(namespace).update(obj),
      delete: async (namespace, name) => {
        await resource.namespace(namespace).delete(name);
      },
    },
    recorder: context.recorder(EVENT_COMPONENT),
    logger: context.logger.child({ controller: ENDPOINTS_CONTROLLER_NAME }),
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: async () => (await Promise.all([services.waitForCacheSync(), pods.waitForCacheSync(), endpoints.waitForCacheSync()])).every(Boolean),
  });
  services.addEventHandler(controller.serviceHandlers());
  pods.addEventHandler(controller.podHandlers());
  endpoints.addEventHandler(controller.endpointsHandlers());
  return controller;
}

/** `endpoints`: the Endpoints of every Service with a selector. */
export const endpointsControllerFactory: ControllerFactory = (context) => newEndpointsController(context);
