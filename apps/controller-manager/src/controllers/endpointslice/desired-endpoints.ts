// The EndpointSlice view of one pod: its endpoint, and the ports it serves the Service on.
import type { corev1, discoveryv1 } from '@minik8s/api';
import { findPort, isIPv6, isPodReady, isServiceIPSet, LABEL_HEADLESS_SERVICE, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, podIPs, shouldSetHostname } from './endpoint-util';

export const ADDRESS_TYPE_IPV4 = 'IPv4';
export const ADDRESS_TYPE_IPV6 = 'IPv6';
/** The node label an endpoint's zone comes from. */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/**
 * The address types a Service's slices carry: one per IP family it has; for a Service without
 * families, that of its cluster IP. A headless Service without families gets IPv4 (the only
 * family of this cluster; Kubernetes' apiserver would have set ipFamilies to it).
 */
export function addressTypesForService(service: corev1.Service): string[] {
  const types: string[] = [];
  for (const family of service.spec?.ipFamilies ?? []) {
    if (family === 'IPv4' && !types.includes(ADDRESS_TYPE_IPV4)) types.push(ADDRESS_TYPE_IPV4);
    if (family === 'IPv6' && !types.includes(ADDRESS_TYPE_IPV6)) types.push(ADDRESS_TYPE_IPV6);
  }
  if (types.length > 0) return types;
  if (isServiceIPSet(service) && isIPv6(service.spec?.clusterIP ?? '')) return [ADDRESS_TYPE_IPV6];
  return [ADDRESS_TYPE_IPV4];
}

/** The ports `pod` serves the Service on, in the Service's order; a named port it lacks is left out. */
export function endpointPorts(service: corev1.Service, pod: corev1.Pod): discoveryv1.EndpointPort[] {
  const ports: discoveryv1.EndpointPort[] = [];
  for (const servicePort of service.spec?.ports ?? []) {
    const port = findPort(pod, servicePort);
    if (port === undefined) continue;
    const endpointPort: discoveryv1.EndpointPort = { name: servicePort.name ?? '', port, protocol: servicePort.protocol || 'TCP' };
    if (servicePort.appProtocol) endpointPort.appProtocol = servicePort.appProtocol;
    ports.push(endpointPort);
  }
  return ports;
}

function portKey(port: discoveryv1.EndpointPort): string {
  return JSON.stringify([port.name ?? '', port.protocol || 'TCP', port.port ?? null, port.appProtocol ?? null]);
}

/** Identifies a set of ports whatever its order: slices group endpoints by it. */
export function portMapKey(ports: readonly discoveryv1.EndpointPort[] | undefined): string {
  return JSON.stringify((ports ?? []).map(portKey).sort());
}

/** The endpoint of `pod` in a slice of `addressType`; it has no addresses if the pod has no IP of that type. */
export function podToEndpoint(pod: corev1.Pod, node: corev1.Node | undefined, service: corev1.Service, addressType: string): discoveryv1.Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  // A terminating pod is never "ready", unless the Service publishes not-ready addresses.
  const ready = !!service.spec?.publishNotReadyAddresses || (serving && !terminating);
  const wantIPv6 = addressType === ADDRESS_TYPE_IPV6;
  const endpoint: discoveryv1.Endpoint = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === wantIPv6),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[LABEL_TOPOLOGY_ZONE];
  if (zone) endpoint.zone = zone;
  if (shouldSetHostname(pod, service)) endpoint.hostname = pod.spec?.hostname;
  return endpoint;
}

/** Who an endpoint is: its addresses, hostname and pod. Slices are matched up endpoint by endpoint on it. */
export function endpointKey(endpoint: discoveryv1.Endpoint): string {
  return JSON.stringify([[...(endpoint.addresses ?? [])].sort(), endpoint.hostname ?? '', endpoint.targetRef?.namespace ?? '', endpoint.targetRef?.name ?? '']);
}

function targetRefKey(ref: corev1.ObjectReference | undefined): string {
  if (!ref) return '';
  // The pod's resourceVersion does not matter to an endpoint.
  return JSON.stringify([ref.kind ?? '', ref.namespace ?? '', ref.name ?? '', ref.uid ?? '', ref.apiVersion ?? '', ref.fieldPath ?? '']);
}

/** Whether two endpoints with the same key say the same thing (conditions, node, zone, pod). */
export function endpointsEqualBeyondKey(a: discoveryv1.Endpoint, b: discoveryv1.Endpoint): boolean {
  return (
    (a.nodeName ?? '') === (b.nodeName ?? '') &&
    (a.zone ?? '') === (b.zone ?? '') &&
    a.conditions?.ready === b.conditions?.ready &&
    a.conditions?.serving === b.conditions?.serving &&
    a.conditions?.terminating === b.conditions?.terminating &&
    targetRefKey(a.targetRef) === targetRefKey(b.targetRef)
  );
}

/**
 * The labels of a Service's slices: the Service's own (except the two the controller owns), the
 * headless marker when it has no cluster IP, and the service name and manager.
 */
export function sliceLabels(service: corev1.Service, controllerName: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(service.metadata?.labels ?? {})) {
    if (key === LABEL_SERVICE_NAME || key === LABEL_MANAGED_BY) continue;
    labels[key] = value;
  }
  if (isServiceIPSet(service)) delete labels[LABEL_HEADLESS_SERVICE];
  else labels[LABEL_HEADLESS_SERVICE] = '';
  labels[LABEL_SERVICE_NAME] = service.metadata?.name ?? '';
  labels[LABEL_MANAGED_BY] = controllerName;
  return labels;
}

export function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {});
  const y = b ?? {};
  return x.length === Object.keys(y).length && x.every(([k, v]) => y[k] === v);
}
