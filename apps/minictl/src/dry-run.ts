// --dry-run: none (the default), client (print what would be sent, send nothing), or server (the
// server checks the request without persisting it).

import type { FlagDef } from './args';
import type { CommandContext } from './context';
import { CliError } from './errors';

export type DryRun = 'none' | 'client' | 'server';

export const DRY_RUN_FLAG: FlagDef = {
  name: 'dry-run',
  type: 'string',
  default: 'none',
  noOptDefault: 'unchanged',
  description: 'Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.',
};

/** The strategy of --dry-run; the old bare and boolean forms still work, with kubectl's warnings. */
export function dryRunOf(ctx: CommandContext): DryRun {
  const value = ctx.args.string('dry-run');
  switch (value) {
    case 'none':
    case 'client':
    case 'server':
      return value;
    case 'unchanged':
      ctx.err('Warning: --dry-run is deprecated and can be replaced with --dry-run=client.\n');
      return 'client';
    case 'true':
    case 'false':
      ctx.err(`Warning: --dry-run=${value} is deprecated (boolean value) and can be replaced with --dry-run=${value === 'true' ? 'client' : 'none'}.\n`);
      return value === 'true' ? 'client' : 'none';
    default:
      throw new CliError(`Invalid dry-run value (${value}). Must be "none", "server", or "client".`);
  }
}

/** What kubectl appends to `kind/name verb` under a dry run. */
export function dryRunSuffix(dryRun: DryRun): string {
  return dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
}
