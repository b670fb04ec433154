import type { CrudRow } from './api-crud';
import type { FullListResult } from './api-list';
import type { TargetRow } from './api-report';
import { rateLabel, type WatchResult } from './api-watch';
import { fmtBytes, fmtInt, fmtMs, fmtPct } from './table';

export interface TargetInputs {
  crudRows: readonly CrudRow[];
  fullList?: FullListResult;
  watch?: WatchResult;
  /** Pods in the big list. */
  pods: number;
  /** The concurrency the create target is judged at. */
  concurrency: number;
  sizes: readonly number[];
  watchers: number;
}

/** "etcd: 8 RESOURCE_EXHAUSTED: Received message larger than max (13777444 vs 4194304)" → a table-sized reason. */
function shortError(message: string): string {
  const tooBig = /RESOURCE_EXHAUSTED.*\((\d+) vs (\d+)\)/.exec(message);
  if (tooBig) return `RESOURCE_EXHAUSTED, ${fmtBytes(Number(tooBig[1]))} > ${fmtBytes(Number(tooBig[2]))} limit`;
  const text = message.replace(/^etcd: /, '');
  return text.length > 50 ? `${text.slice(0, 49)}…` : text;
}

/**
 * The targets: create ≥ 50% of raw etcd put at concurrency 64; a 10,000-pod list < 1 s; 1,000
 * watchers = 1 etcd watch; watch event p99 < 100 ms. A step that did not run gives no row.
 */
export function evaluateTargets(inputs: TargetInputs): TargetRow[] {
  const { crudRows, fullList, watch } = inputs;
  const targets: TargetRow[] = [];
  for (const size of inputs.sizes) {
    const create = crudRows.find((r) => r.pods === size && r.concurrency === inputs.concurrency && r.op === 'create');
    if (!create) continue;
    const ratio = create.api.opsPerSec / create.etcd.opsPerSec;
    targets.push({
      target: `create throughput, ${fmtInt(size)} pods, conc ${inputs.concurrency}`,
      measured: `${fmtInt(create.api.opsPerSec)} vs ${fmtInt(create.etcd.opsPerSec)} puts/s = ${fmtPct(ratio)}`,
      goal: '>= 50% of raw etcd put',
      pass: create.api.errors === 0 && ratio >= 0.5,
    });
  }
  for (const row of (fullList?.rows ?? []).filter((r) => r.api && r.oneCall)) {
    targets.push({
      target: `list ${fmtInt(inputs.pods)} pods, ${row.source.replace('apiserver, ', '')}`,
      measured: row.error ? `failed: ${shortError(row.error)}` : `${fmtMs(row.medianMs)} ms (median of ${row.runsMs.length})`,
      goal: '< 1 s',
      pass: !row.error && row.medianMs < 1000,
    });
  }
  if (watch) {
    const etcdDelta = (watch.during.etcdWatchers ?? NaN) - (watch.before.etcdWatchers ?? NaN);
    const apiDelta = (watch.during.apiWatchers ?? 0) - (watch.before.apiWatchers ?? 0);
    targets.push({
      target: `${fmtInt(inputs.watchers)} watchers cost one etcd watch`,
      measured: `etcd watchers ${watch.before.etcdWatchers} -> ${watch.during.etcdWatchers} (+${etcdDelta}) for +${fmtInt(apiDelta)} API watches`,
      goal: '+0 (the shared pods watch)',
      pass: Number.isNaN(etcdDelta) ? undefined : etcdDelta === 0 && apiDelta === inputs.watchers,
    });
    const steady = watch.phases.find((p) => p.phase.name === 'steady') ?? watch.phases[0];
    if (steady) {
      targets.push({
        target: `watch event delivery p99 at ${rateLabel(steady.phase.rate)}`,
        measured: `${fmtMs(steady.fromWriteDone.p99)} ms over ${fmtInt(steady.deliveries)} deliveries`,
        goal: '< 100 ms',
        pass: steady.deliveries === steady.expectedDeliveries && steady.fromWriteDone.p99 < 100,
      });
    }
  }
  return targets;
}
