import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The apiserver's Prometheus metrics, named as Kubernetes' apiserver names them. */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'verb' | 'group' | 'resource' | 'subresource' | 'code'>;
  readonly latency: Histogram<'verb' | 'group' | 'resource' | 'subresource'>;
  readonly watchers: Gauge<'group' | 'resource'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, group, resource, subresource and gRPC code.',
      labelNames: ['verb', 'group', 'resource', 'subresource', 'code'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, group, resource and subresource.',
      labelNames: ['verb', 'group', 'resource', 'subresource'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.watchers = new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Number of currently registered watchers for a given resource.',
      labelNames: ['group', 'resource'],
      registers: [this.registry],
    });
  }
}
