import { isNotFound, type batchv1 } from '@minik8s/api';
import { Jobs, keyOf, splitKey, WorkQueue, type Clock, type EventHandlers, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import { finishedCondition, parseTime } from './job-util';

/** When a finished Job with ttlSecondsAfterFinished expires (ms since the epoch), else undefined. */
export function jobExpiresAt(job: batchv1.Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || job.metadata?.deletionTimestamp) return undefined;
  const finished = finishedCondition(job);
  if (!finished) return undefined;
  // Complete carries completionTime; Failed only its condition's transition time.
  const at = parseTime(job.status?.completionTime) ?? parseTime(finished.lastTransitionTime);
  return at === undefined ? undefined : at + ttl * 1000;
}

export interface TtlJobClient {
  get(namespace: string, name: string): Promise<batchv1.Job>;
  /** Deletes with propagation Background, only if the uid still matches. */
  delete(namespace: string, name: string, uid: string): Promise<void>;
}

/**
 * Kubernetes' TTL-after-finished controller: deletes a finished Job (its pods follow through the
 * garbage collector) ttlSecondsAfterFinished after it finished; until then it requeues the Job
 * for the moment it expires.
 */
export class TtlAfterFinishedController implements Controller {
  readonly name = 'ttl-after-finished';
  readonly queue = new WorkQueue<string>();

  constructor(
    private readonly deps: {
      jobs: Lister<batchv1.Job>;
      client: TtlJobClient;
      clock: Clock;
      logger: Logger;
      concurrentSyncs?: number;
      waitForCacheSync?: () => Promise<boolean>;
    },
  ) {}

  handlers(): EventHandlers<batchv1.Job> {
    const enqueue = (job: batchv1.Job): void => {
      if (jobExpiresAt(job) !== undefined) this.queue.add(keyOf(job));
    };
    return { onAdd: enqueue, onUpdate: (_old, cur) => enqueue(cur) };
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync) await this.deps.waitForCacheSync();
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.deps.logger);
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deps.jobs.get(namespace, name);
    if (!cached) return;
    const expires = jobExpiresAt(cached);
    if (expires === undefined) return;
    const now = this.deps.clock.now();
    if (expires > now) {
      this.queue.addAfter(key, expires - now);
      return;
    }
    // The cache may be stale (the TTL changed, the Job was re-created): decide on a fresh read.
    let fresh: batchv1.Job;
    try {
      fresh = await this.deps.client.get(namespace ?? '', name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const freshExpires = jobExpiresAt(fresh);
    if (freshExpires === undefined) return;
    if (freshExpires > now) {
      this.queue.addAfter(key, freshExpires - now);
      return;
    }
    this.deps.logger.info({ key }, 'deleting a finished job whose TTL expired');
    try {
      await this.deps.client.delete(namespace ?? '', name, fresh.metadata?.uid ?? '');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export function newTtlAfterFinishedController(context: ControllerContext): TtlAfterFinishedController {
  const jobs = context.informers.informerFor(Jobs);
  const resource = context.client.resource(Jobs);
  const controller = new TtlAfterFinishedController({
    jobs,
    client: {
      get: (namespace, name) => resource.namespace(namespace).get(name),
      delete: async (namespace, name, uid) => {
        await resource.namespace(namespace).delete(name, { propagationPolicy: 'Background', preconditions: { uid } });
      },
    },
    clock: context.clock,
    logger: context.logger.child({ controller: 'ttl-after-finished' }),
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: () => jobs.waitForCacheSync(),
  });
  jobs.addEventHandler(controller.handlers());
  return controller;
}

/** `ttl-after-finished`: deletes finished Jobs once their ttlSecondsAfterFinished passed. */
export const ttlAfterFinishedControllerFactory: ControllerFactory = (context) => newTtlAfterFinishedController(context);
