import { isAlreadyExists, type KindInfo, type Scheme } from '@minik8s/api';
import { ApiClient, Namespaces } from '@minik8s/client';
import { Etcd3 } from 'etcd3';
import type { BenchCluster } from './harness';

/** What every part of the api suite shares: the cluster and one client of each kind. */
export interface BenchContext {
  cluster: BenchCluster;
  client: ApiClient;
  /** A direct etcd client for the raw baseline (it never touches the apiserver's keys). */
  etcd: Etcd3;
  scheme: Scheme;
  pods: KindInfo;
  /** Progress lines (stderr), so stdout holds only the report. */
  progress(message: string): void;
}

/** The key prefix of the raw-etcd baseline; the apiserver's keys live under /registry. */
export const RAW_PREFIX = '/bench-raw/pods/';

export function openContext(cluster: BenchCluster, progress: (message: string) => void): BenchContext {
  const client = new ApiClient(cluster.apiserver.address, { timeoutMs: 120_000 });
  // The apiserver's EtcdStore settings, except that a 10,000-pod range (~13 MB) must fit in one
  // response: grpc-js refuses messages over 4 MB by default.
  const etcd = new Etcd3({
    hosts: cluster.etcd.endpoint,
    dialTimeout: 5000,
    grpcOptions: { 'grpc.max_receive_message_length': -1 },
  });
  const pods = client.kindInfo({ apiVersion: 'v1', kind: 'Pod' });
  return { cluster, client, etcd, scheme: client.scheme, pods, progress };
}

export function closeContext(ctx: BenchContext): void {
  ctx.client.close();
  ctx.etcd.close();
}

export async function ensureNamespace(ctx: BenchContext, name: string): Promise<void> {
  try {
    await ctx.client.resource(Namespaces).create({ metadata: { name } });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}
