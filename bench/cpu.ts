import type { BenchCluster } from './harness';
import { scrape } from './harness';
import { metricValue } from './prom';

/** CPU seconds used so far by the bench process, the apiserver and etcd. */
export interface CpuSnapshot {
  bench: number;
  apiserver: number;
  etcd: number;
}

/** Reads process_cpu_seconds_total from the apiserver's and etcd's /metrics, and our own usage. */
export async function cpuSnapshot(cluster: BenchCluster): Promise<CpuSnapshot> {
  const [api, etcd] = await Promise.all([scrape(`${cluster.apiserver.healthUrl}/metrics`), scrape(`${cluster.etcd.endpoint}/metrics`)]);
  const own = process.cpuUsage();
  return {
    bench: (own.user + own.system) / 1e6,
    apiserver: metricValue(api, 'process_cpu_seconds_total') ?? NaN,
    etcd: metricValue(etcd, 'process_cpu_seconds_total') ?? NaN,
  };
}

export function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): CpuSnapshot {
  return { bench: b.bench - a.bench, apiserver: b.apiserver - a.apiserver, etcd: b.etcd - a.etcd };
}

/** Runs `work` and returns its result with the CPU each process spent meanwhile. */
export async function withCpu<T>(cluster: BenchCluster, work: () => Promise<T>): Promise<{ result: T; cpu: CpuSnapshot }> {
  const before = await cpuSnapshot(cluster);
  const result = await work();
  const after = await cpuSnapshot(cluster);
  return { result, cpu: cpuDelta(before, after) };
}
