import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { ApiClient, LeaderElector } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import { startHealthServer } from './health-server';
import { leaderElectionTimings, type SchedulerFlags } from './options';
import { Scheduler } from './scheduler';

/** A running scheduler process: `done` settles when it stops (shutdown or lost leadership). */
export interface SchedulerServer {
  scheduler: Scheduler;
  identity: string;
  done: Promise<{ lostLeadership: boolean }>;
  stop(): Promise<void>;
}

/**
 * Starts the scheduler the way `minik8s scheduler` runs it: informers first (a standby replica
 * keeps warm caches), then, with --leader-elect, the scheduling loop only while holding the
 * Lease; losing it ends the process, as kube-scheduler does.
 */
export async function startSchedulerServer(flags: SchedulerFlags, logger: Logger): Promise<SchedulerServer> {
  const timings = leaderElectionTimings(flags);
  const identity = `${hostname()}_${randomUUID()}`;
  const client = new ApiClient(flags.server);
  const scheduler = new Scheduler({
    client,
    schedulerName: flags.schedulerName,
    identity,
    logger,
    percentageOfNodesToScore: flags.percentageOfNodesToScore,
    podInitialBackoffSeconds: flags.podInitialBackoffSeconds,
    podMaxBackoffSeconds: flags.podMaxBackoffSeconds,
  });
  let synced = false;
  let leading = !flags.leaderElect;
  let health: Server | undefined;
  if (flags.healthPort >= 0) {
    health = await startHealthServer(flags.bindAddress, flags.healthPort, scheduler, { synced: () => synced, leading: () => leading });
  }
  logger.info({ identity, server: flags.server, schedulerName: flags.schedulerName, leaderElect: flags.leaderElect }, 'starting scheduler');
  scheduler.start();
  const shutdown = new AbortController();
  const done = (async (): Promise<{ lostLeadership: boolean }> => {
    while (!(await scheduler.waitForCacheSync(10_000))) {
      if (shutdown.signal.aborted) return { lostLeadership: false };
      logger.warn('still waiting for informer caches to sync');
    }
    synced = true;
    if (!flags.leaderElect) {
      await scheduler.run(shutdown.signal);
      return { lostLeadership: false };
    }
    const elector = new LeaderElector(client, {
      namespace: flags.leaderElectResourceNamespace,
      name: flags.leaderElectResourceName,
      identity,
      leaseDurationSeconds: timings.lease,
      renewDeadlineSeconds: timings.renew,
      retryPeriodSeconds: timings.retry,
      logger,
    });
    await elector.run(async (lost) => {
      leading = true;
      try {
        await scheduler.run(lost);
      } finally {
        leading = false;
      }
    }, shutdown.signal);
    return { lostLeadership: !shutdown.signal.aborted };
  })();
  return {
    scheduler,
    identity,
    done,
    stop: async () => {
      shutdown.abort();
      await done.catch(() => undefined);
      await scheduler.stop();
      health?.close();
      client.close();
    },
  };
}
