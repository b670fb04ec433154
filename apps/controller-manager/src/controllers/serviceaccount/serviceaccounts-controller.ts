import { isAlreadyExists, isForbidden, type corev1 } from '@minik8s/api';
import { Namespaces, ServiceAccounts, WorkQueue, type EventHandlers, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';

export const SERVICE_ACCOUNT_CONTROLLER_NAME = 'serviceaccount';

/** What every namespace has, as in Kubernetes: one ServiceAccount named `default`, and nothing in it. */
export const DEFAULT_SERVICE_ACCOUNTS: readonly corev1.ServiceAccount[] = [{ metadata: { name: 'default' } }];

/** The ServiceAccount call the controller makes. */
export interface ServiceAccountCreator {
  create(namespace: string, serviceAccount: corev1.ServiceAccount): Promise<corev1.ServiceAccount>;
}

export interface ServiceAccountsControllerDeps {
  namespaces: Lister<corev1.Namespace>;
  serviceAccounts: Lister<corev1.ServiceAccount>;
  client: ServiceAccountCreator;
  logger: Logger;
  /** The accounts every namespace must have; default DEFAULT_SERVICE_ACCOUNTS. */
  wanted?: readonly corev1.ServiceAccount[];
  concurrentSyncs?: number;
  queue?: WorkQueue<string>;
  waitForCacheSync?: () => Promise<boolean>;
}

/** A namespace that may get new content: it exists, is not being deleted, and is Active. */
export function isNamespaceActive(ns: corev1.Namespace | undefined): ns is corev1.Namespace {
  if (!ns || ns.metadata?.deletionTimestamp) return false;
  // The apiserver defaults the phase to Active; an object without one is taken as Active too.
  const phase = ns.status?.phase;
  return !phase || phase === 'Active';
}

/**
 * The accounts of `wanted` that namespace `ns` lacks, ready to create: none when the namespace is
 * gone or terminating, as nothing may be created there.
 */
export function serviceAccountsToCreate(
  ns: corev1.Namespace | undefined,
  wanted: readonly corev1.ServiceAccount[],
  exists: (namespace: string, name: string) => boolean,
): corev1.ServiceAccount[] {
  if (!isNamespaceActive(ns)) return [];
  const namespace = ns.metadata?.name ?? '';
  return wanted
    .filter((sa) => !exists(namespace, sa.metadata?.name ?? ''))
    .map((sa) => ({ ...sa, metadata: { ...sa.metadata, namespace } }));
}

/** The Forbidden the apiserver answers a create in a namespace being deleted with. */
function isNamespaceTerminating(err: unknown): boolean {
  if (!isForbidden(err)) return false;
  const causes = (err as { details?: { causes?: { reason?: string }[] } }).details?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating') || /because it is being terminated/.test((err as Error).message);
}

/**
 * Kubernetes' service account controller: every namespace that is not terminating has the
 * `default` ServiceAccount, made when the namespace appears and made again when it is deleted.
 * Keys are namespace names: a Namespace add or update queues it, as does the deletion of one of
 * its ServiceAccounts. An account that exists is never touched, whatever it holds.
 */
export class ServiceAccountsController implements Controller {
  readonly name = SERVICE_ACCOUNT_CONTROLLER_NAME;
  readonly queue: WorkQueue<string>;
  private readonly wanted: readonly corev1.ServiceAccount[];
  private readonly logger: Logger;

  constructor(private readonly deps: ServiceAccountsControllerDeps) {
    this.logger = deps.logger;
    this.queue = deps.queue ?? new WorkQueue<string>();
    this.wanted = deps.wanted ?? DEFAULT_SERVICE_ACCOUNTS;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.logger.info({ controller: this.name, serviceAccounts: this.wanted.map((sa) => sa.metadata?.name) }, 'starting controller');
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.logger);
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  // ---- event handlers: they only queue namespace names ----

  namespaceHandlers(): EventHandlers<corev1.Namespace> {
    const queue = (ns: corev1.Namespace): void => {
      if (ns.metadata?.name) this.queue.add(ns.metadata.name);
    };
    return { onAdd: queue, onUpdate: (_old, cur) => queue(cur) };
  }

  serviceAccountHandlers(): EventHandlers<corev1.ServiceAccount> {
    return {
      onDelete: (sa) => {
        if (sa.metadata?.namespace) this.queue.add(sa.metadata.namespace);
      },
    };
  }

  // ---- the level-triggered sync ----

  /** Creates the accounts namespace `name` lacks. */
  async sync(name: string): Promise<void> {
    const ns = this.deps.namespaces.get(undefined, name);
    const missing = serviceAccountsToCreate(ns, this.wanted, (namespace, saName) => this.deps.serviceAccounts.get(namespace, saName) !== undefined);
    const errors: unknown[] = [];
    for (const sa of missing) {
      try {
        await this.deps.client.create(name, sa);
        this.logger.info({ namespace: name, serviceAccount: sa.metadata?.name }, 'created service account');
      } catch (err) {
        // Made meanwhile by someone else, or the namespace began terminating: nothing to do.
        if (isAlreadyExists(err) || isNamespaceTerminating(err)) continue;
        errors.push(err);
      }
    }
    // The others are made; the queue's retry handles the rest.
    if (errors.length > 0) throw errors[0];
  }
}

/** Builds the controller on the shared Namespace and ServiceAccount informers. */
export function newServiceAccountsController(context: ControllerContext, wanted?: readonly corev1.ServiceAccount[]): ServiceAccountsController {
  const namespaces = context.informers.informerFor(Namespaces);
  const serviceAccounts = context.informers.informerFor(ServiceAccounts);
  const saClient = context.client.resource(ServiceAccounts);
  const controller = new ServiceAccountsController({
    namespaces,
    serviceAccounts,
    client: { create: (namespace, sa) => saClient.namespace(namespace).create(sa) },
    logger: context.logger.child({ controller: SERVICE_ACCOUNT_CONTROLLER_NAME }),
    wanted,
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: async () => (await Promise.all([namespaces.waitForCacheSync(), serviceAccounts.waitForCacheSync()])).every(Boolean),
  });
  namespaces.addEventHandler(controller.namespaceHandlers());
  serviceAccounts.addEventHandler(controller.serviceAccountHandlers());
  return controller;
}

/** `serviceaccount`: a `default` ServiceAccount in every namespace. */
export const serviceAccountsControllerFactory: ControllerFactory = (context) => newServiceAccountsController(context);
