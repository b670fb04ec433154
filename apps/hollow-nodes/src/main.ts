import { createLogger } from '@minik8s/logging';
import { FlagError, parseDurationFlag, parseFlags, type FlagSpec } from '@minik8s/flags';
import { annotationsHelp } from './annotations';
import { ConfigError, DEFAULTS, parseNodeLabels, parseTaints } from './config';
import { HollowNodes } from './hollow-nodes';

const FLAGS = {
  server: { type: 'string', description: 'The address (host:port) of the apiserver.', default: '127.0.0.1:6443' },
  count: { type: 'number', description: 'How many nodes to register and run.', default: 1 },
  namePrefix: { type: 'string', description: 'Nodes are named <prefix><index>.', default: DEFAULTS.namePrefix },
  firstIndex: { type: 'number', description: 'Index of the first node; give each process sharing a prefix and ranges its own block.', default: 0 },
  cpu: { type: 'string', description: 'CPU capacity (and allocatable) of each node.', default: DEFAULTS.cpu },
  memory: { type: 'string', description: 'Memory capacity (and allocatable) of each node.', default: DEFAULTS.memory },
  pods: { type: 'number', description: 'Pod capacity (and allocatable) of each node.', default: DEFAULTS.pods },
  ephemeralStorage: { type: 'string', description: 'Ephemeral-storage capacity (and allocatable) of each node.', default: DEFAULTS.ephemeralStorage },
  nodeLabels: { type: 'list', description: 'Labels to add when registering the nodes, key=value pairs separated by commas.' },
  registerWithTaints: { type: 'list', description: 'Taints to register the nodes with, key=value:Effect or key:Effect separated by commas (Effect: NoSchedule, PreferNoSchedule, NoExecute).' },
  nodeLeaseDurationSeconds: { type: 'number', description: 'leaseDurationSeconds of each node Lease.', default: DEFAULTS.leaseDurationSeconds },
  nodeLeaseRenewInterval: { type: 'string', description: 'How often each node Lease is renewed.', default: '10s' },
  nodeStatusUpdateFrequency: { type: 'string', description: "How often each node posts its status (the conditions' lastHeartbeatTime).", default: '1m' },
  terminationDelay: { type: 'string', description: "How long a deleted pod's containers take to stop, at most its grace period (0s: at once).", default: '0s' },
  crashLoopBackOffBase: { type: 'string', description: 'Back-off before the second restart of a crashing container; it doubles per restart.', default: '10s' },
  crashLoopBackOffMax: { type: 'string', description: 'Longest crash-loop back-off.', default: '5m' },
  nodeIpRange: { type: 'string', description: 'Node InternalIPs: node i gets the (i+1)-th address of this range.', default: DEFAULTS.nodeIpRange },
  podIpFallbackRange: { type: 'string', description: 'Pod IPs of a node without spec.podCIDR come from the i-th /24 of this range.', default: DEFAULTS.podIpFallbackRange },
  concurrentPodSyncs: { type: 'number', description: 'Pods synced at once.', default: DEFAULTS.workers },
  logLevel: { type: 'string', description: 'Log level: fatal, error, warn, info, debug, trace.' },
  v: { type: 'number', description: 'Log verbosity, klog style (2 = debug, 4 = trace).', default: 0 },
  logFormat: { type: 'string', description: 'Log format: json or pretty (default: pretty on a terminal).' },
} satisfies Record<string, FlagSpec>;

const SUMMARY =
  'Simulates many nodes from one process: registers N Nodes, heartbeats their Leases and statuses, and plays the kubelet for pods bound to them without running containers (podIP, Running and Ready, exits and restarts scripted by annotations, graceful deletion). Stopping it leaves the Nodes in place to go silent, as lost nodes do.';

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags('minik8s hollow-nodes', SUMMARY, FLAGS, argv, (text) => process.stdout.write(text + annotationsHelp()));
  if (!flags) return;
  const logger = createLogger({
    component: 'hollow-nodes',
    level: flags.logLevel || undefined,
    verbosity: flags.v,
    format: flags.logFormat === 'json' || flags.logFormat === 'pretty' ? flags.logFormat : undefined,
  });
  const hollow = new HollowNodes({
    server: flags.server,
    count: flags.count,
    namePrefix: flags.namePrefix,
    firstIndex: flags.firstIndex,
    cpu: flags.cpu,
    memory: flags.memory,
    pods: flags.pods,
    ephemeralStorage: flags.ephemeralStorage,
    nodeLabels: parseNodeLabels(flags.nodeLabels),
    taints: parseTaints(flags.registerWithTaints),
    leaseDurationSeconds: flags.nodeLeaseDurationSeconds,
    leaseRenewIntervalMs: parseDurationFlag(flags.nodeLeaseRenewInterval, 'node-lease-renew-interval'),
    nodeStatusUpdateFrequencyMs: parseDurationFlag(flags.nodeStatusUpdateFrequency, 'node-status-update-frequency'),
    terminationDelayMs: parseDurationFlag(flags.terminationDelay, 'termination-delay'),
    backOffBaseMs: parseDurationFlag(flags.crashLoopBackOffBase, 'crash-loop-back-off-base'),
    backOffMaxMs: parseDurationFlag(flags.crashLoopBackOffMax, 'crash-loop-back-off-max'),
    nodeIpRange: flags.nodeIpRange,
    podIpFallbackRange: flags.podIpFallbackRange,
    workers: flags.concurrentPodSyncs,
    logger,
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    // Only the heartbeats stop; the Nodes and Leases stay, so the nodes go silent as lost ones do.
    logger.info({ signal }, 'stopping; the nodes will go silent');
    void hollow.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await hollow.start();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const known = err instanceof FlagError || err instanceof ConfigError;
  process.stderr.write(`Error: ${known ? (err as Error).message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
