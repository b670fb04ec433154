// What the Endpoints and EndpointSlice controllers agree on about pods and Services: which pods
// belong in a Service's endpoints, which port a service port reaches on a pod, and which
// Services a pod event concerns. (Kubernetes keeps the same helpers in k8s.io/endpointslice/util.)
import { selectorFromSet, type corev1, type Selector } from '@minik8s/api';
import { keyOf, type EventHandlers, type Lister, type WorkQueue } from '@minik8s/client';

/** Labels every EndpointSlice of a Service carries. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** On the Endpoints and EndpointSlices of a Service without a cluster IP. */
export const LABEL_HEADLESS_SERVICE = 'service.kubernetes.io/headless';
/** When the change that led to this write happened (RFC 3339), on Endpoints and EndpointSlices. */
export const ANNOTATION_LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

export const CLUSTER_IP_NONE = 'None';

export function isPodReady(pod: corev1.Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Succeeded or Failed: the pod's containers are done and will not run again. */
export function isPodTerminal(pod: corev1.Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The pod's IPs: status.podIPs, or status.podIP alone when a writer set only that. */
export function podIPs(pod: corev1.Pod): string[] {
  const plural = (pod.status?.podIPs ?? []).map((p) => p.ip ?? '').filter((ip) => ip !== '');
  if (plural.length > 0) return plural;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

export function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

/**
 * Whether a pod belongs in a Service's endpoints at all: it has an IP and has not finished.
 * A pod being deleted counts only when `includeTerminating` (EndpointSlices always include it,
 * marked terminating; Endpoints only when the Service publishes not-ready addresses).
 */
export function shouldPodBeInEndpoints(pod: corev1.Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** An address names the pod's hostname when the pod declares itself in the Service's subdomain. */
export function shouldSetHostname(pod: corev1.Pod, service: corev1.Service): boolean {
  const hostname = pod.spec?.hostname ?? '';
  return hostname !== '' && pod.spec?.subdomain === service.metadata?.name && pod.metadata?.namespace === service.metadata?.namespace;
}

/** A Service has a cluster IP unless it is headless (`None`) or has none at all. */
export function isServiceIPSet(service: corev1.Service): boolean {
  const ip = service.spec?.clusterIP ?? '';
  return ip !== '' && ip !== CLUSTER_IP_NONE;
}

/**
 * The selector of a Service whose endpoints the controllers manage, or undefined when it has none:
 * such a Service's Endpoints are written by hand. (An empty selector is the same as none; the
 * API's storage does not tell them apart.)
 */
export function serviceSelector(service: corev1.Service): Selector | undefined {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return undefined;
  return selectorFromSet(selector);
}

/** ExternalName Services are a DNS alias and get no endpoints. */
export function isExternalName(service: corev1.Service): boolean {
  return service.spec?.type === 'ExternalName';
}

function protocolOf(protocol: string | undefined): string {
  return protocol || 'TCP';
}

/**
 * The port a service port reaches on `pod`: a number as given, or the containerPort of the
 * pod's port of that name and protocol (in its containers, then its sidecar init containers).
 * Undefined when the pod has no such named port; the pod then has no endpoint for that port.
 */
export function findPort(pod: corev1.Pod, servicePort: corev1.ServicePort): number | undefined {
  const target = servicePort.targetPort;
  const isName = target?.type === 1 || (target?.type === undefined && !!target?.strVal);
  if (!isName) {
    const value = target?.intVal ?? 0;
    // An unset targetPort defaults to the service port (the apiserver fills it in, but be safe).
    return value > 0 ? value : servicePort.port;
  }
  const name = target?.strVal ?? '';
  const protocol = protocolOf(servicePort.protocol);
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const container of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const port of container.ports ?? []) {
      if (port.name === name && protocolOf(port.protocol) === protocol) return port.containerPort;
    }
  }
  return undefined;
}

function sameStringMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {});
  const y = b ?? {};
  return x.length === Object.keys(y).length && x.every(([k, v]) => y[k] === v);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * How a pod update matters to endpoints: `podChanged` when what its endpoint says may differ
 * (being deleted, readiness, IPs, node, finished), `labelsChanged` when which Services select it,
 * or its hostname there, may differ.
 */
export function podEndpointsChanged(old: corev1.Pod, cur: corev1.Pod): { podChanged: boolean; labelsChanged: boolean } {
  const labelsChanged =
    !sameStringMap(old.metadata?.labels, cur.metadata?.labels) ||
    (old.spec?.hostname ?? '') !== (cur.spec?.hostname ?? '') ||
    (old.spec?.subdomain ?? '') !== (cur.spec?.subdomain ?? '');
  const podChanged =
    (old.metadata?.deletionTimestamp ?? '') !== (cur.metadata?.deletionTimestamp ?? '') ||
    isPodReady(old) !== isPodReady(cur) ||
    !sameList(podIPs(old), podIPs(cur)) ||
    (old.spec?.nodeName ?? '') !== (cur.spec?.nodeName ?? '') ||
    isPodTerminal(old) !== isPodTerminal(cur);
  return { podChanged, labelsChanged };
}

/** Keys of the Services in `namespace` whose selector matches `labels`. */
export function servicesSelecting(services: Lister<corev1.Service>, namespace: string, labels: Record<string, string> | undefined): Set<string> {
  const keys = new Set<string>();
  for (const service of services.list(namespace)) {
    const selector = serviceSelector(service);
    if (selector?.matches(labels)) keys.add(`${namespace}/${service.metadata?.name ?? ''}`);
  }
  return keys;
}

/** Keys of the Services a pod add or delete concerns. */
export function servicesForPod(services: Lister<corev1.Service>, pod: corev1.Pod): Set<string> {
  return servicesSelecting(services, pod.metadata?.namespace ?? '', pod.metadata?.labels);
}

/**
 * Keys of the Services a pod update concerns: none for a resync or a change endpoints do not
 * show; the Services selecting it now; and, when its labels changed, those that selected it
 * before too (all of them if its endpoint changed as well, else only those it joined or left).
 */
export function servicesToUpdateOnPodChange(services: Lister<corev1.Service>, old: corev1.Pod, cur: corev1.Pod): Set<string> {
  if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return new Set();
  const { podChanged, labelsChanged } = podEndpointsChanged(old, cur);
  if (!podChanged && !labelsChanged) return new Set();
  const now = servicesForPod(services, cur);
  if (!labelsChanged) return now;
  const before = servicesForPod(services, old);
  if (podChanged) return new Set([...now, ...before]);
  const changed = new Set<string>();
  for (const key of now) if (!before.has(key)) changed.add(key);
  for (const key of before) if (!now.has(key)) changed.add(key);
  return changed;
}

/** Pods in the Service's namespace that its selector matches, in name order. */
export function selectedPods(pods: Lister<corev1.Pod>, service: corev1.Service, selector: Selector): corev1.Pod[] {
  return pods
    .list(service.metadata?.namespace ?? '')
    .filter((pod) => selector.matches(pod.metadata?.labels))
    .sort((a, b) => compareStrings(a.metadata?.name ?? '', b.metadata?.name ?? ''));
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A Kubernetes-style RFC 3339 time: UTC, fractional seconds only when there are any. */
export function formatTriggerTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z').replace(/(\.\d*?)0+Z$/, '$1Z');
}

/**
 * The informer handlers both endpoint controllers share: a Service change queues that Service,
 * a pod change queues every Service that selects (or selected) the pod.
 */
export function serviceKeyHandlers(
  queue: WorkQueue<string>,
  services: Lister<corev1.Service>,
): { services: EventHandlers<corev1.Service>; pods: EventHandlers<corev1.Pod> } {
  const queueAll = (keys: Set<string>): void => {
    for (const key of keys) queue.add(key);
  };
  return {
    services: {
      onAdd: (service) => queue.add(keyOf(service)),
      onUpdate: (_old, cur) => queue.add(keyOf(cur)),
      onDelete: (service) => queue.add(keyOf(service)),
    },
    pods: {
      onAdd: (pod) => queueAll(servicesForPod(services, pod)),
      onUpdate: (old, cur) => queueAll(servicesToUpdateOnPodChange(services, old, cur)),
      onDelete: (pod) => queueAll(servicesForPod(services, pod)),
    },
  };
}
