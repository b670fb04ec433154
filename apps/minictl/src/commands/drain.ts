// minictl drain: cordon nodes, then evict (delete gracefully) their pods and wait until the pods
// are gone. Pods no controller would replace, pods with emptyDir data and DaemonSet pods stop the
// drain unless the flags allow them; mirror pods are left alone.

import { isNotFound, type corev1, type DeleteOptions, type KindInfo } from '@minik8s/api';
import { formatDuration } from '@minik8s/flags';
import type { Command, CommandContext } from '../context';
import { dryRunOf, dryRunSuffix, DRY_RUN_FLAG, type DryRun } from '../dry-run';
import { parseDurationArg } from '../duration';
import { AggregateCliError, CliError } from '../errors';
import { objectRef, resolveKind } from '../resources';
import { waitFor } from '../wait';
import { controllerOf } from '../workloads';
import { selectNodes, setUnschedulable } from './cordon';
import { podsForDeletion, type DrainFilterOptions, type PodDeleteList, type PodFacts } from './drain-filters';
import { SELECTOR_FLAG } from './get';

interface DrainSettings {
  filters: DrainFilterOptions;
  gracePeriod: number;
  timeoutMs: number;
  podSelector: string;
  disableEviction: boolean;
  dryRun: DryRun;
  pollMs: number;
}

/** The pods on the node with what the filters need to know about their DaemonSets. */
async function podFacts(ctx: CommandContext, nodeName: string, podSelector: string): Promise<PodFacts[]> {
  const client = ctx.client();
  const podInfo = resolveKind(ctx.scheme, 'pods');
  const dsInfo = resolveKind(ctx.scheme, 'daemonsets.apps');
  const list = await client.list(podInfo, undefined, { fieldSelector: `spec.nodeName=${nodeName}`, labelSelector: podSelector || undefined });
  const facts: PodFacts[] = [];
  for (const pod of list.items as corev1.Pod[]) {
    const ref = controllerOf(pod);
    const phase = pod.status?.phase;
    if (ref?.kind !== 'DaemonSet' || phase === 'Succeeded' || phase === 'Failed') {
      facts.push({ pod });
      continue;
    }
    try {
      await client.get(dsInfo, pod.metadata?.namespace, ref.name ?? '');
      facts.push({ pod });
    } catch (err) {
      facts.push({ pod, daemonSetLookup: { error: (err as Error).message, notFound: isNotFound(err) } });
    }
  }
  return facts;
}

async function listForDeletion(ctx: CommandContext, nodeName: string, settings: DrainSettings): Promise<PodDeleteList> {
  return podsForDeletion(await podFacts(ctx, nodeName, settings.podSelector), settings.filters);
}

/** Whether the pod (this very one, by uid) is gone from the API. */
async function gone(ctx: CommandContext, podInfo: KindInfo, pod: corev1.Pod): Promise<boolean> {
  try {
    const current = await ctx.client().get(podInfo, pod.metadata?.namespace, pod.metadata?.name ?? '');
    return current.metadata?.uid !== pod.metadata?.uid;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

/** Evicts (deletes gracefully) the pods, then waits for each to be gone, reporting it when it is. */
async function evictPods(ctx: CommandContext, pods: readonly corev1.Pod[], settings: DrainSettings): Promise<void> {
  const podInfo = resolveKind(ctx.scheme, 'pods');
  const options: DeleteOptions = settings.gracePeriod >= 0 ? { gracePeriodSeconds: settings.gracePeriod } : {};
  const verb = settings.disableEviction ? 'deleted' : 'evicted';
  for (const pod of pods) {
    if (!settings.disableEviction) ctx.out(`evicting pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}\n`);
    try {
      await ctx.client().delete(podInfo, pod.metadata?.namespace, pod.metadata?.name ?? '', options);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  let pending = [...pods];
  const timeoutMs = settings.timeoutMs > 0 ? settings.timeoutMs : 365 * 24 * 3_600_000;
  try {
    await waitFor(
      ctx.io.signal,
      timeoutMs,
      async () => {
        const left: corev1.Pod[] = [];
        for (const pod of pending) {
          if (await gone(ctx, podInfo, pod)) ctx.out(`${objectRef(podInfo, pod)} ${verb}\n`);
          else left.push(pod);
        }
        pending = left;
        return pending.length === 0;
      },
      settings.pollMs,
    );
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    throw new CliError(
      settings.disableEviction ? 'timed out waiting for the condition' : `drain did not complete within ${formatDuration(settings.timeoutMs)}`,
    );
  }
}

/** Drains one node: fails with the filters' errors, or evicts its pods and waits for them. */
async function drainNode(ctx: CommandContext, nodeName: string, settings: DrainSettings): Promise<void> {
  const list = await listForDeletion(ctx, nodeName, settings);
  if (list.errors.length > 0) throw new AggregateCliError(list.errors, true);
  if (list.warnings) ctx.err(`Warning: ${list.warnings}\n`);
  if (settings.dryRun === 'client') {
    for (const pod of list.pods) ctx.out(`evicting pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''} (dry run)\n`);
    return;
  }
  try {
    await evictPods(ctx, list.pods, settings);
  } catch (err) {
    const pending = await listForDeletion(ctx, nodeName, settings).catch(() => undefined);
    if (pending && pending.pods.length > 0) {
      ctx.err(`There are pending pods in node "${nodeName}" when an error occurred: ${(err as Error).message}\n`);
      for (const pod of pending.pods) ctx.err(`pod/${pod.metadata?.name ?? ''}\n`);
    }
    throw err;
  }
}

async function run(ctx: CommandContext): Promise<void> {
  const dryRun = dryRunOf(ctx);
  const settings: DrainSettings = {
    filters: {
      force: ctx.args.bool('force'),
      ignoreDaemonSets: ctx.args.bool('ignore-daemonsets'),
      deleteEmptyDirData: ctx.args.bool('delete-emptydir-data') || ctx.args.bool('delete-local-data'),
    },
    gracePeriod: ctx.args.int('grace-period'),
    timeoutMs: parseDurationArg(ctx.args.string('timeout'), 'timeout'),
    podSelector: ctx.args.string('pod-selector'),
    disableEviction: ctx.args.bool('disable-eviction'),
    dryRun,
    pollMs: 500,
  };
  if (ctx.args.bool('delete-local-data')) ctx.err('Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. Use --delete-emptydir-data.\n');
  const nodes = await selectNodes(ctx, ctx.args.positionals, 'drain NODE');
  const info = resolveKind(ctx.scheme, 'nodes');
  // Every node is cordoned before any is drained, so evicted pods cannot land on the next one.
  for (const node of nodes) await setUnschedulable(ctx, info, node, true, dryRun);
  const drained = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    try {
      await drainNode(ctx, name, settings);
      drained.add(name);
      ctx.out(`${objectRef(info, name)} drained${dryRunSuffix(dryRun)}\n`);
    } catch (err) {
      ctx.err(`error: unable to drain node "${name}" due to error:${(err as Error).message}, continuing command...\n`);
      const remaining = nodes.map((n) => n.metadata?.name ?? '').filter((n) => !drained.has(n));
      if (remaining.length > 0) ctx.err(`There are pending nodes to be drained:\n${remaining.map((n) => ` ${n}\n`).join('')}`);
      throw err;
    }
  }
}

export const drainCommand: Command = {
  name: 'drain',
  summary: 'Drain node in preparation for maintenance',
  usage: `Drain node in preparation for maintenance.

The given node will be marked unschedulable to prevent new pods from arriving. Then drain deletes all pods
except mirror pods (which cannot be deleted through the API server). If there are daemon set-managed pods,
drain will not proceed without --ignore-daemonsets, and regardless it will not delete any daemon set-managed
pods, because those pods would be immediately replaced by the daemon set controller, which ignores
unschedulable markings. If there are any pods that are neither mirror pods nor managed by a replication
controller, replica set, daemon set, stateful set, or job, then drain will not delete any pods unless you use
--force. --force will also allow deletion to proceed if the managing resource of one or more pods is missing.

Pods are evicted by deleting them gracefully; drain waits until they are gone (or --timeout passes).

When you are ready to put the node back into service, use minictl uncordon, which will make the node
schedulable again.

Examples:
  # Drain node "foo", even if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set on it
  minictl drain foo --force

  # As above, but abort if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set, and use a grace period of 15 minutes
  minictl drain foo --grace-period=900

Usage:
  minictl drain NODE [options]
`,
  flags: [
    { name: 'force', type: 'bool', description: 'Continue even if there are pods that do not declare a controller.' },
    { name: 'ignore-daemonsets', type: 'bool', description: 'Ignore DaemonSet-managed pods.' },
    { name: 'delete-emptydir-data', type: 'bool', description: 'Continue even if there are pods using emptyDir (local data that will be deleted when the node is drained).' },
    { name: 'delete-local-data', type: 'bool', description: 'Deprecated: use --delete-emptydir-data.' },
    { name: 'grace-period', type: 'int', default: -1, description: 'Period of time in seconds given to each pod to terminate gracefully. If negative, the default value specified in the pod will be used.' },
    { name: 'timeout', type: 'string', default: '0s', description: 'The length of time to wait before giving up, zero means infinite' },
    { name: 'pod-selector', type: 'string', description: 'Label selector to filter pods on the node' },
    { name: 'disable-eviction', type: 'bool', description: 'Force drain to use delete, even if eviction is supported.' },
    SELECTOR_FLAG,
    DRY_RUN_FLAG,
  ],
  run,
};
