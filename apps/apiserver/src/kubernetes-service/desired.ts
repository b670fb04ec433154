import type { coordinationv1, corev1, discoveryv1 } from '@minik8s/api';

/**
 * What the apiserver keeps of the `kubernetes` Service (Kubernetes' "master" Service, which its
 * bootstrap controller and lease endpoint reconciler maintain): pure builders, so the reconciler
 * only compares and writes.
 */

export const KUBERNETES_SERVICE = 'kubernetes';
export const DEFAULT_NAMESPACE = 'default';
/** Where each apiserver's endpoint lease lives (Kubernetes keeps them under /masterleases/ in etcd). */
export const LEASE_NAMESPACE = 'kube-system';
export const LEASE_PREFIX = 'apiserver-endpoint-';
/** Labels every endpoint lease, so the reconciler lists only those. */
export const ENDPOINT_LEASE_LABEL = 'apiserver.minik8s.io/endpoint-lease';
/** The label EndpointSlices name their Service by. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const PORT_NAME = 'https';
export const SERVICE_PORT = 443;

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0);
}

/** The first address of the service CIDR (10.96.0.1 for 10.96.0.0/12): the `kubernetes` ClusterIP. */
export function firstServiceIP(serviceCIDR: string): string {
  const [base, prefixText] = serviceCIDR.split('/');
  const prefix = Number(prefixText);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const n = (((ipToInt(base) & mask) >>> 0) + 1) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function leaseName(ip: string): string {
  return `${LEASE_PREFIX}${ip.replace(/\./g, '-')}`;
}

/** The Service as Kubernetes' bootstrap controller creates it. */
export function kubernetesService(clusterIP: string, targetPort: number): corev1.Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: KUBERNETES_SERVICE, namespace: DEFAULT_NAMESPACE, labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      sessionAffinity: 'None',
      ports: [{ name: PORT_NAME, protocol: 'TCP', port: SERVICE_PORT, targetPort: { type: 0, intVal: targetPort } }],
    },
  };
}

/** Whether an existing Service needs its ports or type put back (its clusterIP is never changed). */
export function serviceNeedsRepair(existing: corev1.Service, targetPort: number): boolean {
  const ports = existing.spec?.ports ?? [];
  const p = ports[0];
  return (
    existing.spec?.type !== 'ClusterIP' ||
    ports.length !== 1 ||
    p.name !== PORT_NAME ||
    p.port !== SERVICE_PORT ||
    (p.protocol ?? 'TCP') !== 'TCP' ||
    p.targetPort?.intVal !== targetPort
  );
}

/** The addresses of the leases still alive at `nowMs`, sorted, with `self` (if given) in them. */
export function liveAddresses(leases: readonly coordinationv1.Lease[], nowMs: number, self?: string): string[] {
  const out = new Set<string>(self ? [self] : []);
  for (const lease of leases) {
    const ip = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? Date.parse(lease.spec.renewTime) : NaN;
    const ttlMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (ip && !Number.isNaN(renewed) && renewed + ttlMs > nowMs) out.add(ip);
  }
  return [...out].sort((a, b) => ipToInt(a) - ipToInt(b));
}

/**
 * Leases of apiservers gone for good: expired more than `graceMs` ago (Kubernetes' master leases
 * vanish with their etcd TTL; ours are objects, so the live apiservers delete them).
 */
export function deadLeases(leases: readonly coordinationv1.Lease[], nowMs: number, graceMs: number): coordinationv1.Lease[] {
  return leases.filter((lease) => {
    const renewed = lease.spec?.renewTime ? Date.parse(lease.spec.renewTime) : NaN;
    const ttlMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    return Number.isNaN(renewed) || renewed + ttlMs + graceMs < nowMs;
  });
}

export function kubernetesEndpoints(addresses: readonly string[], port: number): corev1.Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: KUBERNETES_SERVICE, namespace: DEFAULT_NAMESPACE, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: addresses.length ? [{ addresses: addresses.map((ip) => ({ ip })), ports: [{ name: PORT_NAME, port, protocol: 'TCP' }] }] : [],
  };
}

/** The EndpointSlice the proxy reads (Kubernetes' reconciler writes it beside the Endpoints). */
export function kubernetesEndpointSlice(addresses: readonly string[], port: number): discoveryv1.EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: KUBERNETES_SERVICE, namespace: DEFAULT_NAMESPACE, labels: { [SERVICE_NAME_LABEL]: KUBERNETES_SERVICE } },
    addressType: 'IPv4',
    endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: PORT_NAME, port, protocol: 'TCP' }],
  };
}

/** The addresses an Endpoints object lists with their port (to compare with the wanted ones). */
export function endpointsSummary(ep: corev1.Endpoints | undefined): string {
  return (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}/${p.name ?? ''}`))).sort().join(',');
}

export function sliceSummary(slice: discoveryv1.EndpointSlice | undefined): string {
  return (slice?.endpoints ?? []).flatMap((e) => (e.addresses ?? []).flatMap((ip) => (slice?.ports ?? []).map((p) => `${ip}:${p.port}/${p.name ?? ''}`))).sort().join(',');
}
