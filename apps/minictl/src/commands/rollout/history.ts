// minictl rollout history: the revisions of a Deployment (its ReplicaSets) or of a DaemonSet or
// StatefulSet (its ControllerRevisions), or one revision's pod template with --revision.

import type { Command, CommandContext } from '../../context';
import { CliError } from '../../errors';
import { objectRef } from '../../resources';
import { resolveTargets, type Target } from '../../targets';
import { RESOURCE_FLAGS } from './common';
import { historyTable, listRevisions, templateText } from './revisions';

async function historyOf(ctx: CommandContext, target: Target, revision: number): Promise<string> {
  const obj = await ctx.client().get(target.info, target.namespace, target.name);
  const revisions = await listRevisions(ctx.client(), ctx.scheme, target.info, obj);
  if (revision > 0) {
    if (revisions.length === 0) return 'No rollout history found.';
    const found = revisions.find((r) => r.revision === revision);
    if (!found) throw new CliError('unable to find the specified revision');
    return templateText(found.template);
  }
  return historyTable(revisions);
}

async function run(ctx: CommandContext): Promise<void> {
  const revision = ctx.args.int('revision');
  const targets = await resolveTargets(ctx, ctx.args.positionals, 'rollout history');
  for (const target of targets) {
    try {
      const text = await historyOf(ctx, target, revision);
      const heading = revision > 0 ? `with revision #${revision}` : '';
      ctx.out(`${objectRef(target.info, target.name)} ${heading}\n${text}\n`);
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const rolloutHistoryCommand: Command = {
  name: 'history',
  summary: 'View rollout history',
  usage: `View previous rollout revisions and configurations.

Examples:
  # View the rollout history of a deployment
  minictl rollout history deployment/abc

  # View the details of daemonset revision 3
  minictl rollout history daemonset/abc --revision=3

Usage:
  minictl rollout history (TYPE NAME | TYPE/NAME) [flags] [options]
`,
  flags: [
    { name: 'revision', type: 'int', default: 0, description: 'See the details, including podTemplate of the revision specified' },
    ...RESOURCE_FLAGS,
  ],
  run,
};
