import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * What the kernel says about one thread's time (/proc/PID/schedstat, the process's main thread:
 * for Node.js, the JavaScript thread): on a CPU, and runnable but waiting in the run queue for
 * one. CPU figures alone cannot tell "waiting for I/O" from "waiting for a CPU" on a shared
 * machine; the run-queue wait can.
 */
export interface ThreadSchedStat {
  /** performance.now() when read. */
  at: number;
  runMs: number;
  runQueueWaitMs: number;
}

/** The main thread's schedstat, or undefined (no such process, or no schedstats in this kernel). */
export function readSchedStat(pid: number | undefined): ThreadSchedStat | undefined {
  if (pid === undefined) return undefined;
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    if (!Number.isFinite(run) || !Number.isFinite(wait)) return undefined;
    return { at: performance.now(), runMs: run / 1e6, runQueueWaitMs: wait / 1e6 };
  } catch {
    return undefined;
  }
}

export interface ThreadTimeShares {
  /** Share of the wall time the thread ran on a CPU. */
  running: number;
  /** Share of the wall time it was runnable but waited for a CPU (other processes had them). */
  waitingForCpu: number;
}

/**
 * How the thread spent the wall time between two readings. running + waitingForCpu near 1 means
 * it always had work: it was CPU-bound, and got `running` of a core. The rest it was blocked
 * (an empty queue, waiting for responses).
 */
export function threadTimeShares(before: ThreadSchedStat | undefined, after: ThreadSchedStat | undefined): ThreadTimeShares | undefined {
  if (!before || !after || after.at <= before.at) return undefined;
  const wall = after.at - before.at;
  return { running: (after.runMs - before.runMs) / wall, waitingForCpu: (after.runQueueWaitMs - before.runQueueWaitMs) / wall };
}
