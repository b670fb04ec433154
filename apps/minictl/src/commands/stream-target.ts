// What logs, exec, attach, port-forward and cp share besides the pod choice (pod-choice.ts): the
// pod selector of a workload, the container (`-c`, the default-container annotation, else the
// first with kubectl's "Defaulted container" note), and the process's byte streams.

import { formatLabelSelector, type corev1, type KindInfo } from '@minik8s/api';
import { PodStreams } from '@minik8s/client';
import type { CommandContext } from '../context';
import { CliError } from '../errors';
import type { ByteStdio } from '../io';

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export const CONTAINER_FLAG = { name: 'container', short: 'c', type: 'string', description: 'Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen' } as const;

/** Kinds whose pods kubectl can pick (polymorphichelpers.SelectorsForObject), by group and kind. */
const SELECTING_KINDS = new Set(['apps/ReplicaSet', '/ReplicationController', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/Deployment', 'batch/Job', '/Service']);

/** How Go's %T prints the object kubectl read, e.g. `*v1.Deployment`. */
function goType(info: KindInfo): string {
  return `*${info.version}.${info.kind}`;
}

/**
 * The label selector (string form) of the pods the object `info`/`name` selects, read from the
 * server; `doing` starts kubectl's message when it has none (`cannot attach to`, `cannot get the logs from`).
 */
export async function podSelectorOf(ctx: CommandContext, info: KindInfo, name: string, doing = 'cannot attach to'): Promise<string> {
  const owner = (await ctx.client().get(info, ctx.namespace, name)) as { spec?: { selector?: unknown } };
  if (!SELECTING_KINDS.has(`${info.group}/${info.kind}`)) throw new CliError(`${doing} ${goType(info)}: selector for ${goType(info)} not implemented`);
  const raw = owner.spec?.selector;
  // Deployments and friends have a LabelSelector; Services and ReplicationControllers a map.
  const selector =
    raw && typeof raw === 'object' && ('matchLabels' in raw || 'matchExpressions' in raw)
      ? formatLabelSelector(raw as Parameters<typeof formatLabelSelector>[0])
      : Object.entries((raw ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
  if (!selector && info.kind === 'Service') throw new CliError(`${doing} ${goType(info)}: invalid service '${name}': Service is defined without a selector`);
  return selector;
}

function containerNames(pod: corev1.Pod): string {
  return [
    ...(pod.spec?.containers ?? []).map((c) => c.name ?? ''),
    ...(pod.spec?.ephemeralContainers ?? []).map((c) => `${c.name} (ephem)`),
    ...(pod.spec?.initContainers ?? []).map((c) => `${c.name} (init)`),
  ].join(', ');
}

/**
 * The container to use (kubectl's FindOrDefaultContainerByName): `-c`, else the default-container
 * annotation, else the first one, with a note on stderr unless `quiet` when there were others.
 */
export function pickContainer(ctx: CommandContext, pod: corev1.Pod, given: string, quiet = false): string {
  if (given) return given;
  const containers = pod.spec?.containers ?? [];
  if (containers.length === 0) throw new CliError(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} does not have any containers`);
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const all = [...containers, ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
  if (annotated && all.some((c) => c.name === annotated)) return annotated;
  const first = containers[0].name ?? '';
  if (!quiet && all.length > 1) ctx.err(`Defaulted container "${first}" out of: ${containerNames(pod)}\n`);
  return first;
}

/** The process's byte streams, or text stand-ins over ctx.out/ctx.err (tests, no stdin). */
export function byteStdio(ctx: CommandContext): ByteStdio {
  if (ctx.io.stdio) return ctx.io.stdio;
  const text = (write: (t: string) => void) => ({ write: (data: Uint8Array | string) => void write(typeof data === 'string' ? data : Buffer.from(data).toString()) });
  const none = { on: () => none, once: () => none, pause: () => none, resume: () => none } as unknown as ByteStdio['stdin'];
  return { stdin: none, stdout: text((t) => ctx.out(t)), stderr: text((t) => ctx.err(t)) };
}

/** A PodStreams client on the context's server, closed after `fn`. */
export async function withPodStreams<T>(ctx: CommandContext, fn: (streams: PodStreams) => Promise<T>): Promise<T> {
  const streams = new PodStreams(ctx.connection().server);
  try {
    return await fn(streams);
  } finally {
    streams.close();
  }
}
