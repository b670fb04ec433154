import { performance } from 'node:perf_hooks';
import { summarize, type Summary } from './stats';

export interface RunResult extends Summary {
  errors: number;
  firstError?: string;
}

/**
 * Runs `op(0) … op(count-1)` with `concurrency` operations in flight (closed loop: each worker
 * starts its next operation when the previous one ends) and times each one.
 * Failed operations are counted, not timed.
 */
export async function runOps(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<RunResult> {
  const latencies = new Float64Array(count);
  const ok = new Uint8Array(count);
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const start = performance.now();
      try {
        await op(i);
        latencies[i] = performance.now() - start;
        ok[i] = 1;
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, () => worker()));
  const wallMs = performance.now() - started;
  const timed = errors === 0 ? latencies : latencies.filter((_, i) => ok[i] === 1);
  return { ...summarize(timed, wallMs), errors, firstError };
}
