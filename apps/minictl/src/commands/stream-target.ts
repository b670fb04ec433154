// What logs, exec, attach, port-forward and cp share: the pod an argument names (`pod`,
// `pod/name`, or a workload such as `deployment/web`, whose first pod is used, as kubectl's
// polymorphic helpers do), the container (`-c`, the default-container annotation, else the first
// with kubectl's "Defaulted container" note), and the process's byte streams.

import { formatLabelSelector, type corev1, type KindInfo } from '@minik8s/api';
import { PodStreams } from '@minik8s/client';
import type { CommandContext } from '../context';
import { CliError } from '../errors';
import type { ByteStdio } from '../io';
import { resolveKind } from '../resources';

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export const CONTAINER_FLAG = { name: 'container', short: 'c', type: 'string', description: 'Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen' } as const;

/** Orders pods the way kubectl picks one of a workload's: running and ready first, then newest. */
function podRank(pod: corev1.Pod): [number, number] {
  const phase = pod.status?.phase === 'Running' ? 0 : pod.status?.phase === 'Pending' ? 1 : 2;
  const created = Date.parse(pod.metadata?.creationTimestamp ?? '') || 0;
  return [phase, -created];
}

/** The label selector (string form) of the pods the object `info`/`name` selects, read from the server. */
export async function podSelectorOf(ctx: CommandContext, info: KindInfo, name: string): Promise<string> {
  const owner = (await ctx.client().get(info, ctx.namespace, name)) as { spec?: { selector?: unknown } };
  const raw = owner.spec?.selector;
  // Deployments and friends have a LabelSelector; Services and ReplicationControllers a map.
  const selector =
    raw && typeof raw === 'object' && ('matchLabels' in raw || 'matchExpressions' in raw)
      ? formatLabelSelector(raw as Parameters<typeof formatLabelSelector>[0])
      : Object.entries((raw ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
  if (!selector) throw new CliError(`cannot attach to ${info.kind.toLowerCase()}/${name}: selector for ${info.kind.toLowerCase()}/${name} is empty`);
  return selector;
}

/** The pod `arg` names: a pod name, `pod/name`, or `kind/name` of an object with a pod selector (its first pod). */
export async function resolvePod(ctx: CommandContext, arg: string, options: { announce?: boolean } = {}): Promise<corev1.Pod> {
  const pods = resolveKind(ctx.scheme, 'pods');
  const slash = arg.indexOf('/');
  if (slash < 0) return (await ctx.client().get(pods, ctx.namespace, arg)) as corev1.Pod;
  const info = resolveKind(ctx.scheme, arg.slice(0, slash));
  const name = arg.slice(slash + 1);
  if (info === pods) return (await ctx.client().get(pods, ctx.namespace, name)) as corev1.Pod;
  const selector = await podSelectorOf(ctx, info, name);
  const list = (await ctx.client().list(pods, ctx.namespace, { labelSelector: selector })).items as corev1.Pod[];
  if (list.length === 0) throw new CliError(`no pods found for ${info.resource}/${name}`);
  list.sort((a, b) => {
    const [pa, ca] = podRank(a);
    const [pb, cb] = podRank(b);
    return pa - pb || ca - cb;
  });
  // kubectl says which pod it picked for logs only.
  if (options.announce && list.length > 1) ctx.err(`Found ${list.length} pods, using pod/${list[0].metadata?.name}\n`);
  return list[0];
}

/** The container to use: `-c`, else the default-container annotation, else the first one. */
export function pickContainer(ctx: CommandContext, pod: corev1.Pod, given: string): string {
  if (given) return given;
  const containers = pod.spec?.containers ?? [];
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && containers.some((c) => c.name === annotated)) return annotated;
  if (containers.length === 0) throw new CliError(`pod ${pod.metadata?.name} does not have any containers`);
  const first = containers[0].name ?? '';
  if (containers.length > 1 || (pod.spec?.initContainers ?? []).length > 0) {
    const all = [...containers.map((c) => c.name ?? ''), ...(pod.spec?.initContainers ?? []).map((c) => `${c.name} (init)`)];
    ctx.err(`Defaulted container "${first}" out of: ${all.join(', ')}\n`);
  }
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
