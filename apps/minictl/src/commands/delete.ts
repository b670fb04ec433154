// minictl delete: by TYPE NAME..., TYPE/NAME, -f FILE, or a whole kind with --all or -l.

import { isNotFound, type DeleteOptions, type KindInfo } from '@minik8s/api';
import type { Command, CommandContext } from '../context';
import { parseDurationArg } from '../duration';
import { CliError } from '../errors';
import { readManifests } from '../manifests';
import { kindRef, parseResourceArgs } from '../resources';
import { waitFor } from '../wait';
import { ALL_NAMESPACES_FLAG, FILENAME_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG } from './get';

interface Target {
  info: KindInfo;
  namespace: string | undefined;
  name: string;
}

const CASCADE: Record<string, string> = {
  background: 'Background',
  true: 'Background',
  foreground: 'Foreground',
  orphan: 'Orphan',
  false: 'Orphan',
};

function deleteOptions(ctx: CommandContext): { options: DeleteOptions; force: boolean } {
  let grace = ctx.args.int('grace-period');
  const force = ctx.args.bool('force');
  if (ctx.args.bool('now')) {
    if (grace !== -1) throw new CliError('--now and --grace-period cannot be specified together');
    grace = 1;
  }
  if (grace === 0 && !force) grace = 1; // kubectl's guard against accidental immediate deletion
  if (force && grace < 0) grace = 0;
  const cascade = ctx.args.string('cascade');
  const policy = CASCADE[cascade];
  if (!policy) throw new CliError(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan".`);
  return { options: { gracePeriodSeconds: grace >= 0 ? grace : undefined, propagationPolicy: policy }, force: force && grace === 0 };
}

async function targetsOf(ctx: CommandContext): Promise<Target[]> {
  const all = ctx.args.bool('all');
  const selector = ctx.args.string('selector');
  const allNamespaces = ctx.args.bool('all-namespaces');
  const filenames = ctx.args.strings('filename');
  if (filenames.length > 0) {
    if (ctx.args.positionals.length > 0) throw new CliError('resource(s) were provided, but also -f; use one or the other');
    const { manifests, errors } = await readManifests(ctx.scheme, filenames, { recursive: ctx.args.bool('recursive'), readStdin: ctx.io.readStdin });
    errors.forEach((e) => ctx.fail(e));
    return manifests.map((m) => ({ info: m.info, namespace: ctx.namespaceFor(m.info, m.obj.metadata?.namespace), name: m.obj.metadata?.name ?? '' }));
  }
  const targets: Target[] = [];
  for (const { info, names } of parseResourceArgs(ctx.scheme, ctx.args.positionals, 'delete')) {
    const namespace = info.namespaced && !allNamespaces ? ctx.namespace : undefined;
    if (names.length > 0) {
      if (all || selector) throw new CliError('name cannot be provided when a selector or --all is specified');
      targets.push(...names.map((name) => ({ info, namespace, name })));
      continue;
    }
    if (!all && !selector) throw new CliError('resource(s) were provided, but no name was specified');
    const list = await ctx.client().list(info, namespace, { labelSelector: selector || undefined, fieldSelector: ctx.args.string('field-selector') || undefined });
    targets.push(...list.items.map((obj) => ({ info, namespace: obj.metadata?.namespace || undefined, name: obj.metadata?.name ?? '' })));
  }
  return targets;
}

async function waitUntilGone(ctx: CommandContext, target: Target, uid: string | undefined, timeoutMs: number): Promise<void> {
  await waitFor(ctx.io.signal, timeoutMs, async () => {
    try {
      const current = await ctx.client().get(target.info, target.namespace, target.name);
      return uid !== undefined && current.metadata?.uid !== uid;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  });
}

async function run(ctx: CommandContext): Promise<void> {
  const { options, force } = deleteOptions(ctx);
  const timeout = parseDurationArg(ctx.args.string('timeout'), 'timeout');
  const targets = await targetsOf(ctx);
  if (targets.length === 0) {
    if (ctx.exitCode === 0) ctx.err('No resources found\n');
    return;
  }
  if (force) {
    ctx.err('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
  }
  for (const target of targets) {
    try {
      const deleted = await ctx.client().delete(target.info, target.namespace, target.name, options);
      ctx.out(`${kindRef(target.info)} "${target.name}" ${force ? 'force deleted' : 'deleted'}\n`);
      if (ctx.args.bool('wait')) await waitUntilGone(ctx, target, deleted.metadata?.uid, timeout > 0 ? timeout : 7 * 24 * 3_600_000);
    } catch (err) {
      if (ctx.args.bool('ignore-not-found') && isNotFound(err)) continue;
      ctx.fail(err);
    }
  }
}

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Delete resources by file names, stdin, resources and names, or by resources and label selector',
  usage: `Delete resources by file names, stdin, resources and names, or by resources and label selector.

Pods are deleted gracefully: they get a deletion timestamp and the kubelet removes them once their
containers stopped. --grace-period=0 --force removes them from the API at once.

Examples:
  # Delete a pod by name, and all pods with label app=kubia
  minictl delete pod kubia
  minictl delete pods -l app=kubia

  # Delete the objects of a manifest
  minictl delete -f ./pod.yaml

  # Delete all pods in the namespace, immediately
  minictl delete pods --all --grace-period=0 --force

Usage:
  minictl delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)]) [options]
`,
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    SELECTOR_FLAG,
    { name: 'field-selector', type: 'string', description: 'Selector (field query) to filter on, with --all or -l.' },
    { name: 'all', type: 'bool', description: 'Delete all resources, in the namespace of the specified resource types.' },
    ALL_NAMESPACES_FLAG,
    { name: 'grace-period', type: 'int', default: -1, description: 'Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion).' },
    { name: 'now', type: 'bool', description: 'If true, resources are signaled for immediate shutdown (same as --grace-period=1).' },
    { name: 'force', type: 'bool', description: 'If true, immediately remove resources from API and bypass graceful deletion.' },
    { name: 'cascade', type: 'string', default: 'background', description: 'Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents (e.g. Pods created by a ReplicationController).' },
    { name: 'ignore-not-found', type: 'bool', description: 'Treat "resource not found" as a successful delete.' },
    { name: 'wait', type: 'bool', default: false, description: 'If true, wait for resources to be gone before returning. This waits for finalizers.' },
    { name: 'timeout', type: 'string', default: '0s', description: 'The length of time to wait before giving up on a delete, zero means wait indefinitely.' },
  ],
  run,
};
