import type { corev1 } from '@minik8s/api';
import { Pods } from '@minik8s/client';
import { prefixEnd } from '@minik8s/storage';
import { ensureNamespace, RAW_PREFIX, type BenchContext } from './context';
import { benchPod, touched } from './pods';
import { withCpu } from './cpu';
import { runOps, type RunResult } from './runner';

export type CrudOp = 'create' | 'update' | 'get' | 'list';

/** The raw etcd call each API verb is compared with. */
export const ETCD_EQUIVALENT: Record<CrudOp, string> = {
  create: 'put',
  update: 'put',
  get: 'range 1 key',
  list: 'range limit 100',
};

export interface CrudRow {
  pods: number;
  concurrency: number;
  op: CrudOp;
  /** Whether the run measured a sample of `pods` operations rather than all of them. */
  sampled: boolean;
  api: RunResult;
  etcd: RunResult;
  /** Apiserver CPU ms per API operation. */
  cpuPerOp: { apiserver: number };
}

export interface CrudOptions {
  /** Operations measured at concurrency 1 when `pods` is larger (a sample). */
  sequentialSample: number;
  /** Paged lists (limit 100) per run. */
  listOps: number;
  listPageSize: number;
}

/** The namespace one (pods, concurrency) run writes its pods to. */
export function crudNamespace(pods: number, concurrency: number): string {
  return `bench-${pods}-c${concurrency}`;
}

function podName(i: number): string {
  return `pod-${String(i).padStart(5, '0')}`;
}

/**
 * Creates, updates, gets and lists `pods` pods through the apiserver at `concurrency`, and does
 * the same with the same encoded values straight on etcd under a separate prefix.
 */
export async function runCrud(ctx: BenchContext, pods: number, concurrency: number, options: CrudOptions): Promise<CrudRow[]> {
  const ns = crudNamespace(pods, concurrency);
  const ops = concurrency === 1 ? Math.min(pods, options.sequentialSample) : pods;
  const sampled = ops < pods;
  const api = ctx.client.resource(Pods).namespace(ns);
  const kv = ctx.etcd.kv;
  const rawPrefix = `${RAW_PREFIX}${ns}/`;
  const rawKeys = Array.from({ length: ops }, (_, i) => Buffer.from(rawPrefix + podName(i)));
  // What the apiserver stores: the protobuf encoding, without resourceVersion.
  const encode = (pod: corev1.Pod): Buffer =>
    Buffer.from(ctx.scheme.encode(ctx.pods, { ...pod, metadata: { ...pod.metadata, resourceVersion: undefined } }));
  await ensureNamespace(ctx, ns);
  const rows: CrudRow[] = [];
  const label = `${pods.toLocaleString('en-US')} pods, concurrency ${concurrency}`;
  type Timed = Awaited<ReturnType<typeof withCpu<RunResult>>>;
  const timed = (work: () => Promise<RunResult>): Promise<Timed> => withCpu(ctx.cluster, work);
  const row = (op: CrudOp, apiTimed: Timed, etcdTimed: Timed): void => {
    const apiResult = apiTimed.result;
    const etcdResult = etcdTimed.result;
    const perOp = (cpuSeconds: number, n: number): number => (cpuSeconds * 1000) / n;
    rows.push({
      pods,
      concurrency,
      op,
      sampled,
      api: apiResult,
      etcd: etcdResult,
      cpuPerOp: { apiserver: perOp(apiTimed.cpu.apiserver, apiResult.count) },
    });
    ctx.progress(
      `  ${label}: ${op.padEnd(6)} api ${Math.round(apiResult.opsPerSec)} ops/s, etcd ${Math.round(etcdResult.opsPerSec)} ops/s` +
        (apiResult.errors + etcdResult.errors > 0 ? ` (${apiResult.errors} api / ${etcdResult.errors} etcd errors: ${apiResult.firstError ?? etcdResult.firstError})` : ''),
    );
  };

  // Prepared before the clock starts: building the objects is the client's business, not the server's.
  const fresh = Array.from({ length: ops }, (_, i) => benchPod(ns, podName(i), i));
  const current: corev1.Pod[] = new Array<corev1.Pod>(ops);
  const createApi = await timed(() =>
    runOps(ops, concurrency, async (i) => {
      current[i] = await api.create(fresh[i]);
    }),
  );
  const createdValues = current.map((pod) => encode(pod));
  const createEtcd = await timed(() => runOps(ops, concurrency, (i) => kv.put({ key: rawKeys[i], value: createdValues[i] })));
  row('create', createApi, createEtcd);

  const edits = current.map((pod) => touched(pod, 1));
  const updateApi = await timed(() =>
    runOps(ops, concurrency, async (i) => {
      current[i] = await api.update(edits[i]);
    }),
  );
  const updatedValues = current.map((pod) => encode(pod));
  const updateEtcd = await timed(() => runOps(ops, concurrency, (i) => kv.put({ key: rawKeys[i], value: updatedValues[i] })));
  row('update', updateApi, updateEtcd);

  const getApi = await timed(() => runOps(ops, concurrency, (i) => api.get(podName(i))));
  const getEtcd = await timed(() => runOps(ops, concurrency, (i) => kv.range({ key: rawKeys[i] })));
  row('get', getApi, getEtcd);

  // Paged lists as informers and kubectl read big collections: one page of 100, read from etcd.
  const limit = options.listPageSize;
  const want = Math.min(limit, ops);
  const rangeEnd = prefixEnd(rawPrefix);
  const listApi = await timed(() =>
    runOps(options.listOps, concurrency, async () => {
      const page = await api.list({ limit });
      if (page.items.length !== want) throw new Error(`list returned ${page.items.length} pods, wanted ${want}`);
    }),
  );
  const listEtcd = await timed(() =>
    runOps(options.listOps, concurrency, async () => {
      const page = await kv.range({ key: Buffer.from(rawPrefix), range_end: rangeEnd, limit });
      if (page.kvs.length !== want) throw new Error(`range returned ${page.kvs.length} keys, wanted ${want}`);
    }),
  );
  row('list', listApi, listEtcd);
  return rows;
}
