import { ApiServerService, CreateRequest, GetRequest, ListRequest, ListResponse, ObjectResponse, UpdateRequest } from '@minik8s/api';
import type { corev1, ResourceRef, Unknown } from '@minik8s/api';
import { prefixEnd } from '@minik8s/storage';
import { etcdPutRequest, etcdRangeCount, etcdRangeRequest, ETCD_KV, WireClient } from './api-wire';
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
  /**
   * CPU ms per operation: the apiserver's per API operation; the bench's and etcd's per API
   * operation and per raw etcd operation.
   */
  cpuPerOp: { apiserver: number; benchApi: number; etcdApi: number; benchEtcd: number; etcdRaw: number };
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

/** The two load generators of the CRUD step: one wire client per server, alike. */
export interface CrudClients {
  api: WireClient;
  etcd: WireClient;
}

/** Opens the wire clients of the CRUD step on the bench cluster. */
export function openCrudClients(ctx: BenchContext): CrudClients {
  return { api: new WireClient(ctx.cluster.apiserver.address), etcd: new WireClient(ctx.cluster.etcd.endpoint.replace(/^https?:\/\//, '')) };
}

export function closeCrudClients(clients: CrudClients): void {
  clients.api.close();
  clients.etcd.close();
}

/**
 * Creates, updates, gets and lists `pods` pods through the apiserver at `concurrency`, and does
 * the same with the same encoded values straight on etcd under a separate prefix. Both sides
 * send request messages encoded before the clock starts and leave the responses undecoded (see
 * WireClient): the pods' protobuf encoding and decoding is a client's own business, and the raw
 * puts do not pay for it either. The responses are decoded after each timed run, to check them
 * and to build the next phase's requests.
 */
export async function runCrud(ctx: BenchContext, clients: CrudClients, pods: number, concurrency: number, options: CrudOptions): Promise<CrudRow[]> {
  const ns = crudNamespace(pods, concurrency);
  const ops = concurrency === 1 ? Math.min(pods, options.sequentialSample) : pods;
  const sampled = ops < pods;
  const rawPrefix = `${RAW_PREFIX}${ns}/`;
  const rawKeys = Array.from({ length: ops }, (_, i) => Buffer.from(rawPrefix + podName(i)));
  const ref = (name = ''): ResourceRef => ({ group: '', version: 'v1', resource: 'pods', namespace: ns, name });
  const unknown = (pod: corev1.Pod): Unknown => ({ apiVersion: 'v1', kind: 'Pod', raw: Buffer.from(ctx.scheme.encode(ctx.pods, pod)) });
  // What the apiserver stores: the protobuf encoding, without resourceVersion.
  const stored = (pod: corev1.Pod): Buffer =>
    Buffer.from(ctx.scheme.encode(ctx.pods, { ...pod, metadata: { ...pod.metadata, resourceVersion: undefined } }));
  const podOf = (response: Buffer): corev1.Pod => ctx.scheme.fromUnknown(ObjectResponse.decode(response).object).obj as corev1.Pod;
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
      cpuPerOp: {
        apiserver: perOp(apiTimed.cpu.apiserver, apiResult.count),
        benchApi: perOp(apiTimed.cpu.bench, apiResult.count),
        etcdApi: perOp(apiTimed.cpu.etcd, apiResult.count),
        benchEtcd: perOp(etcdTimed.cpu.bench, etcdResult.count),
        etcdRaw: perOp(etcdTimed.cpu.etcd, etcdResult.count),
      },
    });
    ctx.progress(
      `  ${label}: ${op.padEnd(6)} api ${Math.round(apiResult.opsPerSec)} ops/s, etcd ${Math.round(etcdResult.opsPerSec)} ops/s` +
        (apiResult.errors + etcdResult.errors > 0 ? ` (${apiResult.errors} api / ${etcdResult.errors} etcd errors: ${apiResult.firstError ?? etcdResult.firstError})` : ''),
    );
  };
  const responses: (Buffer | undefined)[] = new Array<Buffer | undefined>(ops);
  const call = (client: WireClient, path: string, requests: readonly Buffer[]) => (i: number) =>
    client.call(path, requests[i]).then((res) => void (responses[i] = res));
  /** The pods the last API run answered with (a failed operation leaves its previous state). */
  const answered = (previous: readonly corev1.Pod[]): corev1.Pod[] => previous.map((pod, i) => {
    const res = responses[i];
    return res ? podOf(res) : pod;
  });

  const fresh = Array.from({ length: ops }, (_, i) => benchPod(ns, podName(i), i));
  const createRequests = fresh.map((pod) => Buffer.from(CreateRequest.encode({ ref: ref(), object: unknown(pod) }).finish()));
  const createApi = await timed(() => runOps(ops, concurrency, call(clients.api, ApiServerService.create.path, createRequests)));
  let current = answered(fresh);
  responses.fill(undefined);
  const createPuts = current.map((pod, i) => etcdPutRequest(rawKeys[i], stored(pod)));
  const createEtcd = await timed(() => runOps(ops, concurrency, (i) => clients.etcd.call(ETCD_KV.put, createPuts[i])));
  row('create', createApi, createEtcd);

  const updateRequests = current.map((pod) => Buffer.from(UpdateRequest.encode({ ref: ref(pod.metadata?.name), object: unknown(touched(pod, 1)) }).finish()));
  const updateApi = await timed(() => runOps(ops, concurrency, call(clients.api, ApiServerService.update.path, updateRequests)));
  current = answered(current);
  responses.fill(undefined);
  const updatePuts = current.map((pod, i) => etcdPutRequest(rawKeys[i], stored(pod)));
  const updateEtcd = await timed(() => runOps(ops, concurrency, (i) => clients.etcd.call(ETCD_KV.put, updatePuts[i])));
  row('update', updateApi, updateEtcd);

  const getRequests = Array.from({ length: ops }, (_, i) => Buffer.from(GetRequest.encode({ ref: ref(podName(i)) }).finish()));
  const getApi = await timed(() => runOps(ops, concurrency, call(clients.api, ApiServerService.get.path, getRequests)));
  const wrongGet = responses.findIndex((res, i) => res !== undefined && podOf(res).metadata?.resourceVersion !== current[i]?.metadata?.resourceVersion);
  if (wrongGet >= 0) throw new Error(`get of ${podName(wrongGet)} did not return the pod as last updated`);
  const ranges = rawKeys.map((key) => etcdRangeRequest(key));
  const getEtcd = await timed(() => runOps(ops, concurrency, (i) => clients.etcd.call(ETCD_KV.range, ranges[i])));
  row('get', getApi, getEtcd);

  // Paged lists as informers and kubectl read big collections: one page of 100, read from etcd.
  const limit = options.listPageSize;
  const want = Math.min(limit, ops);
  const listRequest = Buffer.from(ListRequest.encode({ ref: ref(), options: { limit } }).finish());
  const rangeRequest = etcdRangeRequest(Buffer.from(rawPrefix), prefixEnd(rawPrefix), limit);
  let lastList: Buffer | undefined;
  let lastRange: Buffer | undefined;
  const listApi = await timed(() =>
    runOps(options.listOps, concurrency, async () => {
      lastList = await clients.api.call(ApiServerService.list.path, listRequest);
    }),
  );
  const listEtcd = await timed(() =>
    runOps(options.listOps, concurrency, async () => {
      lastRange = await clients.etcd.call(ETCD_KV.range, rangeRequest);
    }),
  );
  const listed = lastList ? (ListResponse.decode(lastList).items ?? []).length : 0;
  if (listed !== want) throw new Error(`list returned ${listed} pods, wanted ${want}`);
  const ranged = lastRange ? etcdRangeCount(lastRange) : 0;
  if (ranged !== want) throw new Error(`range returned ${ranged} keys, wanted ${want}`);
  row('list', listApi, listEtcd);
  return rows;
}
