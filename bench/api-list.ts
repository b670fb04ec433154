import { performance } from 'node:perf_hooks';
import type { corev1 } from '@minik8s/api';
import { Pods, type ResourceClient } from '@minik8s/client';
import { prefixEnd } from '@minik8s/storage';
import { RAW_PREFIX, type BenchContext } from './context';
import { sorted, percentileOfSorted } from './stats';

export interface FullListRow {
  source: string;
  /** One API call for the whole collection (the targets are about these). */
  oneCall: boolean;
  /** Served by the apiserver (as opposed to the raw etcd baseline). */
  api: boolean;
  items: number;
  /** Wall time of each repetition, ms. */
  runsMs: number[];
  medianMs: number;
  bestMs: number;
  error?: string;
}

export interface FullListResult {
  rows: FullListRow[];
  /** Time the client spends decoding all the pods (measured apart), ms. */
  clientDecodeMs: number;
  /** Size of the stored values, bytes. */
  storedBytes: number;
  /** After a failed list from etcd: how long the apiserver kept refusing reads, and with what. */
  outage?: { ms: number; failures: number; message: string; recovered: boolean };
}

interface Measured {
  runsMs: number[];
  items: number;
  error?: string;
}

async function timeRepeated(reps: number, call: () => Promise<number>): Promise<Measured> {
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

function row(source: string, flags: { oneCall: boolean; api: boolean }, measured: Measured): FullListRow {
  const s = sorted(measured.runsMs);
  return { source, ...flags, items: measured.items, runsMs: measured.runsMs, medianMs: percentileOfSorted(s, 50), bestMs: s[0] ?? NaN, error: measured.error };
}

/** Every pod by pages of `limit`, following continue tokens (read from etcd at one revision). */
async function pagedList(api: ResourceClient<corev1.Pod>, limit: number): Promise<number> {
  let items = 0;
  let token: string | undefined;
  do {
    const page = await api.list({ limit, continue: token });
    items += page.items.length;
    token = page.continue;
  } while (token);
  return items;
}

/**
 * After a failure the apiserver's etcd client may refuse calls for a while (etcd3's circuit
 * breaker); waits until a read that needs etcd works again and says how long that took.
 */
async function awaitRecovery(api: ResourceClient<corev1.Pod>, probeName: string, timeoutMs: number): Promise<FullListResult['outage']> {
  const start = performance.now();
  let failures = 0;
  let message = '';
  while (performance.now() - start < timeoutMs) {
    try {
      await api.get(probeName);
      return { ms: performance.now() - start, failures, message, recovered: true };
    } catch (err) {
      failures++;
      message ||= err instanceof Error ? err.message : String(err);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { ms: performance.now() - start, failures, message, recovered: false };
}

/** Lists every pod of `namespace` in one call, from the watch cache ("0") and from etcd (""). */
export async function runFullList(ctx: BenchContext, namespace: string, expected: number, reps: number, probeName: string): Promise<FullListResult> {
  const api = ctx.client.resource(Pods).namespace(namespace);
  const rows: FullListRow[] = [];
  const count = expected.toLocaleString('en-US');
  const check = (n: number): number => {
    if (n !== expected) throw new Error(`listed ${n} pods, expected ${expected}`);
    return n;
  };
  const apiCall = { oneCall: true, api: true };

  ctx.progress(`  list ${count} pods, resourceVersion "0" (watch cache)`);
  rows.push(row('apiserver, resourceVersion "0" (watch cache)', apiCall, await timeRepeated(reps, async () => check((await api.list({ resourceVersion: '0' })).items.length))));
  ctx.progress(`  list ${count} pods, resourceVersion "" (etcd)`);
  const fromEtcd = await timeRepeated(reps, async () => check((await api.list({ resourceVersion: '' })).items.length));
  rows.push(row('apiserver, resourceVersion "" (etcd)', apiCall, fromEtcd));
  let outage: FullListResult['outage'];
  if (fromEtcd.error) {
    outage = await awaitRecovery(api, probeName, 60_000);
    ctx.progress(`  the list failed (${fromEtcd.error}); the apiserver answered again after ${Math.round(outage?.ms ?? 0)} ms`);
  }
  ctx.progress(`  list ${count} pods by pages of 500 (etcd)`);
  rows.push(row('apiserver, limit=500 pages + continue (etcd)', { oneCall: false, api: true }, await timeRepeated(reps, async () => check(await pagedList(api, 500)))));

  // The raw baseline: one range over the same encoded values (written by the CRUD runs).
  const rawPrefix = `${RAW_PREFIX}${namespace}/`;
  let storedBytes = 0;
  const raw = await timeRepeated(reps, async () => {
    const res = await ctx.etcd.kv.range({ key: Buffer.from(rawPrefix), range_end: prefixEnd(rawPrefix) });
    storedBytes = res.kvs.reduce((sum, kv) => sum + kv.value.length, 0);
    return check(res.kvs.length);
  });
  rows.push(row('raw etcd range, one call (etcd3 client)', { oneCall: true, api: false }, raw));

  // How much of the API figures is this client decoding protobuf into objects.
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
  return { rows, clientDecodeMs, storedBytes, outage };
}
