import { FlagError, parseDurationFlag, type FlagSpec, type FlagValues } from '@minik8s/flags';

/** The scheduler's flags, with kube-scheduler's names where it has one. */
export const FLAGS = {
  server: { type: 'string', description: 'The address (host:port) of the apiserver.', default: '127.0.0.1:6443' },
  schedulerName: { type: 'string', description: 'Pods whose spec.schedulerName is this are scheduled by this scheduler; others are left alone.', default: 'default-scheduler' },
  leaderElect: { type: 'boolean', description: 'Start a leader election client and gain leadership before executing the main loop. Enable this when running replicated components for high availability.', default: false },
  leaderElectLeaseDuration: { type: 'string', description: 'The duration that non-leader candidates will wait after observing a leadership renewal until attempting to acquire leadership of a led but unrenewed leader slot.', default: '15s' },
  leaderElectRenewDeadline: { type: 'string', description: 'The interval between attempts by the acting master to renew a leadership slot before it stops leading. This must be less than the lease duration.', default: '10s' },
  leaderElectRetryPeriod: { type: 'string', description: 'The duration the clients should wait between attempting acquisition and renewal of a leadership.', default: '2s' },
  leaderElectResourceName: { type: 'string', description: 'The name of the Lease object used for leader election.', default: 'kube-scheduler' },
  leaderElectResourceNamespace: { type: 'string', description: 'The namespace of the Lease object used for leader election.', default: 'kube-system' },
  percentageOfNodesToScore: { type: 'number', description: 'Share of nodes (0-100) to find feasible before scoring; 0 adapts to the cluster size.', default: 0 },
  podInitialBackoffSeconds: { type: 'number', description: 'The initial back-off for unschedulable pods.', default: 1 },
  podMaxBackoffSeconds: { type: 'number', description: 'The maximum back-off for unschedulable pods.', default: 10 },
  bindAddress: { type: 'string', description: 'The IP address on which to serve /healthz, /readyz and /metrics.', default: '0.0.0.0' },
  healthPort: { type: 'number', description: 'The port on which to serve /healthz, /readyz and /metrics over HTTP (-1 disables).', default: 10259 },
  logLevel: { type: 'string', description: 'Log level: fatal, error, warn, info, debug, trace.' },
  v: { type: 'number', description: 'Log verbosity, klog style (2 = debug, 4 = trace).', default: 0 },
  logFormat: { type: 'string', description: 'Log format: json or pretty (default: pretty on a terminal).' },
} satisfies Record<string, FlagSpec>;

export type SchedulerFlags = FlagValues<typeof FLAGS>;

/** Leader election timings in seconds, checked the way kube-scheduler checks them. */
export function leaderElectionTimings(flags: SchedulerFlags): { lease: number; renew: number; retry: number } {
  const lease = parseDurationFlag(flags.leaderElectLeaseDuration, 'leader-elect-lease-duration') / 1000;
  const renew = parseDurationFlag(flags.leaderElectRenewDeadline, 'leader-elect-renew-deadline') / 1000;
  const retry = parseDurationFlag(flags.leaderElectRetryPeriod, 'leader-elect-retry-period') / 1000;
  if (flags.leaderElect) {
    if (lease <= renew) throw new FlagError('leaderElection.leaseDuration: Invalid value: leaseDuration must be greater than renewDeadline');
    if (renew <= retry) throw new FlagError('leaderElection.renewDeadline: Invalid value: renewDeadline must be greater than retryPeriod');
  }
  return { lease, renew, retry };
}
