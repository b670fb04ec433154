import type { corev1 } from '@minik8s/api';
import { Namespaces, WorkQueue, type Informer } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import { isStoredKind } from '../garbage-collector/plan';
import { NamespacedContentDeleter } from './namespaced-content-deleter';

export const NAMESPACE_CONTROLLER_NAME = 'namespace';

/** Shortest and longest wait before looking again at a namespace whose content is still going. */
const MIN_RECHECK_MS = 1_000;
const MAX_RECHECK_MS = 30_000;

/**
 * Kubernetes' namespace controller: a namespace with a deletionTimestamp is emptied of every
 * namespaced object, looked at again (with back-off) while content is still going, and then
 * finalized so the apiserver removes it. Keys are namespace names.
 */
export class NamespaceController implements Controller {
  readonly name = NAMESPACE_CONTROLLER_NAME;
  private readonly informer: Informer<corev1.Namespace>;
  // Kubernetes' namespace queue: 5ms to 60s of back-off on failures.
  private readonly queue = new WorkQueue<string>({ baseDelayMs: 5, maxDelayMs: 60_000 });
  private readonly deleter: NamespacedContentDeleter;
  /** Passes in a row that found content still going, per namespace. */
  private readonly passes = new Map<string, number>();
  private readonly logger: Logger;

  constructor(private readonly context: ControllerContext) {
    this.logger = context.logger.child({ controller: NAMESPACE_CONTROLLER_NAME });
    const all = context.client.scheme.all();
    const namespaced = all.filter((info) => info.namespaced && isStoredKind(info, all));
    this.deleter = new NamespacedContentDeleter(context.client, namespaced, context.clock, this.logger);
    this.informer = context.informers.informerFor(Namespaces);
    this.informer.addEventHandler({
      onAdd: (ns) => this.enqueue(ns),
      onUpdate: (_, ns) => this.enqueue(ns),
    });
  }

  private enqueue(ns: corev1.Namespace): void {
    if (ns.metadata?.deletionTimestamp && ns.metadata.name) this.queue.add(ns.metadata.name);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !(await this.informer.waitForCacheSync(5_000))) {
      this.logger.info('waiting for the namespace cache to sync');
    }
    if (signal.aborted) return;
    await runQueue(this.name, this.queue, (name) => this.sync(name), this.context.options.concurrentSyncs, signal, this.logger);
  }

  /** One pass over one namespace. Safe to run any number of times. */
  async sync(name: string): Promise<void> {
    const ns = this.informer.get(undefined, name);
    if (!ns?.metadata?.deletionTimestamp) {
      this.passes.delete(name);
      return;
    }
    const estimateSeconds = await this.deleter.delete(name);
    if (estimateSeconds <= 0) {
      this.passes.delete(name);
      return;
    }
    // Content is still going: come back after half the estimate, as Kubernetes does, but
    // back off when the estimate keeps passing (a pod on a node that stopped answering).
    const passes = this.passes.get(name) ?? 0;
    this.passes.set(name, passes + 1);
    const backoff = Math.min(MIN_RECHECK_MS * 2 ** passes, MAX_RECHECK_MS);
    const delay = Math.max(MIN_RECHECK_MS, Math.min((estimateSeconds * 1000) / 2, MAX_RECHECK_MS), backoff);
    this.logger.debug({ namespace: name, estimateSeconds, delayMs: delay }, 'content remains; checking again later');
    this.queue.addAfter(name, delay);
  }
}

/** The controller-manager's factory for the namespace controller (`--controllers=namespace`). */
export const newNamespaceController: ControllerFactory = (context) => new NamespaceController(context);
