import { isAlreadyExists, isConflict, isNotFound, type coordinationv1 } from '@minik8s/api';
import { EndpointSlices, EndpointsKind, Leases, Services, type ApiClient } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import {
  DEFAULT_NAMESPACE,
  ENDPOINT_LEASE_LABEL,
  KUBERNETES_SERVICE,
  LEASE_NAMESPACE,
  deadLeases,
  endpointsSummary,
  firstServiceIP,
  kubernetesEndpointSlice,
  kubernetesEndpoints,
  kubernetesService,
  leaseName,
  liveAddresses,
  serviceNeedsRepair,
  sliceSummary,
} from './desired';

export interface KubernetesServiceOptions {
  /** A client of this apiserver itself (Kubernetes' loopback client). */
  client: ApiClient;
  /** --advertise-address: the IP other members of the cluster reach this apiserver on. */
  advertiseAddress: string;
  /** --secure-port: the Service's targetPort and the endpoints' port. */
  port: number;
  /** --service-cluster-ip-range: the Service takes its first address. */
  serviceClusterIpRange: string;
  logger: Logger;
  /** How long an apiserver's endpoint stays listed after its last renewal (Kubernetes: 15 s). */
  leaseTtlSeconds?: number;
  /** How often the Service, the lease and the endpoints are reconciled (Kubernetes: 10 s). */
  intervalMs?: number;
  now?: () => number;
}

/** An expired lease is kept this long (its apiserver may be restarting) before it is deleted. */
const DEAD_LEASE_GRACE_MS = 10 * 60_000;

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
}

/**
 * Keeps `default/kubernetes` as Kubernetes' apiserver does: the Service on the first service IP,
 * port 443 → --secure-port, and its Endpoints and EndpointSlice listing every apiserver whose
 * endpoint lease is alive (each apiserver renews its own lease in kube-system; several
 * apiservers on one etcd so all appear, and one that stops goes away at once or after the TTL).
 */
export class KubernetesServiceReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;
  private readonly ttl: number;

  constructor(private readonly options: KubernetesServiceOptions) {
    this.now = options.now ?? Date.now;
    this.ttl = options.leaseTtlSeconds ?? 15;
  }

  /** Reconciles now and then every interval; failures are logged and retried on the next tick. */
  start(): void {
    const tick = (): void => {
      if (this.stopped || this.running) return;
      this.running = this.reconcile()
        .catch((err: unknown) => this.options.logger.warn({ err: (err as Error).message }, 'could not reconcile the kubernetes Service; retrying'))
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs ?? 10_000);
    this.timer.unref?.();
  }

  /** Stops, and takes this apiserver out of the endpoints (best effort, as Kubernetes does). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    try {
      await this.options.client.resource(Leases).namespace(LEASE_NAMESPACE).delete(leaseName(this.options.advertiseAddress));
      await this.reconcileEndpoints(false);
    } catch (err) {
      if (!isNotFound(err)) this.options.logger.warn({ err: (err as Error).message }, 'could not remove this apiserver from the kubernetes endpoints');
    }
  }

  async reconcile(): Promise<void> {
    await this.ensureService();
    await this.renewLease();
    await this.reconcileEndpoints(true);
  }

  private async ensureService(): Promise<void> {
    const { client, port, serviceClusterIpRange, logger } = this.options;
    const services = client.resource(Services).namespace(DEFAULT_NAMESPACE);
    const want = kubernetesService(firstServiceIP(serviceClusterIpRange), port);
    let existing;
    try {
      existing = await services.get(KUBERNETES_SERVICE);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await services.create(want);
        logger.info({ clusterIP: want.spec?.clusterIP, port }, 'created the kubernetes Service');
      } catch (createErr) {
        // Another apiserver made it first.
        if (!isAlreadyExists(createErr)) throw createErr;
      }
      return;
    }
    if (!serviceNeedsRepair(existing, port)) return;
    await services.update({ ...existing, spec: { ...existing.spec, type: 'ClusterIP', ports: want.spec?.ports } });
    logger.info({ port }, 'repaired the kubernetes Service\'s ports');
  }

  private async renewLease(): Promise<void> {
    const { client, advertiseAddress } = this.options;
    const leases = client.resource(Leases).namespace(LEASE_NAMESPACE);
    const name = leaseName(advertiseAddress);
    const spec: coordinationv1.LeaseSpec = { holderIdentity: advertiseAddress, leaseDurationSeconds: this.ttl, renewTime: microTime(this.now()) };
    try {
      const lease = await leases.get(name);
      await leases.update({ ...lease, spec: { ...lease.spec, ...spec } });
    } catch (err) {
      if (isConflict(err)) return; // renewed by a concurrent tick; the next one goes through
      if (!isNotFound(err)) throw err;
      await leases.create({ metadata: { name, namespace: LEASE_NAMESPACE, labels: { [ENDPOINT_LEASE_LABEL]: 'true' } }, spec });
    }
  }

  /** Writes the Endpoints and EndpointSlice for the live leases (`withSelf`: this one counts). */
  private async reconcileEndpoints(withSelf: boolean): Promise<void> {
    const { client, advertiseAddress, port, logger } = this.options;
    const leases = (await client.resource(Leases).namespace(LEASE_NAMESPACE).list({ labelSelector: `${ENDPOINT_LEASE_LABEL}=true` })).items;
    const now = this.now();
    const addresses = liveAddresses(leases, now, withSelf ? advertiseAddress : undefined);
    for (const dead of deadLeases(leases, now, DEAD_LEASE_GRACE_MS)) {
      await client
        .resource(Leases)
        .namespace(LEASE_NAMESPACE)
        .delete(dead.metadata?.name ?? '')
        .catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
      logger.info({ lease: dead.metadata?.name, holder: dead.spec?.holderIdentity }, 'deleted the endpoint lease of an apiserver gone for good');
    }

    const endpoints = client.resource(EndpointsKind).namespace(DEFAULT_NAMESPACE);
    const wantEp = kubernetesEndpoints(addresses, port);
    const haveEp = await endpoints.get(KUBERNETES_SERVICE).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    if (!haveEp) await endpoints.create(wantEp);
    else if (endpointsSummary(haveEp) !== endpointsSummary(wantEp)) await endpoints.update({ ...haveEp, subsets: wantEp.subsets });

    const slices = client.resource(EndpointSlices).namespace(DEFAULT_NAMESPACE);
    const wantSlice = kubernetesEndpointSlice(addresses, port);
    const haveSlice = await slices.get(KUBERNETES_SERVICE).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    if (!haveSlice) await slices.create(wantSlice);
    else if (sliceSummary(haveSlice) !== sliceSummary(wantSlice)) await slices.update({ ...haveSlice, endpoints: wantSlice.endpoints, ports: wantSlice.ports });
    if (!haveEp || endpointsSummary(haveEp) !== endpointsSummary(wantEp)) logger.info({ addresses, port }, 'updated the kubernetes endpoints');
  }
}
