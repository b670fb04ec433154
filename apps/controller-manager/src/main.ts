import { createLogger } from '@minik8s/logging';
import { FlagError, parseDurationFlag, parseFlags, type FlagSpec } from '@minik8s/flags';
import { ControllerManager } from './controller-manager';
import { selectControllers } from './controller-selection';
import { CONTROLLERS } from './controllers/registry';
import { parseIpRanges } from './controllers/service-lb';

const FLAGS = {
  server: { type: 'string', description: 'The address (host:port) of the apiserver.', default: '127.0.0.1:6443' },
  controllers: {
    type: 'list',
    description: `Controllers to enable: '*' enables all, 'foo' enables foo, '-foo' disables foo. All: ${Object.keys(CONTROLLERS).join(', ')}.`,
    default: ['*'],
  },
  leaderElect: { type: 'boolean', description: 'Run under a Lease so that only one replica is active.' },
  leaderElectLeaseDuration: { type: 'string', description: 'How long a non-leader waits before it may take the lease.', default: '15s' },
  leaderElectRenewDeadline: { type: 'string', description: 'How long the leader keeps trying to renew before it stops leading.', default: '10s' },
  leaderElectRetryPeriod: { type: 'string', description: 'How long candidates wait between tries.', default: '2s' },
  clusterCidr: { type: 'string', description: 'CIDR range for pods in the cluster, split into each node\'s podCIDR.', default: '10.244.0.0/16' },
  nodeCidrMaskSize: { type: 'number', description: 'Mask size of each node\'s podCIDR.', default: 24 },
  nodeMonitorGracePeriod: { type: 'string', description: 'How long a node may stay silent before it is marked NotReady.', default: '40s' },
  podEvictionTimeout: { type: 'string', description: 'How long pods stay on a NotReady node before they are evicted.', default: '5m' },
  concurrentSyncs: { type: 'number', description: 'Workers per controller.', default: 5 },
  terminatedPodGcThreshold: {
    type: 'number',
    description: 'Number of terminated pods that can exist before the pod garbage collector starts deleting them (0 disables).',
    default: 12500,
  },
  loadBalancerIpRange: {
    type: 'string',
    description: 'Addresses for LoadBalancer Services\' status.loadBalancer.ingress: comma-separated CIDRs (192.168.80.0/28) or ranges (192.168.80.10-192.168.80.20).',
  },
  logLevel: { type: 'string', description: 'Log level: fatal, error, warn, info, debug, trace.' },
  v: { type: 'number', description: 'Log verbosity, klog style (2 = debug, 4 = trace).', default: 0 },
  logFormat: { type: 'string', description: 'Log format: json or pretty (default: pretty on a terminal).' },
} satisfies Record<string, FlagSpec>;

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(
    'minik8s controller-manager',
    'The minik8s controller manager: runs the controllers that keep the cluster as declared.',
    FLAGS,
    argv,
  );
  if (!flags) return;
  const logger = createLogger({
    component: 'controller-manager',
    level: flags.logLevel || undefined,
    verbosity: flags.v,
    format: flags.logFormat === 'json' || flags.logFormat === 'pretty' ? flags.logFormat : undefined,
  });
  try {
    parseIpRanges(flags.loadBalancerIpRange);
  } catch (err) {
    throw new FlagError(`invalid argument "${flags.loadBalancerIpRange}" for "--load-balancer-ip-range" flag: ${(err as Error).message}`);
  }
  const seconds = (flag: string, value: string): number => parseDurationFlag(value, flag) / 1000;
  const manager = new ControllerManager({
    server: flags.server,
    controllers: selectControllers(flags.controllers, Object.keys(CONTROLLERS)),
    leaderElect: flags.leaderElect,
    leaseDurationSeconds: seconds('leader-elect-lease-duration', flags.leaderElectLeaseDuration),
    renewDeadlineSeconds: seconds('leader-elect-renew-deadline', flags.leaderElectRenewDeadline),
    retryPeriodSeconds: seconds('leader-elect-retry-period', flags.leaderElectRetryPeriod),
    clusterCidr: flags.clusterCidr,
    nodeCidrMaskSize: flags.nodeCidrMaskSize,
    nodeMonitorGracePeriodMs: parseDurationFlag(flags.nodeMonitorGracePeriod, 'node-monitor-grace-period'),
    podEvictionTimeoutMs: parseDurationFlag(flags.podEvictionTimeout, 'pod-eviction-timeout'),
    concurrentSyncs: flags.concurrentSyncs,
    terminatedPodGcThreshold: flags.terminatedPodGcThreshold,
    loadBalancerIPRange: flags.loadBalancerIpRange,
    logger,
    registry: CONTROLLERS,
  });
  manager.start();
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    void manager.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`Error: ${err instanceof FlagError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
