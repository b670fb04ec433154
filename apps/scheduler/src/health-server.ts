import { createServer, type Server } from 'node:http';
import { Gauge, Registry } from 'prom-client';
import type { Scheduler } from './scheduler';

export interface HealthState {
  /** Informer caches have synced. */
  synced(): boolean;
  /** Leading (or not electing at all). */
  leading(): boolean;
}

/** Metrics in the shape of kube-scheduler's, read from the scheduler on every scrape. */
function schedulerMetrics(scheduler: Scheduler, state: HealthState): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'leader_election_master_status',
    help: 'Whether this instance is the leader (1) or a standby (0).',
    labelNames: ['name'],
    registers: [registry],
    collect() {
      this.set({ name: 'kube-scheduler' }, state.leading() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'scheduler_schedule_attempts_total',
    help: 'Number of attempts to schedule pods, by the result.',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      const m = scheduler.metrics;
      this.set({ result: 'scheduled' }, m.scheduled);
      this.set({ result: 'unschedulable' }, m.unschedulable);
      this.set({ result: 'error' }, m.errors + m.bindErrors);
    },
  });
  new Gauge({
    name: 'scheduler_pending_pods',
    help: 'Number of pending pods, by the queue type.',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      const s = scheduler.queue.stats();
      this.set({ queue: 'active' }, s.active);
      this.set({ queue: 'backoff' }, s.backoff);
      this.set({ queue: 'unschedulable' }, s.unschedulable);
    },
  });
  new Gauge({
    name: 'scheduler_preemption_attempts_total',
    help: 'Total preemption attempts in the cluster till now.',
    registers: [registry],
    collect() {
      this.set(scheduler.metrics.preemptionAttempts);
    },
  });
  return registry;
}

/** /healthz, /livez, /readyz and /metrics over plain HTTP. */
export function startHealthServer(host: string, port: number, scheduler: Scheduler, state: HealthState): Promise<Server> {
  const registry = schedulerMetrics(scheduler, state);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (path === '/healthz' || path === '/livez') {
      reply(200, 'ok');
    } else if (path === '/readyz') {
      // A standby replica is ready too; only the caches matter.
      reply(state.synced() ? 200 : 500, state.synced() ? 'ok' : '[-]informer-sync failed\nreadyz check failed');
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => reply(200, text, registry.contentType),
        (err: Error) => reply(500, err.message),
      );
    } else {
      reply(404, '404 page not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
