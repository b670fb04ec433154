/** Latency and throughput figures for one measured run. Latencies are in milliseconds. */
export interface Summary {
  count: number;
  wallMs: number;
  opsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Sorts a copy ascending (numeric, not lexicographic). */
export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * The nearest-rank percentile of already sorted values: the smallest value with at least p% of
 * the values at or below it. p in [0, 100]; NaN for no values.
 */
export function percentileOfSorted(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  if (p <= 0) return values[0];
  if (p >= 100) return values[values.length - 1];
  const rank = Math.ceil((p / 100) * values.length);
  return values[Math.max(0, rank - 1)];
}

export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sorted(values), p);
}

/** Summarizes `latencies` (ms) of `count` operations that took `wallMs` in all. */
export function summarize(latencies: ArrayLike<number>, wallMs: number): Summary {
  const s = sorted(latencies);
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i];
  return {
    count: s.length,
    wallMs,
    opsPerSec: wallMs > 0 ? s.length / (wallMs / 1000) : NaN,
    p50: percentileOfSorted(s, 50),
    p99: percentileOfSorted(s, 99),
    max: s.length > 0 ? s[s.length - 1] : NaN,
    mean: s.length > 0 ? total / s.length : NaN,
  };
}
