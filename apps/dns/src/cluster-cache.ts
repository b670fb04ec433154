/**
 * The ClusterView over informer caches: Services, Endpoints, EndpointSlices and Pods, listed
 * and watched once, with indexes for the lookups DNS makes. No query reaches the apiserver.
 */
import type { corev1, discoveryv1 } from '@minik8s/api';
import { EndpointSlices, EndpointsKind, InformerFactory, Pods, Services, type ApiClient, type Informer } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import {
  SERVICE_NAME_LABEL,
  endpointsAddresses,
  podIPs,
  serviceClusterIPs,
  sliceAddresses,
  type ClusterView,
} from './records';

const BY_CLUSTER_IP = 'clusterIP';
const BY_ADDRESS = 'address';
const BY_SERVICE = 'service';
const BY_POD_IP = 'podIP';

export class ClusterCache implements ClusterView {
  private readonly factory: InformerFactory;
  private readonly services: Informer<corev1.Service>;
  private readonly endpointsInformer: Informer<corev1.Endpoints>;
  private readonly slices: Informer<discoveryv1.EndpointSlice>;
  private readonly pods: Informer<corev1.Pod>;

  constructor(client: ApiClient, options: { logger?: Logger } = {}) {
    this.factory = new InformerFactory(client, { logger: options.logger });
    this.services = this.factory.informerFor(Services);
    this.endpointsInformer = this.factory.informerFor(EndpointsKind);
    this.slices = this.factory.informerFor(EndpointSlices);
    this.pods = this.factory.informerFor(Pods);
    this.services.addIndex(BY_CLUSTER_IP, serviceClusterIPs);
    this.endpointsInformer.addIndex(BY_ADDRESS, endpointsAddresses);
    this.slices.addIndex(BY_ADDRESS, sliceAddresses);
    this.slices.addIndex(BY_SERVICE, (s) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return svc ? [`${s.metadata?.namespace ?? ''}/${svc}`] : [];
    });
    this.pods.addIndex(BY_POD_IP, podIPs);
  }

  start(): void {
    this.factory.start();
  }

  waitForCacheSync(timeoutMs: number): Promise<boolean> {
    return this.factory.waitForCacheSync(timeoutMs);
  }

  hasSynced(): boolean {
    return this.services.hasSynced() && this.endpointsInformer.hasSynced() && this.slices.hasSynced() && this.pods.hasSynced();
  }

  stop(): Promise<void> {
    return this.factory.stop();
  }

  service(namespace: string, name: string): corev1.Service | undefined {
    return this.services.get(namespace, name);
  }

  servicesByClusterIP(ip: string): corev1.Service[] {
    return this.services.byIndex(BY_CLUSTER_IP, ip);
  }

  hasNamespace(namespace: string): boolean {
    return this.services.list(namespace).length > 0 || this.pods.list(namespace).length > 0;
  }

  endpoints(namespace: string, name: string): corev1.Endpoints | undefined {
    return this.endpointsInformer.get(namespace, name);
  }

  endpointSlices(namespace: string, serviceName: string): discoveryv1.EndpointSlice[] {
    return this.slices.byIndex(BY_SERVICE, `${namespace}/${serviceName}`);
  }

  endpointsByIP(ip: string): corev1.Endpoints[] {
    return this.endpointsInformer.byIndex(BY_ADDRESS, ip);
  }

  endpointSlicesByIP(ip: string): discoveryv1.EndpointSlice[] {
    return this.slices.byIndex(BY_ADDRESS, ip);
  }

  podsByIP(ip: string): corev1.Pod[] {
    return this.pods.byIndex(BY_POD_IP, ip);
  }
}
