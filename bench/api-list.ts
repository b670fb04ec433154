import { performance } from 'node:perf_hooks';
import { Pods } from '@minik8s/client';
import { prefixEnd } from '@minik8s/storage';
import { RAW_PREFIX, type BenchContext } from './context';
import { sorted, percentileOfSorted } from './stats';

export interface FullListRow {
  source: string;
  items: number;
  /** Wall time of each repetition, ms. */
  runsMs: number[];
  medianMs: number;
  bestMs: number;
  bytes?: number;
  error?: string;
}

export interface FullListResult {
  rows: FullListRow[];
  /** Time the client spends decoding 10,000 pods (measured apart), ms. */
  clientDecodeMs: number;
  /** Size of the stored values, bytes. */
  storedBytes: number;
}

async function timeRepeated(reps: number, call: () => Promise<number>): Promise<{ runsMs: number[]; items: number; error?: string }> {
  const runsMs: number[] = [];
  let items = 0;
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    try {
      items = await call();
    } catch (err) {
      return { runsMs, items, error: err instanceof Error ? err.message : String(err) };
    }
    runsMs.push(performance.now() - start);
  }
  return { runsMs, items };
}

function row(source: string, measured: { runsMs: number[]; items: number; error?: string }): FullListRow {
  const s = sorted(measured.runsMs);
  return { source, items: measured.items, runsMs: measured.runsMs, medianMs: percentileOfSorted(s, 50), bestMs: s[0] ?? NaN, error: measured.error };
}

/** Lists every pod of `namespace` in one call, from etcd (resourceVersion "") and from the watch cache ("0"). */
export async function runFullList(ctx: BenchContext, namespace: string, expected: number, reps: number): Promise<FullListResult> {
  const api = ctx.client.resource(Pods).namespace(namespace);
  const rows: FullListRow[] = [];
  const check = (n: number): number => {
    if (n !== expected) throw new Error(`listed ${n} pods, expected ${expected}`);
    return n;
  };
  ctx.progress(`  list ${expected.toLocaleString('en-US')} pods, resourceVersion "" (etcd)`);
  rows.push(row('apiserver, resourceVersion "" (etcd)', await timeRepeated(reps, async () => check((await api.list({ resourceVersion: '' })).items.length))));
  ctx.progress(`  list ${expected.toLocaleString('en-US')} pods, resourceVersion "0" (watch cache)`);
  rows.push(row('apiserver, resourceVersion "0" (watch cache)', await timeRepeated(reps, async () => check((await api.list({ resourceVersion: '0' })).items.length))));

  // The raw baseline: one range over the same encoded values (written by the CRUD runs).
  const rawPrefix = `${RAW_PREFIX}${namespace}/`;
  let storedBytes = 0;
  const raw = await timeRepeated(reps, async () => {
    const res = await ctx.etcd.kv.range({ key: Buffer.from(rawPrefix), range_end: prefixEnd(rawPrefix) });
    storedBytes = res.kvs.reduce((sum, kv) => sum + kv.value.length, 0);
    return check(res.kvs.length);
  });
  rows.push({ ...row('raw etcd range (etcd3 client)', raw), bytes: storedBytes });

  // How much of the API figure is the client decoding protobuf into objects.
  let clientDecodeMs = NaN;
  try {
    const listed = await api.list({ resourceVersion: '0' });
    const wire = listed.items.map((pod) => ctx.scheme.toUnknown(ctx.pods, pod));
    const start = performance.now();
    for (const u of wire) ctx.scheme.fromUnknown(u);
    clientDecodeMs = performance.now() - start;
  } catch {
    // reported as "-"
  }
  return { rows, clientDecodeMs, storedBytes };
}
