// minictl cordon / uncordon: mark nodes (un)schedulable through spec.unschedulable. Also the node
// arguments and cordoning that drain shares.

import type { corev1, KindInfo } from '@minik8s/api';
import { MERGE_PATCH } from '@minik8s/client';
import { UsageError } from '../args';
import type { Command, CommandContext } from '../context';
import { dryRunOf, dryRunSuffix, DRY_RUN_FLAG, type DryRun } from '../dry-run';
import { CliError } from '../errors';
import { objectRef, resolveKind } from '../resources';
import { SELECTOR_FLAG } from './get';

/** `n1`, or `node/n1` (`nodes/n1`, `no/n1`): the node name. */
export function nodeName(ctx: CommandContext, arg: string): string {
  const slash = arg.indexOf('/');
  if (slash < 0) return arg;
  const info = ctx.scheme.resolve(arg.slice(0, slash));
  if (!info || info.kind !== 'Node' || info.group !== '') throw new CliError(`invalid resource type ${arg.slice(0, slash)}, only "node,nodes" are supported`);
  return arg.slice(slash + 1);
}

/** The nodes named on the command line, or those matching -l; `use` is the usage line for the error. */
export async function selectNodes(ctx: CommandContext, names: readonly string[], use: string): Promise<corev1.Node[]> {
  const selector = ctx.args.string('selector');
  if (names.length === 0 && !ctx.args.has('selector')) throw new UsageError(`USAGE: ${use} [flags]`);
  if (names.length > 0 && ctx.args.has('selector')) throw new UsageError('cannot specify both a node name and a --selector option');
  const info = resolveKind(ctx.scheme, 'nodes');
  if (names.length === 0) return (await ctx.client().list(info, undefined, { labelSelector: selector || undefined })).items as corev1.Node[];
  const nodes: corev1.Node[] = [];
  for (const arg of names) nodes.push((await ctx.client().get(info, undefined, nodeName(ctx, arg))) as corev1.Node);
  return nodes;
}

/** Sets spec.unschedulable and prints `node/n1 cordoned` (or `already cordoned`). */
export async function setUnschedulable(ctx: CommandContext, info: KindInfo, node: corev1.Node, desired: boolean, dryRun: DryRun): Promise<void> {
  const name = node.metadata?.name ?? '';
  const verb = desired ? 'cordoned' : 'uncordoned';
  if (Boolean(node.spec?.unschedulable) === desired) {
    ctx.out(`${objectRef(info, name)} already ${verb}\n`);
    return;
  }
  if (dryRun !== 'client') {
    try {
      // Unschedulable false is the field's absence, as kubectl's patch leaves it.
      await ctx.client().patch(info, undefined, name, MERGE_PATCH, { spec: { unschedulable: desired ? true : null } }, '');
    } catch (err) {
      throw new CliError(`unable to ${desired ? 'cordon' : 'uncordon'} node "${name}": ${(err as Error).message}`);
    }
  }
  ctx.out(`${objectRef(info, name)} ${verb}${dryRunSuffix(dryRun)}\n`);
}

function cordonCommand_(name: 'cordon' | 'uncordon'): Command {
  const desired = name === 'cordon';
  return {
    name,
    summary: desired ? 'Mark node as unschedulable' : 'Mark node as schedulable',
    usage: desired
      ? `Mark node as unschedulable.

Examples:
  # Mark node "foo" as unschedulable
  minictl cordon foo

Usage:
  minictl cordon NODE [options]
`
      : `Mark node as schedulable.

Examples:
  # Mark node "foo" as schedulable
  minictl uncordon foo

Usage:
  minictl uncordon NODE [options]
`,
    flags: [SELECTOR_FLAG, DRY_RUN_FLAG],
    async run(ctx) {
      const dryRun = dryRunOf(ctx);
      const nodes = await selectNodes(ctx, ctx.args.positionals, `${name} NODE`);
      const info = resolveKind(ctx.scheme, 'nodes');
      for (const node of nodes) {
        try {
          await setUnschedulable(ctx, info, node, desired, dryRun);
        } catch (err) {
          ctx.fail(err);
        }
      }
    },
  };
}

export const cordonCommand = cordonCommand_('cordon');
export const uncordonCommand = cordonCommand_('uncordon');
