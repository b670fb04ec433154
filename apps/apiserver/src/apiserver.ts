import type { Server as HttpServer } from 'node:http';
import { HealthImplementation } from 'grpc-health-check';
import { defaultScheme, streamingv1, type Scheme } from '@minik8s/api';
import { GrpcHttp2Server } from '@minik8s/grpc-http2';
import type { Logger } from '@minik8s/logging';
import { Compactor, EtcdStore } from '@minik8s/storage';
import { Admission } from './admission/admission';
import { NamespaceLifecycle } from './admission/namespace-lifecycle';
import { ServiceAllocation } from './admission/service-allocation';
import { PriorityAdmission } from './admission/priority';
import { DefaultTolerationSeconds } from './admission/default-toleration-seconds';
import { DefaultStorageClass } from './admission/default-storage-class';
import { PersistentVolumeClaimResize } from './admission/persistent-volume-claim-resize';
import { StorageClassReader } from './admission/storage-classes';
import { StorageObjectInUseProtection } from './admission/storage-object-in-use-protection';
import { GenericRegistry, type Clock } from './registry/generic-registry';
import { ObjectKeys } from './registry/object-keys';
import { ObjectStore } from './registry/object-store';
import { ScaleSubresource } from './registry/subresources';
import { ApiService, WATCH_SERVICE } from './server/api-service';
import { ensureSystemNamespaces, ensureSystemPriorityClasses } from './server/bootstrap';
import { startHealthServer } from './server/health-server';
import { ApiMetrics } from './server/metrics';
import { WatchCaches } from './watch/watch-caches';
import { PodStreamsProxy } from './streaming/pod-streams-proxy';

export interface ApiServerOptions {
  etcdServers: string[];
  etcdPrefix: string;
  bindAddress: string;
  securePort: number;
  healthPort: number;
  watchCacheSize: number;
  serviceClusterIpRange?: string;
  serviceNodePortRange?: [number, number];
  bookmarkIntervalMs: number;
  /** How often etcd's history is compacted (kube-apiserver's --etcd-compaction-interval); default 5 minutes, 0 never. */
  etcdCompactionIntervalMs?: number;
  /** How long Events are kept after their last write (kube-apiserver's --event-ttl); default one hour, 0 for good. */
  eventTtlSeconds?: number;
  logger: Logger;
  clock?: Clock;
  scheme?: Scheme;
}

export interface RunningApiServer {
  /** host:port the gRPC API listens on. */
  address: string;
  grpcPort: number;
  healthPort: number;
  registry: GenericRegistry;
  stop(): Promise<void>;
}

export const DEFAULT_EVENT_TTL_SECONDS = 3600;
export const DEFAULT_ETCD_COMPACTION_INTERVAL_MS = 5 * 60_000;

const systemClock: Clock = { now: () => new Date() };

/** Wires storage, registry, admission, watch caches and the gRPC and HTTP servers. */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const scheme = options.scheme ?? defaultScheme();
  const clock = options.clock ?? systemClock;
  const etcd = new EtcdStore({ hosts: options.etcdServers });
  const eventTtlSeconds = options.eventTtlSeconds ?? DEFAULT_EVENT_TTL_SECONDS;
  const store = new ObjectStore(etcd, scheme, new ObjectKeys(options.etcdPrefix.replace(/\/+$/, '')), {
    ttlSeconds: (info) => (eventTtlSeconds > 0 && info.group === '' && info.resource === 'events' ? eventTtlSeconds : undefined),
  });
  const caches = new WatchCaches(store, etcd, {
    capacity: options.watchCacheSize,
    bookmarkIntervalMs: options.bookmarkIntervalMs,
    logger: options.logger,
  });
  const storageClasses = new StorageClassReader(store, scheme, caches);
  const admission = new Admission([
    new NamespaceLifecycle(store, scheme, caches),
    new PriorityAdmission(store, scheme, caches),
    new DefaultTolerationSeconds(),
    new DefaultStorageClass(storageClasses),
    new PersistentVolumeClaimResize(storageClasses),
    new StorageObjectInUseProtection(),
    new ServiceAllocation(etcd, {
      serviceClusterIpRange: options.serviceClusterIpRange ?? '10.96.0.0/12',
      nodePortRange: options.serviceNodePortRange ?? [30000, 32767],
      etcdPrefix: options.etcdPrefix.replace(/\/+$/, ''),
    }),
  ]);
  const registry = new GenericRegistry(store, scheme, caches, admission, clock);
  const metrics = new ApiMetrics();
  const service = new ApiService(scheme, registry, new ScaleSubresource(registry, scheme), clock, metrics, options.logger);

  await ensureSystemNamespacesWithRetry(scheme, registry, options.logger);
  await caches.startAll(scheme.all());

  // gRPC on node:http2 itself, without grpc-js's server layers (see libs/grpc-http2/src/server.ts).
  const server = new GrpcHttp2Server({ maxReceiveMessageBytes: 64 * 1024 * 1024 });
  server.addService(WATCH_SERVICE, service.implementation());
  const podStreams = new PodStreamsProxy(registry, scheme, options.logger);
  server.addService(streamingv1.PodStreamsService, podStreams.implementation());
  const health = new HealthImplementation({ '': 'SERVING', 'minik8s.apiserver.v1.ApiServer': 'SERVING' });
  health.addToServer(server);
  const grpcPort = await server.listen(options.bindAddress, options.securePort);

  let httpServer: HttpServer | undefined;
  let healthPort = options.healthPort;
  if (options.healthPort >= 0) {
    httpServer = await startHealthServer(
      options.bindAddress,
      options.healthPort,
      {
        live: async () => true,
        ready: async () => {
          const failing: string[] = [];
          try {
            await etcd.currentRevision();
          } catch {
            failing.push('etcd');
          }
          if (!caches.ready) failing.push('watch-cache');
          return { ok: failing.length === 0, failing };
        },
      },
      metrics,
    );
    const address = httpServer.address();
    healthPort = typeof address === 'object' && address ? address.port : options.healthPort;
  }
  const compactor = new Compactor(etcd, options.etcdCompactionIntervalMs ?? DEFAULT_ETCD_COMPACTION_INTERVAL_MS, options.logger);
  compactor.start();
  options.logger.info({ grpcPort, healthPort, etcd: options.etcdServers }, 'apiserver serving');

  return {
    address: `${options.bindAddress}:${grpcPort}`,
    grpcPort,
    healthPort,
    registry,
    stop: async () => {
      compactor.stop();
      health.setStatus('', 'NOT_SERVING');
      // Refuse new calls first, so a client re-watching after its watch ends cannot land on a
      // server that is going away; then end the watches; then cut what remains after a moment.
      const drained = new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        void server.shutdown().then(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await caches.stop();
      podStreams.close();
      await drained;
      await new Promise<void>((resolve) => (httpServer ? httpServer.close(() => resolve()) : resolve()));
      etcd.close();
    },
  };
}

async function ensureSystemNamespacesWithRetry(scheme: Scheme, registry: GenericRegistry, logger: Logger): Promise<void> {
  let delayMs = 200;
  for (;;) {
    try {
      await ensureSystemNamespaces(scheme, registry);
      await ensureSystemPriorityClasses(scheme, registry);
      return;
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'cannot reach etcd yet; retrying');
      await new Promise((r) => setTimeout(r, delayMs));
      delayMs = Math.min(delayMs * 2, 5000);
    }
  }
}
