// The subsets of a Service's Endpoints: an address per selected pod, ready or not, grouped by the
// ports they serve, in a canonical order so that an unchanged world writes nothing.
import type { corev1 } from '@minik8s/api';
import {
  CLUSTER_IP_NONE,
  compareStrings,
  findPort,
  isIPv6,
  isPodReady,
  isServiceIPSet,
  podIPs,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from '../endpointslice/endpoint-util';

/** At most this many addresses (ready and not) go into one Endpoints object. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** Set to "truncated" on an Endpoints that could not hold every address. */
export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
export const OVER_CAPACITY_TRUNCATED = 'truncated';

/**
 * The IP family of a Service's endpoint addresses: its first ipFamily, else that of its cluster
 * IP, else (headless, from an apiserver that sets no families) that of the pod's IP.
 */
function ipFamilyFor(service: corev1.Service, pod: corev1.Pod): 'IPv4' | 'IPv6' {
  const first = service.spec?.ipFamilies?.[0];
  if (first === 'IPv4' || first === 'IPv6') return first;
  if (isServiceIPSet(service)) return isIPv6(service.spec?.clusterIP ?? '') ? 'IPv6' : 'IPv4';
  return isIPv6(pod.status?.podIP ?? '') ? 'IPv6' : 'IPv4';
}

/** The address of `pod` in the Service's Endpoints, or undefined if it has no IP of the Service's family. */
export function podToEndpointAddress(service: corev1.Service, pod: corev1.Pod): corev1.EndpointAddress | undefined {
  const wantIPv6 = ipFamilyFor(service, pod) === 'IPv6';
  const ip = podIPs(pod).find((candidate) => isIPv6(candidate) === wantIPv6);
  if (!ip) return undefined;
  const address: corev1.EndpointAddress = {
    ip,
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.hostname && shouldSetHostname(pod, service)) address.hostname = pod.spec.hostname;
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  return address;
}

/** One address serving one port (or no port, for a headless Service without ports). */
interface AddressPort {
  address: corev1.EndpointAddress;
  port: corev1.EndpointPort | undefined;
  ready: boolean;
}

function addressKey(address: corev1.EndpointAddress): string {
  return JSON.stringify([address.ip ?? '', address.targetRef?.uid ?? '']);
}

function portKey(port: corev1.EndpointPort | undefined): string {
  return port ? JSON.stringify([port.name ?? '', port.port ?? 0, port.protocol || 'TCP', port.appProtocol ?? null]) : '';
}

/** Kubernetes' order of addresses: by IP, then by the pod's uid. */
export function compareAddresses(a: corev1.EndpointAddress, b: corev1.EndpointAddress): number {
  return compareStrings(a.ip ?? '', b.ip ?? '') || compareStrings(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');
}

function comparePorts(a: corev1.EndpointPort, b: corev1.EndpointPort): number {
  return compareStrings(a.name ?? '', b.name ?? '') || (a.port ?? 0) - (b.port ?? 0) || compareStrings(a.protocol ?? '', b.protocol ?? '');
}

/**
 * Groups address/port pairs into subsets: ports whose addresses (and their readiness) are the
 * same share a subset. An address not ready for some pair of a port counts as not ready for
 * that port. Addresses, ports and subsets come out sorted.
 */
export function repackSubsets(pairs: readonly AddressPort[]): corev1.EndpointSubset[] {
  const addresses = new Map<string, corev1.EndpointAddress>();
  const ports = new Map<string, corev1.EndpointPort | undefined>();
  /** port key → address key → ready */
  const readiness = new Map<string, Map<string, boolean>>();
  for (const { address, port, ready } of pairs) {
    const aKey = addressKey(address);
    if (!addresses.has(aKey)) addresses.set(aKey, address);
    const pKey = portKey(port);
    if (!ports.has(pKey)) ports.set(pKey, port);
    let byAddress = readiness.get(pKey);
    if (!byAddress) readiness.set(pKey, (byAddress = new Map()));
    if (byAddress.get(aKey) !== false) byAddress.set(aKey, ready);
  }
  // Ports with the same addresses, equally ready, form one subset.
  const groups = new Map<string, { readiness: Map<string, boolean>; ports: corev1.EndpointPort[] }>();
  for (const [pKey, byAddress] of readiness) {
    const signature = JSON.stringify([...byAddress].sort(([a], [b]) => compareStrings(a, b)));
    let group = groups.get(signature);
    if (!group) groups.set(signature, (group = { readiness: byAddress, ports: [] }));
    const port = ports.get(pKey);
    if (port) group.ports.push({ ...port });
  }
  const subsets: corev1.EndpointSubset[] = [];
  for (const group of groups.values()) {
    const ready: corev1.EndpointAddress[] = [];
    const notReady: corev1.EndpointAddress[] = [];
    for (const [aKey, isReady] of group.readiness) (isReady ? ready : notReady).push(addresses.get(aKey) as corev1.EndpointAddress);
    const subset: corev1.EndpointSubset = {};
    if (ready.length > 0) subset.addresses = ready.sort(compareAddresses);
    if (notReady.length > 0) subset.notReadyAddresses = notReady.sort(compareAddresses);
    if (group.ports.length > 0) subset.ports = group.ports.sort(comparePorts);
    subsets.push(subset);
  }
  return subsets.sort((a, b) => compareStrings(subsetKey(a), subsetKey(b)));
}

export interface ComputedSubsets {
  subsets: corev1.EndpointSubset[];
  ready: number;
  notReady: number;
}

/**
 * The subsets of a Service's Endpoints from the pods it selects. Pods without an IP, finished,
 * or (unless the Service publishes not-ready addresses) being deleted are left out; a pod lacking
 * a named target port is left out of that port only. Ready pods (every pod, when the Service
 * publishes not-ready addresses) are `addresses`, the rest `notReadyAddresses`.
 */
export function computeSubsets(service: corev1.Service, pods: readonly corev1.Pod[]): ComputedSubsets {
  const publishNotReady = !!service.spec?.publishNotReadyAddresses;
  const servicePorts = service.spec?.ports ?? [];
  const headless = service.spec?.clusterIP === CLUSTER_IP_NONE;
  const pairs: AddressPort[] = [];
  let ready = 0;
  let notReady = 0;
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = podToEndpointAddress(service, pod);
    if (!address) continue;
    const isReady = publishNotReady || isPodReady(pod);
    const count = (): void => {
      if (isReady) ready++;
      else notReady++;
    };
    if (servicePorts.length === 0) {
      // Only a headless Service may have addresses without ports.
      if (headless) {
        pairs.push({ address, port: undefined, ready: isReady });
        count();
      }
      continue;
    }
    for (const servicePort of servicePorts) {
      const portNumber = findPort(pod, servicePort);
      if (portNumber === undefined) continue;
      const port: corev1.EndpointPort = { name: servicePort.name ?? '', port: portNumber, protocol: servicePort.protocol || 'TCP' };
      if (servicePort.appProtocol) port.appProtocol = servicePort.appProtocol;
      pairs.push({ address, port, ready: isReady });
      count();
    }
  }
  return { subsets: repackSubsets(pairs), ready, notReady };
}

/**
 * Cuts subsets down to `capacity` addresses, each subset keeping its share: not-ready addresses
 * go first; only when the ready ones alone are too many are they cut too (and every not-ready
 * one dropped). A subset left without addresses is dropped. Returns the subsets to write and
 * whether anything was cut.
 */
export function truncateSubsets(
  subsets: readonly corev1.EndpointSubset[],
  capacity = MAX_ENDPOINTS_CAPACITY,
): { subsets: corev1.EndpointSubset[]; truncated: boolean } {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += (s.addresses ?? []).length;
    totalNotReady += (s.notReadyAddresses ?? []).length;
  }
  if (totalReady + totalNotReady <= capacity) return { subsets: [...subsets], truncated: false };
  const cutReady = totalReady > capacity;
  const budget = cutReady ? capacity : capacity - totalReady;
  const total = cutReady ? totalReady : totalNotReady;
  let left = budget;
  const result: corev1.EndpointSubset[] = [];
  for (const subset of subsets) {
    const inSubset = (cutReady ? subset.addresses : subset.notReadyAddresses) ?? [];
    const share = Math.min(Math.ceil((inSubset.length / total) * budget), left);
    const kept = inSubset.slice(0, share);
    left -= kept.length;
    const ready = cutReady ? kept : (subset.addresses ?? []);
    const notReady = cutReady ? [] : kept;
    if (ready.length === 0 && notReady.length === 0) continue;
    const cut: corev1.EndpointSubset = { ports: subset.ports };
    if (ready.length > 0) cut.addresses = ready;
    if (notReady.length > 0) cut.notReadyAddresses = notReady;
    result.push(cut);
  }
  return { subsets: result, truncated: true };
}

/** Whether the over-capacity annotation says what the subsets need. */
export function capacityAnnotationCorrect(annotations: Record<string, string> | undefined, subsets: readonly corev1.EndpointSubset[]): boolean {
  let count = 0;
  for (const s of subsets) count += (s.addresses ?? []).length + (s.notReadyAddresses ?? []).length;
  // Over capacity, the subsets must be truncated (and annotated) by a write.
  if (count > MAX_ENDPOINTS_CAPACITY) return false;
  return annotations?.[ANNOTATION_OVER_CAPACITY] === undefined;
}

function normalAddress(a: corev1.EndpointAddress): unknown {
  const ref = a.targetRef;
  // A pod's resourceVersion in targetRef does not matter.
  return [a.ip ?? '', a.hostname ?? '', a.nodeName ?? '', ref ? [ref.kind ?? '', ref.namespace ?? '', ref.name ?? '', ref.uid ?? '', ref.apiVersion ?? '', ref.fieldPath ?? ''] : null];
}

function normalSubset(s: corev1.EndpointSubset): unknown {
  return [(s.addresses ?? []).map(normalAddress), (s.notReadyAddresses ?? []).map(normalAddress), (s.ports ?? []).map(portKey)];
}

function subsetKey(s: corev1.EndpointSubset): string {
  return JSON.stringify(normalSubset(s));
}

/** Whether two lists of subsets say the same, whatever empty lists are written as. */
export function subsetsEqual(a: readonly corev1.EndpointSubset[] | undefined, b: readonly corev1.EndpointSubset[] | undefined): boolean {
  return JSON.stringify((a ?? []).map(normalSubset)) === JSON.stringify((b ?? []).map(normalSubset));
}
