import { ETCD_EQUIVALENT, type CrudRow } from './api-crud';
import type { FullListResult } from './api-list';
import type { WatchResult } from './api-watch';
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
    ETCD_EQUIVALENT[r.op],
    fmtInt(r.etcd.opsPerSec),
    fmtMs(r.etcd.p50),
    fmtMs(r.etcd.p99),
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
      { header: 'etcd op', align: 'left' },
      { header: 'etcd ops/s' },
      { header: 'etcd p50 ms' },
      { header: 'etcd p99 ms' },
      { header: 'api/etcd' },
      { header: 'errors', align: 'left' },
    ],
    body,
  );
  const errors = rows.filter((r) => r.api.firstError || r.etcd.firstError).map((r) => `  ${r.pods} pods c=${r.concurrency} ${r.op}: ${r.api.firstError ?? r.etcd.firstError}`);
  return [
    heading('1. Create / update / get / list through the apiserver vs. raw etcd'),
    'Each op is one API call (gRPC, client encode + server + etcd + client decode) against the same',
    'encoded pod values written straight to etcd with etcd3 under /bench-raw/. list = one page of',
    '100 pods (limit=100, read from etcd). Closed loop: conc = operations in flight.',
    '',
    table,
    '',
    `  * a ${fmtInt(sample)}-operation sample of the ${fmtInt(Math.max(...rows.map((r) => r.pods)))}-pod run at concurrency 1 (the namespace of the concurrency-64 run holds all the pods).`,
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
  const lat = (label: string, s: WatchResult['fromWriteDone']): string[] => [label, fmtInt(s.count), fmtMs(s.p50), fmtMs(s.p99), fmtMs(s.max), fmtMs(s.mean)];
  const latency = renderTable(
    [{ header: 'latency', align: 'left' }, { header: 'samples' }, { header: 'p50 ms' }, { header: 'p99 ms' }, { header: 'max ms' }, { header: 'mean ms' }],
    [
      lat('delivery, from write response to receipt', w.fromWriteDone),
      lat('delivery, from write start to receipt', w.fromWriteStart),
      lat('the writes themselves (create/update)', w.writeLatency),
    ],
  );
  const { watchers, writes, writeRate } = w.options;
  return [
    heading(`3. ${fmtInt(watchers)} concurrent watches on pods in one namespace`),
    `Opened ${fmtInt(watchers)} watches (one gRPC connection) in ${fmtMs(w.openMs)} ms, checked live with a sentinel pod.`,
    `The scheme has ${w.kinds} kinds; the apiserver keeps one etcd watch per kind's watch cache, so the`,
    'etcd count before is that baseline; the pods watches must not add to it.',
    '',
    counts,
    '',
    `Then ${writes} writes (${Math.ceil(writes / 2)} creates, ${writes - Math.ceil(writes / 2)} updates) at ${writeRate} writes/s, open loop:`,
    `${fmtInt(w.deliveries)} of ${fmtInt(w.expectedDeliveries)} deliveries received; ${fmtInt(w.completeWatchers)} of ${fmtInt(watchers)} watchers saw every event; ` +
      `${fmtInt(w.outOfOrder)} out of order; last delivery ${fmtMs(w.drainMs)} ms after the first write.`,
    `CPU meanwhile: apiserver ${w.cpu.apiserver.toFixed(1)} s, this process ${w.cpu.bench.toFixed(1)} s, etcd ${w.cpu.etcd.toFixed(1)} s ` +
      `(${fmtInt(w.deliveries / w.cpu.apiserver)} deliveries per apiserver CPU-second, ${fmtInt(w.deliveries / w.cpu.bench)} per client CPU-second).`,
    `${fmtInt(w.early)} deliveries arrived before the writer had its response (counted as 0 ms from the response).`,
    '',
    latency,
    '',
    '  Watchers and writer share this process (and the 2 CPUs with the apiserver and etcd): each delivery',
    '  includes this client decoding the pod once per watcher.',
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
