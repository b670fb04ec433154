import type { corev1, discoveryv1 } from '@minik8s/api';

/** The label an EndpointSlice carries to name its Service, as kube-proxy reads it. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Default ClientIP affinity timeout (3 hours), as Kubernetes defaults it. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One backend of one service port. */
export interface EndpointInfo {
  ip: string;
  port: number;
  nodeName?: string;
  /** The endpoint runs on this proxy's node. */
  isLocal: boolean;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** One port of one Service: the unit kube-proxy programs (a "ServicePortName"). */
export interface ServicePortInfo {
  namespace: string;
  name: string;
  /** The ServicePort's name ('' for a single unnamed port). */
  portName: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  nodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** Seconds of ClientIP affinity, or 0 for none. */
  affinityTimeoutSeconds: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  /** Every endpoint the slices list for this port, sorted by ip then port. */
  endpoints: EndpointInfo[];
}

/** kube-proxy's ServicePortName string: `ns/name` or `ns/name:port`. */
export function servicePortName(sp: Pick<ServicePortInfo, 'namespace' | 'name' | 'portName'>): string {
  return `${sp.namespace}/${sp.name}${sp.portName ? `:${sp.portName}` : ''}`;
}

function protocolOf(value: string | undefined): Protocol | undefined {
  const p = (value || 'TCP').toUpperCase();
  return p === 'TCP' || p === 'UDP' || p === 'SCTP' ? p : undefined;
}

function isIPv4(ip: string | undefined): ip is string {
  return !!ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
}

function compareIP(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/**
 * Turns Services and EndpointSlices into the per-port model the rules are written from.
 * Services that kube-proxy ignores (headless, ExternalName, no IPv4 cluster IP) are skipped.
 */
export function buildServicePorts(
  services: readonly corev1.Service[],
  slices: readonly discoveryv1.EndpointSlice[],
  nodeName: string,
): ServicePortInfo[] {
  const slicesByService = new Map<string, discoveryv1.EndpointSlice[]>();
  for (const slice of slices) {
    const svcName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svcName || slice.metadata?.deletionTimestamp) continue;
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    const key = `${slice.metadata?.namespace ?? 'default'}/${svcName}`;
    const list = slicesByService.get(key) ?? [];
    list.push(slice);
    slicesByService.set(key, list);
  }

  const out: ServicePortInfo[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    const namespace = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    if (!spec || !name) continue;
    if (spec.type === 'ExternalName') continue;
    const clusterIP = spec.clusterIP ?? '';
    if (!isIPv4(clusterIP)) continue; // headless ("None") or not yet allocated
    const type = spec.type || 'ClusterIP';
    const external = type === 'NodePort' || type === 'LoadBalancer';
    const affinity =
      spec.sessionAffinity === 'ClientIP'
        ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds || DEFAULT_AFFINITY_TIMEOUT_SECONDS
        : 0;
    const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
    // ipMode Proxy: the load balancer proxies to the nodes itself, so kube-proxy leaves its IP alone.
    const loadBalancerIPs =
      type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ipMode !== 'Proxy').map((i) => i.ip).filter(isIPv4) : [];
    const hasExternal = external || externalIPs.length > 0 || loadBalancerIPs.length > 0;
    const svcSlices = slicesByService.get(`${namespace}/${name}`) ?? [];

    for (const port of spec.ports ?? []) {
      const protocol = protocolOf(port.protocol);
      if (!protocol || !port.port) continue;
      const portName = port.name ?? '';
      const seen = new Set<string>();
      const endpoints: EndpointInfo[] = [];
      for (const slice of svcSlices) {
        const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && protocolOf(p.protocol) === protocol);
        if (!slicePort?.port) continue;
        for (const ep of slice.endpoints ?? []) {
          const ip = (ep.addresses ?? [])[0];
          if (!isIPv4(ip)) continue;
          const key = `${ip}:${slicePort.port}`;
          if (seen.has(key)) continue;
          seen.add(key);
          // Unset conditions mean ready and serving, as the EndpointSlice API documents.
          const ready = ep.conditions?.ready ?? true;
          endpoints.push({
            ip,
            port: slicePort.port,
            nodeName: ep.nodeName || undefined,
            isLocal: !!ep.nodeName && ep.nodeName === nodeName,
            ready,
            serving: ep.conditions?.serving ?? ready,
            terminating: ep.conditions?.terminating ?? false,
          });
        }
      }
      endpoints.sort((a, b) => compareIP(a.ip, b.ip) || a.port - b.port);
      out.push({
        namespace,
        name,
        portName,
        protocol,
        clusterIP,
        port: port.port,
        nodePort: external ? (port.nodePort ?? 0) : 0,
        externalIPs,
        loadBalancerIPs,
        affinityTimeoutSeconds: affinity,
        externalPolicyLocal: hasExternal && spec.externalTrafficPolicy === 'Local',
        internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
        endpoints,
      });
    }
  }
  out.sort((a, b) => {
    const x = `${servicePortName(a)}/${a.protocol}`;
    const y = `${servicePortName(b)}/${b.protocol}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return out;
}

/**
 * The endpoints traffic may use, as kube-proxy's topology rules pick them: ready ones, or,
 * when none is ready, the serving-and-terminating ones (so connections drain gracefully).
 */
export function usableEndpoints(endpoints: readonly EndpointInfo[]): EndpointInfo[] {
  const ready = endpoints.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return endpoints.filter((e) => e.serving && e.terminating);
}
