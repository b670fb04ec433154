import { ETCD_EQUIVALENT, type CrudRow } from './api-crud';
import type { FullListResult } from './api-list';
import { type WatchResult } from './api-watch';
import { fmtBytes, fmtInt, fmtMs, fmtPct, heading, renderTable } from './table';

export function crudReport(rows: readonly CrudRow[], sample: number): string {
  const order = { create: 0, update: 1, get: 2, list: 3 };
  const sortedRows = [...rows].sort((a, b) => a.pods - b.pods || a.concurrency - b.concurrency || order[a.op] - order[b.op]);
  const body = sortedRows.map((r) => [
    fmtInt(r.pods),
    String(r.concurrency),
    r.op,
    fmtInt(r.api.count) + (r.sampled ? '*' : ''),
    fmtInt(r.api.opsPerSec),
    fmtMs(r.api.p50),
    fmtMs(r.api.p99),
    fmtMs(r.cpuPerOp.apiserver),
    fmtMs(r.cpuPerOp.benchApi),
    ETCD_EQUIVALENT[r.op],
    fmtInt(r.etcd.opsPerSec),
    fmtMs(r.etcd.p50),
    fmtMs(r.etcd.p99),
    fmtMs(r.cpuPerOp.benchEtcd),
    fmtPct(r.api.opsPerSec / r.etcd.opsPerSec),
    r.api.errors + r.etcd.errors > 0 ? `${r.api.errors}/${r.etcd.errors}` : '',
  ]);
  const table = renderTable(
    [
      { header: 'pods' },
      { header: 'conc' },
      { header: 'op', align: 'left' },
      { header: 'ops' },
      { header: 'api ops/s' },
      { header: 'api p50 ms' },
      { header: 'api p99 ms' },
      { header: 'srv CPU ms/op' },
      { header: 'bench CPU' },
      { header: 'etcd op', align: 'left' },
      { header: 'etcd ops/s' },
      { header: 'etcd p50 ms' },
      { header: 'etcd p99 ms' },
      { header: 'bench CPU' },
      { header: 'api/etcd' },
      { header: 'errors', align: 'left' },
    ],
    body,
  );
  // Where each side's CPU goes: on a busy 2-CPU machine every process gets a similar share, so
  // the ratio follows the costliest process of each path.
  const maxConcurrency = Math.max(...rows.map((r) => r.concurrency));
  const cpuNotes = sortedRows
    .filter((r) => r.op === 'create' && r.concurrency === maxConcurrency)
    .map((r) => {
      const c = r.cpuPerOp;
      return (
        `  create, ${fmtInt(r.pods)} pods, conc ${r.concurrency}: CPU ms per create: apiserver ${fmtMs(c.apiserver)} + etcd ${fmtMs(c.etcdApi)} + bench ${fmtMs(c.benchApi)}` +
        ` = ${fmtMs(c.apiserver + c.etcdApi + c.benchApi)}; per raw put: etcd ${fmtMs(c.etcdRaw)} + bench ${fmtMs(c.benchEtcd)} = ${fmtMs(c.etcdRaw + c.benchEtcd)}.`
      );
    });
  const errors = rows.filter((r) => r.api.firstError || r.etcd.firstError).map((r) => `  ${r.pods} pods c=${r.concurrency} ${r.op}: ${r.api.firstError ?? r.etcd.firstError}`);
  return [
    heading('1. Create / update / get / list through the apiserver vs. raw etcd'),
    'Each op is one API call against the same encoded pod values written straight to etcd under',
    '/bench-raw/. Both sides are driven alike: one grpc-js connection each, request messages encoded',
    'before the clock starts, responses left undecoded (decoded and checked after each run), so the',
    'bench costs both the same and the figures compare the apiserver (+ etcd) with etcd alone.',
    'list = one page of 100 pods (limit=100, read from etcd). Closed loop: conc = operations in flight.',
    'srv CPU ms/op: apiserver process CPU time per API operation (from its process_cpu_seconds_total);',
    'bench CPU: the bench process\'s CPU ms per operation on each side.',
    '',
    table,
    '',
    `  * sample: at concurrency 1 only ${fmtInt(sample)} operations are timed — creates into a namespace of their own while the`,
    `    ${fmtInt(Math.max(...rows.map((r) => r.pods)))} pods of the concurrency-64 run are stored, then updates, gets and pages of those pods.`,
    ...(cpuNotes.length > 0 ? ['', ...cpuNotes] : []),
    ...(errors.length > 0 ? ['', '  errors (api/etcd counts above; first message):', ...errors] : []),
  ].join('\n');
}

export function fullListReport(result: FullListResult, pods: number): string {
  const table = renderTable(
    [{ header: 'list of all pods', align: 'left' }, { header: 'items' }, { header: 'median ms' }, { header: 'best ms' }, { header: 'runs ms', align: 'left' }],
    result.rows.map((r) => [
      r.source,
      r.error ? 'failed' : fmtInt(r.items),
      r.error ? '-' : fmtMs(r.medianMs),
      r.error ? '-' : fmtMs(r.bestMs),
      r.error ? `error: ${r.error}` : r.runsMs.map((ms) => fmtMs(ms)).join(', '),
    ]),
  );
  const outage = result.outage;
  return [
    heading(`2. List ${fmtInt(pods)} pods`),
    `Stored size: ${fmtBytes(result.storedBytes)} of protobuf (${fmtInt(result.storedBytes / pods)} B per pod).`,
    '',
    table,
    '',
    `  client-side decode of ${fmtInt(pods)} pods alone (measured apart): ${fmtMs(result.clientDecodeMs)} ms — part of every apiserver figure above.`,
    ...(outage
      ? [
          `  after the failed list the apiserver ${outage.recovered ? `refused reads for ${fmtMs(outage.ms)} ms` : `still refused reads after ${fmtMs(outage.ms)} ms`}` +
            ` (${outage.failures} probe failures${outage.message ? `: "${outage.message}"` : ''}).`,
        ]
      : []),
  ].join('\n');
}

export function watchReport(w: WatchResult): string {
  const n = (v: number | undefined): string => (v === undefined ? 'n/a' : fmtInt(v));
  const counts = renderTable(
    [{ header: 'gauge', align: 'left' }, { header: 'before' }, { header: 'watches open' }, { header: 'after close' }],
    [
      ['apiserver_registered_watchers{resource="pods"}', n(w.before.apiWatchers), n(w.during.apiWatchers), n(w.after.apiWatchers)],
      ['etcd_debugging_mvcc_watcher_total', n(w.before.etcdWatchers), n(w.during.etcdWatchers), n(w.after.etcdWatchers)],
      ['etcd_debugging_mvcc_watch_stream_total', n(w.before.etcdStreams), n(w.during.etcdStreams), n(w.after.etcdStreams)],
    ],
  );
  const phaseRows = w.phases.map((p) => [
    p.phase.name,
    p.phase.rate === 'isolated' ? 'one by one' : p.phase.rate > 0 ? `${p.phase.rate}/s` : 'max',
    fmtInt(p.deliveries) + (p.deliveries < p.expectedDeliveries ? ` of ${fmtInt(p.expectedDeliveries)}` : ''),
    fmtInt(p.deliveriesPerSec),
    fmtMs(p.fromWriteDone.p50),
    fmtMs(p.fromWriteDone.p99),
    fmtMs(p.fromWriteStart.p50),
    fmtMs(p.fromWriteStart.p99),
    fmtMs(p.fanOutDone.p50),
    fmtMs(p.fanOutDone.p99),
    fmtMs(p.writeLatency.p50),
    `${p.cpu.apiserver.toFixed(1)} / ${p.cpu.bench.toFixed(1)} / ${p.cpu.etcd.toFixed(1)}`,
  ]);
  const phases = renderTable(
    [
      { header: 'phase', align: 'left' },
      { header: 'write rate' },
      { header: 'deliveries' },
      { header: 'deliv/s' },
      { header: 'p50 ms' },
      { header: 'p99 ms' },
      { header: 'p50 ms*' },
      { header: 'p99 ms*' },
      { header: 'all-in p50' },
      { header: 'all-in p99' },
      { header: 'write p50' },
      { header: 'CPU s api/bench/etcd' },
    ],
    phaseRows,
  );
  const notes = w.phases.map(
    (p) =>
      `  ${p.phase.name}: ${p.phase.writes} writes, ${fmtInt(p.completeWatchers)} of ${fmtInt(w.options.watchers)} watchers saw all of them, ` +
      `${fmtInt(p.early)} deliveries beat the write's response, last delivery ${fmtMs(p.drainMs)} ms after the first write; ` +
      `apiserver CPU ${fmtMs((p.cpu.apiserver * 1e6) / p.deliveries)} µs per delivery (${fmtMs((p.cpu.apiserver * 1e3 * w.options.watchers) / p.deliveries)} ms per event to all watchers), ` +
      `client CPU ${fmtMs((p.cpu.bench * 1e6) / p.deliveries)} µs per delivery.`,
  );
  return [
    heading(`3. ${fmtInt(w.options.watchers)} concurrent watches on pods in one namespace`),
    `Opened ${fmtInt(w.options.watchers)} watches (gRPC streams, in ${w.options.threads} worker thread${w.options.threads > 1 ? 's' : ''} with its own gRPC connection, apart from the`,
    `writer) in ${fmtMs(w.openMs)} ms, checked live with a sentinel pod.`,
    `The scheme has ${w.kinds} kinds and the apiserver keeps one etcd watch per kind's watch cache: that is`,
    'the etcd count before; the pods watches must not add to it.',
    '',
    counts,
    '',
    'Then pods are created and updated in the namespace; every watcher must receive every event.',
    'p50/p99: from the write\'s response to each watcher\'s receipt (an event that beats the response counts 0).',
    '*: from the write\'s start instead (as a timestamp annotation would measure). all-in: from the',
    'write\'s response until the last of the watchers has it. Writes "one by one": each waits until every',
    'watcher has the previous event; "max": each write waits only for the previous write.',
    '',
    phases,
    '',
    ...notes,
    `  ${fmtInt(w.outOfOrder)} deliveries out of resourceVersion order; ${fmtInt(w.malformed)} events of the checking watchers decoded otherwise than timed.`,
    '  The watches are gRPC streams on plain HTTP/2 (not grpc-js): each delivery is timestamped as its bytes',
    '  arrive and only its type and resourceVersion are read; the first watcher of each thread decodes every',
    '  event in full and checks it. The watch thread, the writer, the apiserver and etcd share 2 CPUs.',
  ].join('\n');
}

export interface TargetRow {
  target: string;
  measured: string;
  goal: string;
  pass: boolean | undefined;
}

export function summaryReport(rows: readonly TargetRow[]): string {
  return [
    heading('Summary against targets'),
    renderTable(
      [{ header: 'target', align: 'left' }, { header: 'measured', align: 'left' }, { header: 'goal', align: 'left' }, { header: 'result', align: 'left' }],
      rows.map((r) => [r.target, r.measured, r.goal, r.pass === undefined ? 'N/A' : r.pass ? 'PASS' : 'MISS']),
    ),
  ].join('\n');
}
