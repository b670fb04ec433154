import { loadavg } from 'node:os';
import { POD_IP, POD_PORT, processCpuSeconds, runLoad, tcpExtCounters, type BenchTopology, type LoadResult } from './network-topology';
import { percentile } from './stats';
import { fmtInt, fmtMs, renderTable } from './table';

export interface DataPathOptions {
  rounds: number;
  durationMs: number;
  concurrency: number;
}

/** One target's rounds, and what they cost and suffered in all. */
export interface TargetRuns {
  runs: LoadResult[];
  /** CPU microseconds per request: the load generator's and the server's. */
  cpuPerRequestUs: number;
  /** SYNs the client sent again after a timeout (TcpExt TCPSynRetrans in its namespace). */
  synRetransmits: number;
  /** Segments the server's TIME_WAIT sockets dropped by timestamp (TcpExt PAWSTimewait), SYNs mostly. */
  pawsRejected: number;
}

export interface DataPathResult {
  direct: TargetRuns;
  viaService: TargetRuns;
  /** ClusterIP/pod-IP median req/s. */
  ratio: number;
  p99Ratio: number;
  cpuRatio: number;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

function counter(counters: Map<string, number>, name: string): number {
  return counters.get(name) ?? NaN;
}

/** Where the load comes from: the namespace of the client for each target. */
export interface DataPathClients {
  direct: string;
  viaService: string;
}

/**
 * The same load, alternately straight at the pod IP and at the ClusterIP in front of it, round
 * after round, so both see the same machine load; prints a table.
 */
export async function measureDataPath(
  topo: BenchTopology,
  clients: DataPathClients,
  clusterIP: string,
  serverPid: number | undefined,
  opts: DataPathOptions,
  description: string,
): Promise<DataPathResult> {
  const load1 = loadavg()[0];
  process.stdout.write(
    `\nHTTP from ${description}: a new connection per request, ${opts.concurrency} in flight, ${opts.rounds} alternating rounds of ${opts.durationMs / 1000} s (load average ${load1.toFixed(1)}):\n`,
  );
  const targets = [
    { name: `pod IP ${POD_IP}:${POD_PORT}`, host: POD_IP, port: POD_PORT, ns: clients.direct },
    { name: `ClusterIP ${clusterIP}:80`, host: clusterIP, port: 80, ns: clients.viaService },
  ];
  for (const t of targets) await runLoad(topo, t.ns, t.host, t.port, opts.concurrency, 1000);
  const results = targets.map(() => ({ runs: [] as LoadResult[], cpuSeconds: 0, synRetransmits: 0, pawsRejected: 0 }));
  for (let round = 0; round < opts.rounds; round++) {
    for (const [i, t] of targets.entries()) {
      const cpu0 = processCpuSeconds(serverPid);
      const client0 = tcpExtCounters(topo, t.ns);
      const server0 = tcpExtCounters(topo, topo.pod);
      const run = await runLoad(topo, t.ns, t.host, t.port, opts.concurrency, opts.durationMs);
      const client1 = tcpExtCounters(topo, t.ns);
      const server1 = tcpExtCounters(topo, topo.pod);
      const r = results[i];
      r.runs.push(run);
      r.cpuSeconds += run.cpuSeconds + (processCpuSeconds(serverPid) - cpu0);
      r.synRetransmits += counter(client1, 'TCPSynRetrans') - counter(client0, 'TCPSynRetrans');
      r.pawsRejected += counter(server1, 'PAWSTimewait') - counter(server0, 'PAWSTimewait');
    }
  }
  const [direct, viaService] = results.map(
    (r): TargetRuns => ({
      runs: r.runs,
      cpuPerRequestUs: (r.cpuSeconds / r.runs.reduce((n, run) => n + run.count, 0)) * 1e6,
      synRetransmits: r.synRetransmits,
      pawsRejected: r.pawsRejected,
    }),
  );
  const row = (name: string, t: TargetRuns): string[] => {
    const firstError = t.runs.find((r) => r.firstError)?.firstError;
    return [
      name,
      t.runs.map((r) => fmtInt(r.rps)).join(' / '),
      fmtInt(median(t.runs.map((r) => r.rps))),
      fmtMs(median(t.runs.map((r) => r.p50))),
      fmtMs(median(t.runs.map((r) => r.p99))),
      fmtMs(Math.max(...t.runs.map((r) => r.max))),
      fmtInt(t.cpuPerRequestUs),
      `${fmtInt(t.synRetransmits)} / ${fmtInt(t.pawsRejected)}`,
      String(t.runs.reduce((n, r) => n + r.errors, 0)) + (firstError ? ` (${firstError})` : ''),
    ];
  };
  process.stdout.write(
    renderTable(
      [
        { header: 'target', align: 'left' },
        { header: 'req/s per round' },
        { header: 'req/s (median)' },
        { header: 'p50 ms' },
        { header: 'p99 ms' },
        { header: 'max ms' },
        { header: 'CPU µs/req' },
        { header: 'SYNs resent / PAWS drops' },
        { header: 'errors', align: 'left' },
      ],
      [row(targets[0].name, direct), row(targets[1].name, viaService)],
    ),
  );
  process.stdout.write(
    `\n  (load average at the end ${loadavg()[0].toFixed(1)}. CPU µs/req: the load generator's and the server's user+system time per request. SYNs resent: by the client after a` +
      ` timeout. PAWS drops: segments the server's TIME_WAIT sockets dropped as older than the last timestamp they saw)\n`,
  );
  return {
    direct,
    viaService,
    ratio: median(viaService.runs.map((r) => r.rps)) / median(direct.runs.map((r) => r.rps)),
    p99Ratio: median(viaService.runs.map((r) => r.p99)) / median(direct.runs.map((r) => r.p99)),
    cpuRatio: viaService.cpuPerRequestUs / direct.cpuPerRequestUs,
  };
}
