import { runWorkers, WorkQueue } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';

/**
 * The loop every controller shares: handlers add keys, `concurrency` workers call `sync(key)`,
 * failures come back with back-off. Returns when `signal` aborts.
 */
export async function runQueue(
  name: string,
  queue: WorkQueue<string>,
  sync: (key: string) => Promise<void>,
  concurrency: number,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const stop = (): void => queue.shutDown();
  if (signal.aborted) return;
  signal.addEventListener('abort', stop, { once: true });
  await runWorkers(queue, sync, concurrency, (key, err) => {
    logger.warn({ controller: name, key, err: (err as Error).message }, 'sync failed; requeued');
  });
  signal.removeEventListener('abort', stop);
}
