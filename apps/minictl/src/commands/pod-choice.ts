// Which pod an argument of logs, exec, attach and port-forward names, as kubectl's polymorphic
// helpers pick it: a pod by name, or a workload's pod (GetFirstPod: the best of its pods in the
// command's order, or, with none yet, the first to appear), all within --pod-running-timeout.
// The stream commands then wait, within the same deadline, for that pod to leave Pending: the flag
// promises to wait "until at least one pod is running", and a stream into a pod not started yet
// could only fail.

import { newNotFound, type ApiObject, type corev1, type KindInfo, type ListOptions } from '@minik8s/api';
import type { TypedWatchEvent } from '@minik8s/client';
import { UsageError, type FlagDef } from '../args';
import type { CommandContext } from '../context';
import { parseDurationArg } from '../duration';
import { CliError } from '../errors';
import { resolveKind } from '../resources';
import type { PodOrder } from './pod-order';
import { podSelectorOf } from './stream-target';

export function podRunningTimeoutFlag(defaultValue: string): FlagDef {
  return {
    name: 'pod-running-timeout',
    type: 'string',
    default: defaultValue,
    description: 'The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running',
  };
}

/**
 * --pod-running-timeout in milliseconds, checked as kubectl's GetPodRunningTimeoutFlag does;
 * exec, attach and port-forward report a bad one as a usage error (`asUsage`), logs plainly.
 */
export function podRunningTimeout(ctx: CommandContext, asUsage = false): number {
  const ms = parseDurationArg(ctx.args.string('pod-running-timeout'), 'pod-running-timeout');
  const message = '--pod-running-timeout must be higher than zero';
  if (ms <= 0) throw asUsage ? new UsageError(message) : new CliError(message);
  return ms;
}

type Outcome<T> = { done: true; value: T } | { done: false; reason: 'timeout' | 'closed' | 'interrupted' };

/**
 * Watches pods with `options` until `seen` returns a value, the deadline passes, minictl is
 * interrupted or the server ends the watch (kubectl's UntilWithoutRetry).
 */
async function watchPodsUntil<T>(ctx: CommandContext, options: ListOptions, deadline: number, seen: (event: TypedWatchEvent<ApiObject>) => T | undefined): Promise<Outcome<T>> {
  const stream = ctx.client().watch(resolveKind(ctx.scheme, 'pods'), ctx.namespace, options);
  let timedOut = false;
  const stop = (): void => stream.close();
  const timer = setTimeout(
    () => {
      timedOut = true;
      stop();
    },
    Math.max(0, deadline - Date.now()),
  );
  ctx.io.signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const event of stream) {
      const value = seen(event);
      if (value !== undefined) return { done: true, value };
    }
  } finally {
    clearTimeout(timer);
    ctx.io.signal.removeEventListener('abort', stop);
    stream.close();
  }
  return { done: false, reason: timedOut ? 'timeout' : ctx.io.signal.aborted ? 'interrupted' : 'closed' };
}

function gaveUp(reason: 'timeout' | 'closed' | 'interrupted'): CliError {
  if (reason === 'timeout') return new CliError('timed out waiting for the condition');
  return new CliError(reason === 'interrupted' ? 'interrupted' : 'watch closed before UntilWithoutRetry timeout');
}

/**
 * kubectl's GetFirstPod: the first of the pods `selector` picks in `order`, and how many there are;
 * with none yet, the first pod added or changed before the deadline.
 */
export async function firstPod(ctx: CommandContext, selector: string, order: PodOrder, deadline: number): Promise<{ pod: corev1.Pod; count: number }> {
  const list = await ctx.client().list(resolveKind(ctx.scheme, 'pods'), ctx.namespace, { labelSelector: selector });
  const items = [...(list.items as corev1.Pod[])];
  if (items.length > 0) return { pod: items.sort(order)[0], count: items.length };
  const outcome = await watchPodsUntil(ctx, { labelSelector: selector, resourceVersion: list.resourceVersion }, deadline, (event) =>
    event.type === 'ADDED' || event.type === 'MODIFIED' ? (event.object as corev1.Pod) : undefined,
  );
  if (!outcome.done) throw gaveUp(outcome.reason);
  return { pod: outcome.value, count: 1 };
}

function isPending(pod: corev1.Pod): boolean {
  return (pod.status?.phase ?? 'Pending') === 'Pending';
}

/**
 * `pod` once it is no longer Pending (Running, or already finished), or as last seen when the
 * deadline passes: the command then reports the state it is in, as kubectl would. A pod deleted
 * meanwhile is NotFound.
 */
export async function untilStarted(ctx: CommandContext, pod: corev1.Pod, deadline: number): Promise<corev1.Pod> {
  if (!isPending(pod)) return pod;
  const name = pod.metadata?.name ?? '';
  let last = pod;
  let deleted = false;
  const outcome = await watchPodsUntil(ctx, { fieldSelector: `metadata.name=${name}`, resourceVersion: pod.metadata?.resourceVersion }, deadline, (event) => {
    if (event.type === 'DELETED') return (deleted = true);
    if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return undefined;
    last = event.object as corev1.Pod;
    return isPending(last) ? undefined : true;
  });
  if (deleted) throw newNotFound({ group: '', resource: 'pods' }, name);
  if (!outcome.done && outcome.reason !== 'timeout') throw gaveUp(outcome.reason);
  return last;
}

export interface PodChoice {
  /** Ranks a workload's pods, most wanted first. */
  order: PodOrder;
  timeoutMs: number;
  /** Wait, within the same timeout, for the pod to leave Pending. */
  waitForStart?: boolean;
  /** Say which pod was picked of several, as `logs` does. */
  announce?: boolean;
  /** How kubectl's message starts for an object without pods to pick; `cannot attach to` by default. */
  selectorError?: string;
}

/** The kind and name an argument names: `name` (a pod), `kind/name`, or `kind` `name` as two arguments. */
export function objectArg(ctx: CommandContext, args: readonly string[]): { info: KindInfo; name: string } {
  if (args.length === 2) return { info: resolveKind(ctx.scheme, args[0]), name: args[1] };
  const arg = args[0] ?? '';
  const slash = arg.indexOf('/');
  if (slash < 0) return { info: resolveKind(ctx.scheme, 'pods'), name: arg };
  return { info: resolveKind(ctx.scheme, arg.slice(0, slash)), name: arg.slice(slash + 1) };
}

/** The pod the object `info`/`name` stands for, picked and waited for as `choice` says. */
export async function choosePod(ctx: CommandContext, info: KindInfo, name: string, choice: PodChoice): Promise<corev1.Pod> {
  const deadline = Date.now() + choice.timeoutMs;
  const pods = resolveKind(ctx.scheme, 'pods');
  let pod: corev1.Pod;
  if (info === pods) pod = (await ctx.client().get(pods, ctx.namespace, name)) as corev1.Pod;
  else {
    const first = await firstPod(ctx, await podSelectorOf(ctx, info, name, choice.selectorError), choice.order, deadline);
    if (choice.announce && first.count > 1) ctx.err(`Found ${first.count} pods, using pod/${first.pod.metadata?.name}\n`);
    pod = first.pod;
  }
  return choice.waitForStart ? untilStarted(ctx, pod, deadline) : pod;
}
