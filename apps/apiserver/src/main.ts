import { createLogger } from '@minik8s/logging';
import { FlagError, parseDurationFlag, parseFlags, type FlagSpec } from '@minik8s/flags';
import { ApiClient } from '@minik8s/client';
import { startApiServer } from './apiserver';
import { KubernetesServiceReconciler, loopbackAddress, resolveAdvertiseAddress } from './kubernetes-service';

const FLAGS = {
  etcdServers: { type: 'list', description: 'List of etcd servers to connect with (scheme://ip:port), comma separated.', default: ['http://127.0.0.1:2379'] },
  etcdPrefix: { type: 'string', description: 'The prefix to prepend to all resource paths in etcd.', default: '/registry' },
  bindAddress: { type: 'string', description: 'The IP address on which to listen for the gRPC API and the health port.', default: '0.0.0.0' },
  securePort: { type: 'number', description: 'The port on which to serve the gRPC API.', default: 6443 },
  healthPort: { type: 'number', description: 'The port on which to serve /healthz, /readyz and /metrics over HTTP (-1 disables).', default: 8080 },
  serviceClusterIpRange: { type: 'string', description: 'A CIDR notation IP range from which to assign service cluster IPs.', default: '10.96.0.0/12' },
  serviceNodePortRange: { type: 'string', description: 'A port range to reserve for services with NodePort visibility.', default: '30000-32767' },
  watchCacheSize: { type: 'number', description: 'Recent events kept per resource for watches that resume from a resourceVersion.', default: 10000 },
  etcdCompactionInterval: { type: 'string', description: 'The interval of compaction requests. If 0, the compaction request from apiserver is disabled.', default: '5m0s' },
  eventTtl: { type: 'string', description: 'Amount of time to retain events.', default: '1h0m0s' },
  bookmarkInterval: { type: 'number', description: 'Seconds between BOOKMARK events sent to watches that allow them.', default: 60 },
  advertiseAddress: {
    type: 'string',
    description: 'The IP address on which to advertise the apiserver to members of the cluster (the kubernetes Service\'s endpoint). If blank, the --bind-address will be used; if that is 0.0.0.0, the host\'s first non-loopback IPv4 address.',
  },
  endpointReconcilerType: { type: 'string', description: 'Keep the default/kubernetes Service and its endpoints: lease or none.', default: 'lease' },
  logLevel: { type: 'string', description: 'Log level: fatal, error, warn, info, debug, trace.' },
  v: { type: 'number', description: 'Log verbosity, klog style (2 = debug, 4 = trace).', default: 0 },
  logFormat: { type: 'string', description: 'Log format: json or pretty (default: pretty on a terminal).' },
} satisfies Record<string, FlagSpec>;

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags('minik8s apiserver', 'The minik8s API server: validates and stores API objects in etcd and serves them over gRPC.', FLAGS, argv);
  if (!flags) return;
  const logger = createLogger({
    component: 'apiserver',
    level: flags.logLevel || undefined,
    verbosity: flags.v,
    format: flags.logFormat === 'json' || flags.logFormat === 'pretty' ? flags.logFormat : undefined,
  });
  const portRange = /^(\d+)-(\d+)$/.exec(flags.serviceNodePortRange);
  if (!portRange || Number(portRange[1]) > Number(portRange[2])) {
    throw new FlagError(`invalid argument "${flags.serviceNodePortRange}" for "--service-node-port-range" flag: must be of the form MIN-MAX`);
  }
  if (flags.endpointReconcilerType !== 'lease' && flags.endpointReconcilerType !== 'none') {
    throw new FlagError(`invalid argument "${flags.endpointReconcilerType}" for "--endpoint-reconciler-type" flag: must be lease or none`);
  }
  // Whole seconds, as etcd leases count them; 0 keeps Events for good, as in kube-apiserver.
  const eventTtlSeconds = Math.floor(parseDurationFlag(flags.eventTtl, 'event-ttl') / 1000);
  const advertiseAddress = resolveAdvertiseAddress(flags.advertiseAddress, flags.bindAddress);
  const server = await startApiServer({
    serviceClusterIpRange: flags.serviceClusterIpRange,
    serviceNodePortRange: [Number(portRange[1]), Number(portRange[2])],
    etcdServers: flags.etcdServers,
    etcdPrefix: flags.etcdPrefix,
    bindAddress: flags.bindAddress,
    securePort: flags.securePort,
    healthPort: flags.healthPort,
    watchCacheSize: flags.watchCacheSize,
    bookmarkIntervalMs: flags.bookmarkInterval * 1000,
    eventTtlSeconds,
    etcdCompactionIntervalMs: parseDurationFlag(flags.etcdCompactionInterval, 'etcd-compaction-interval'),
    logger,
  });
  let reconciler: KubernetesServiceReconciler | undefined;
  let loopback: ApiClient | undefined;
  if (flags.endpointReconcilerType === 'lease' && advertiseAddress) {
    loopback = new ApiClient(loopbackAddress(flags.bindAddress, server.grpcPort), { timeoutMs: 10_000 });
    reconciler = new KubernetesServiceReconciler({
      client: loopback,
      advertiseAddress,
      port: server.grpcPort,
      serviceClusterIpRange: flags.serviceClusterIpRange,
      logger,
    });
    reconciler.start();
  } else if (flags.endpointReconcilerType === 'lease') {
    logger.warn({ bindAddress: flags.bindAddress }, 'no non-loopback address to advertise: the kubernetes Service is not maintained (set --advertise-address)');
  }
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    void (reconciler?.stop() ?? Promise.resolve())
      .then(() => loopback?.close())
      .then(() => server.stop())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`Error: ${err instanceof FlagError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
