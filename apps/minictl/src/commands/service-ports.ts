// `port-forward svc/NAME PORT`: kubectl forwards to the pod port behind the Service's port, so the
// ports given are the Service's (by number or name), translated through its targetPort as
// kubectl's translateServicePortToTargetPort does.

import type { corev1 } from '@minik8s/api';
import { CliError } from '../errors';

function splitPort(spec: string): [string, string] {
  const parts = spec.split(':');
  return parts.length === 2 ? [parts[0], parts[1]] : [parts[0], parts[0]];
}

/** The container port a Service port number leads to in `pod` (LookupContainerPortNumberByServicePort). */
function containerPortFor(svc: corev1.Service, pod: corev1.Pod, port: number): number {
  const spec = (svc.spec?.ports ?? []).find((p) => p.port === port);
  if (!spec) throw new CliError(`Service ${svc.metadata?.name} does not have a service port ${port}`);
  // A headless Service forwards to the port as given.
  if (svc.spec?.clusterIP === 'None') return port;
  const target = spec.targetPort;
  const named = target?.type === 1 || (target?.strVal !== undefined && target.strVal !== '');
  if (!named) return target?.intVal || port;
  const name = target?.strVal ?? '';
  const containerPort = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []).find((p) => p.name === name)?.containerPort;
  if (!containerPort) throw new CliError(`Pod '${pod.metadata?.name}' does not have a named port '${name}'`);
  return containerPort;
}

/** `[LOCAL:]REMOTE` of a Service rewritten to `[LOCAL:]CONTAINER_PORT` of its pod `pod`. */
export function translateServicePort(spec: string, svc: corev1.Service, pod: corev1.Pod): string {
  let [local, remote] = splitPort(spec);
  let port: number;
  if (/^\d+$/.test(remote)) port = Number(remote);
  else {
    const byName = (svc.spec?.ports ?? []).find((p) => p.name === remote);
    if (!byName?.port) throw new CliError(`Service '${svc.metadata?.name}' does not have a named port '${remote}'`);
    port = byName.port;
    // A bare name listens on the Service's port number.
    if (local === remote) local = String(port);
  }
  remote = String(containerPortFor(svc, pod, port));
  return local === remote ? remote : `${local}:${remote}`;
}
