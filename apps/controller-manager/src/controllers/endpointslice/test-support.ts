// Builders and fakes for the Endpoints and EndpointSlice unit tests.
import type { corev1, IntOrString } from '@minik8s/api';
export { FakeLister } from '../../test-support/fake-lister';

export const NS = 'default';

export const intPort = (intVal: number): IntOrString => ({ type: 0, intVal });
export const namedPort = (strVal: string): IntOrString => ({ type: 1, strVal });

export interface PodOptions {
  ip?: string;
  ips?: string[];
  ready?: boolean;
  phase?: string;
  node?: string;
  labels?: Record<string, string>;
  deleting?: boolean;
  hostname?: string;
  subdomain?: string;
  ports?: corev1.ContainerPort[];
  namespace?: string;
  readySince?: string;
  resourceVersion?: string;
}

/** A running pod with an IP on node-a, Ready unless told otherwise. */
export function pod(name: string, options: PodOptions = {}): corev1.Pod {
  const ready = options.ready ?? true;
  const ips = options.ips ?? [options.ip ?? '10.244.0.1'];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace ?? NS,
      uid: `uid-${name}`,
      resourceVersion: options.resourceVersion ?? '1',
      labels: options.labels ?? { app: 'web' },
      deletionTimestamp: options.deleting ? '2024-05-01T12:00:00Z' : undefined,
    },
    spec: {
      nodeName: options.node ?? 'node-a',
      hostname: options.hostname,
      subdomain: options.subdomain,
      containers: [{ name: 'web', image: 'nginx', ports: options.ports ?? [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
    },
    status: {
      phase: options.phase ?? 'Running',
      podIP: ips[0],
      podIPs: ips.map((ip) => ({ ip })),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: options.readySince ?? '2024-05-01T11:00:00Z' }],
    },
  };
}

export interface ServiceOptions {
  selector?: Record<string, string> | undefined;
  ports?: corev1.ServicePort[];
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
  labels?: Record<string, string>;
  type?: string;
  namespace?: string;
}

/** A ClusterIP Service selecting app=web, port 80 → named port http. */
export function service(name: string, options: ServiceOptions = {}): corev1.Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: options.namespace ?? NS, uid: `uid-svc-${name}`, labels: options.labels, creationTimestamp: '2024-05-01T10:00:00Z' },
    spec: {
      selector: 'selector' in options ? options.selector : { app: 'web' },
      ports: options.ports ?? [{ name: 'http', port: 80, protocol: 'TCP', targetPort: namedPort('http') }],
      clusterIP: options.clusterIP ?? '10.96.0.20',
      publishNotReadyAddresses: options.publishNotReadyAddresses,
      type: options.type ?? 'ClusterIP',
    },
  };
}

export function node(name: string, zone?: string): corev1.Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} } };
}
