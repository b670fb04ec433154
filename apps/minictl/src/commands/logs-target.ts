// Which pod `logs TYPE/NAME` reads, as kubectl's polymorphic helpers pick it (LogsForObject,
// GetFirstPod): the selected pods ordered for logging (podutils.ByLogging), or, when the workload
// has no pod yet, the first one to appear within --pod-running-timeout.

import type { corev1 } from '@minik8s/api';
import type { CommandContext } from '../context';
import { CliError } from '../errors';
import { resolveKind } from '../resources';

/** Ranks of pod phases for logging: Running before Unknown before Pending (and the rest). */
const PHASE_RANK: Record<string, number> = { Running: 2, Unknown: 1, Pending: 0 };

function readyCondition(pod: corev1.Pod): corev1.PodCondition | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
}

function isReady(pod: corev1.Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

function maxRestarts(pod: corev1.Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((s) => s.restartCount ?? 0));
}

/** Earlier first; a missing time goes last (Kubernetes' afterOrZero). */
function byTimeZeroLast(a: string | undefined, b: string | undefined): number {
  const ta = a ? Date.parse(a) : NaN;
  const tb = b ? Date.parse(b) : NaN;
  if (Number.isNaN(ta) || Number.isNaN(tb)) return Number.isNaN(ta) === Number.isNaN(tb) ? 0 : Number.isNaN(ta) ? 1 : -1;
  return ta - tb;
}

/**
 * kubectl's ByLogging order, most interesting first: on a node, then Running, then ready, then
 * ready the longest, then most restarted, then oldest.
 */
export function byLogging(a: corev1.Pod, b: corev1.Pod): number {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (!nodeA || !nodeB)) return nodeA ? -1 : 1;
  const phase = (PHASE_RANK[b.status?.phase ?? ''] ?? 0) - (PHASE_RANK[a.status?.phase ?? ''] ?? 0);
  if (phase !== 0) return phase;
  if (isReady(a) !== isReady(b)) return isReady(a) ? -1 : 1;
  if (isReady(a)) {
    const ready = byTimeZeroLast(readyCondition(a)?.lastTransitionTime, readyCondition(b)?.lastTransitionTime);
    if (ready !== 0) return ready;
  }
  const restarts = maxRestarts(b) - maxRestarts(a);
  if (restarts !== 0) return restarts;
  return byTimeZeroLast(a.metadata?.creationTimestamp, b.metadata?.creationTimestamp);
}

/**
 * The pod to read for a workload's `selector`, and how many pods it has. With none yet, watches
 * for the first to be added or changed, for at most `timeoutMs`, as kubectl's GetFirstPod does.
 */
export async function firstPodForLogs(ctx: CommandContext, selector: string, timeoutMs: number): Promise<{ pod: corev1.Pod; count: number }> {
  const pods = resolveKind(ctx.scheme, 'pods');
  const client = ctx.client();
  const list = await client.list(pods, ctx.namespace, { labelSelector: selector });
  const items = [...(list.items as corev1.Pod[])];
  if (items.length > 0) return { pod: items.sort(byLogging)[0], count: items.length };

  const stream = client.watch(pods, ctx.namespace, { labelSelector: selector, resourceVersion: list.resourceVersion });
  let timedOut = false;
  const stop = (): void => stream.close();
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, timeoutMs);
  ctx.io.signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const event of stream) {
      if (event.type === 'ADDED' || event.type === 'MODIFIED') return { pod: event.object as corev1.Pod, count: 1 };
    }
  } finally {
    clearTimeout(timer);
    ctx.io.signal.removeEventListener('abort', stop);
    stream.close();
  }
  if (timedOut) throw new CliError('timed out waiting for the condition');
  // Interrupted, or the server ended the watch: kubectl's UntilWithoutRetry gives up the same way.
  throw new CliError(ctx.io.signal.aborted ? 'interrupted' : 'watch closed before UntilWithoutRetry timeout');
}
