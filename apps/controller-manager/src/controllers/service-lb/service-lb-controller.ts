import type { corev1 } from '@minik8s/api';
import { Services, WorkQueue, keyOf, type EventHandlers, type EventRecorder, type Lister } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { Controller, ControllerContext, ControllerFactory } from '../../controller';
import { runQueue } from '../../shared/queue-worker';
import { IpPool } from './ip-pool';

export const SERVICE_LB_CONTROLLER_NAME = 'service-lb';
/** The event source Kubernetes' service controller reports as. */
const EVENT_COMPONENT = 'service-controller';

/** The one status write this controller makes. */
export interface ServiceStatusClient {
  updateStatus(svc: corev1.Service): Promise<corev1.Service>;
}

export type EventSink = Pick<EventRecorder, 'event'>;

export interface ServiceLbControllerDeps {
  services: Lister<corev1.Service>;
  statusClient: ServiceStatusClient;
  /** --load-balancer-ip-range */
  pool: IpPool;
  recorder: EventSink;
  logger: Logger;
  concurrentSyncs?: number;
  queue?: WorkQueue<string>;
  waitForCacheSync?: () => Promise<boolean>;
}

function isLoadBalancer(svc: corev1.Service): boolean {
  return svc.spec?.type === 'LoadBalancer';
}

/** A loadBalancerClass names another implementation: such Services are left to it. */
function isOurs(svc: corev1.Service): boolean {
  return !svc.spec?.loadBalancerClass;
}

function ingressIPs(svc: corev1.Service): string[] {
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean);
}

function asService(svc: corev1.Service): corev1.Service {
  return { ...svc, apiVersion: 'v1', kind: 'Service' };
}

/**
 * A bare-metal load-balancer controller (what MetalLB or k3s' servicelb do for Kubernetes): every
 * LoadBalancer Service without a loadBalancerClass gets one address from the pool in
 * status.loadBalancer.ingress; spec.loadBalancerIP is honoured when the pool has it free; the
 * address goes back to the pool when the Service is deleted or stops being a LoadBalancer (whose
 * status is then cleared). The proxy on every node answers on the address.
 *
 * Which Service holds which address lives in memory, rebuilt from the cached Services' status
 * before the first sync, so a restarted controller keeps every Service on its address.
 */
export class ServiceLbController implements Controller {
  readonly name = SERVICE_LB_CONTROLLER_NAME;
  readonly queue: WorkQueue<string>;
  private readonly logger: Logger;
  /** Services that found no address for them; a release queues them again. */
  private readonly waiting = new Set<string>();
  private rebuilt = false;

  constructor(private readonly deps: ServiceLbControllerDeps) {
    this.logger = deps.logger;
    this.queue = deps.queue ?? new WorkQueue<string>();
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.deps.waitForCacheSync && !(await this.deps.waitForCacheSync())) {
      this.logger.warn({ controller: this.name }, 'caches not synced; starting anyway');
    }
    this.rebuild();
    this.logger.info({ controller: this.name, poolSize: this.deps.pool.size, allocated: this.deps.pool.allocated }, 'starting controller');
    await runQueue(this.name, this.queue, (key) => this.sync(key), this.deps.concurrentSyncs ?? 5, signal, this.logger);
    this.logger.info({ controller: this.name }, 'controller stopped');
  }

  /** Marks every address a cached LoadBalancer Service already shows as its (first come first kept). */
  rebuild(): void {
    for (const svc of this.deps.services.list()) {
      if (!isLoadBalancer(svc) || !isOurs(svc) || svc.metadata?.deletionTimestamp) continue;
      const key = keyOf(svc);
      for (const ip of ingressIPs(svc)) if (this.deps.pool.hold(ip, key)) break;
    }
    this.rebuilt = true;
  }

  serviceHandlers(): EventHandlers<corev1.Service> {
    const add = (svc: corev1.Service): void => this.queue.add(keyOf(svc));
    return { onAdd: add, onUpdate: (_old, cur) => add(cur), onDelete: add };
  }

  /** Brings one Service's load-balancer address in line with its spec. */
  async sync(key: string): Promise<void> {
    if (!this.rebuilt) this.rebuild();
    const slash = key.indexOf('/');
    const svc = this.deps.services.get(key.slice(0, slash), key.slice(slash + 1));
    if (!svc || svc.metadata?.deletionTimestamp) {
      this.release(key);
      return;
    }
    if (!isOurs(svc)) return;
    if (!isLoadBalancer(svc)) {
      this.release(key);
      if (ingressIPs(svc).length > 0) {
        await this.writeIngress(svc, []);
        this.logger.info({ service: key }, 'cleared the load balancer status of a Service that is no longer a LoadBalancer');
        await this.deps.recorder.event(asService(svc), 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
      }
      return;
    }

    const ip = this.choose(svc, key);
    if (typeof ip !== 'string') {
      this.logger.warn({ service: key, reason: ip.error }, 'no load balancer address for the Service');
      await this.deps.recorder.event(asService(svc), 'Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: failed to ensure load balancer: ${ip.error}`);
      return;
    }
    const current = ingressIPs(svc);
    if (current.length === 1 && current[0] === ip) return;
    await this.deps.recorder.event(asService(svc), 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    await this.writeIngress(svc, [ip]);
    this.logger.info({ service: key, ip }, 'assigned a load balancer address');
    await this.deps.recorder.event(asService(svc), 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
  }

  /** The address for `svc`: the requested one, the one it shows, or the next free one. */
  private choose(svc: corev1.Service, key: string): string | { error: string } {
    const { pool } = this.deps;
    const requested = svc.spec?.loadBalancerIP;
    if (requested) {
      if (!pool.contains(requested)) return { error: `requested IP ${requested} is not in the load balancer IP range` };
      if (pool.hold(requested, key)) {
        this.waiting.delete(key);
        return requested;
      }
      this.waiting.add(key);
      return { error: `requested IP ${requested} is already allocated to ${pool.holderOf(requested)}` };
    }
    for (const ip of ingressIPs(svc)) {
      if (pool.hold(ip, key)) {
        this.waiting.delete(key);
        return ip;
      }
    }
    const ip = pool.allocate(key);
    if (ip) {
      this.waiting.delete(key);
      return ip;
    }
    this.waiting.add(key);
    return { error: `no addresses left in the load balancer IP range (${pool.size} in use)` };
  }

  private async writeIngress(svc: corev1.Service, ips: string[]): Promise<void> {
    const status: corev1.ServiceStatus = { ...svc.status, loadBalancer: { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } };
    await this.deps.statusClient.updateStatus({ ...svc, status });
  }

  private release(key: string): void {
    this.waiting.delete(key);
    const ip = this.deps.pool.release(key);
    if (!ip) return;
    this.logger.info({ service: key, ip }, 'released a load balancer address');
    for (const waiting of this.waiting) this.queue.add(waiting);
    this.waiting.clear();
  }

  /** The address held for `key` (tests, debugging). */
  addressOf(key: string): string | undefined {
    return this.deps.pool.addressOf(key);
  }
}

/**
 * Builds the controller on the shared Service informer. Without --load-balancer-ip-range it still
 * runs, with an empty pool: LoadBalancer Services then get a SyncLoadBalancerFailed event, as
 * they stay pending in a cluster without a load-balancer implementation.
 */
export function newServiceLbController(context: ControllerContext): ServiceLbController {
  const services = context.informers.informerFor(Services);
  const client = context.client.resource(Services);
  const controller = new ServiceLbController({
    services,
    statusClient: { updateStatus: (svc) => client.namespace(svc.metadata?.namespace ?? 'default').updateStatus(svc) },
    pool: new IpPool(context.options.loadBalancerIPRange ?? ''),
    recorder: context.recorder(EVENT_COMPONENT),
    logger: context.logger.child({ controller: SERVICE_LB_CONTROLLER_NAME }),
    concurrentSyncs: context.options.concurrentSyncs,
    waitForCacheSync: () => services.waitForCacheSync(),
  });
  services.addEventHandler(controller.serviceHandlers());
  return controller;
}

/** `service-lb`: LoadBalancer Services get an address from --load-balancer-ip-range. */
export const serviceLbControllerFactory: ControllerFactory = (context) => newServiceLbController(context);
