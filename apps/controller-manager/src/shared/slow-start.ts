import { toError } from './multi-error';

/** Kubernetes' first batch size for slow-start creation. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/**
 * Runs `fn` `count` times in batches of 1, 2, 4, … (each batch concurrently), stopping after
 * the first batch with a failure so that a quota or a bad template costs one call, not `count`.
 * Returns how many calls succeeded and the first error.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: Error }> {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += size - failures.length;
    if (failures.length > 0) return { successes, error: toError(failures[0].reason) };
    remaining -= size;
  }
  return { successes };
}
