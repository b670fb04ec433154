// minictl api-versions: every group/version the server serves, from the same discovery document
// api-resources reads.

import type { APIResource } from '@minik8s/api';
import { UsageError } from '../args';
import type { Command, CommandContext } from '../context';

/**
 * `group/version` (or `version` for the core group) of each discovery entry, once each, sorted as
 * Go's sort.Strings does: by code unit, so `v1` comes after every `group/version`.
 */
export function groupVersions(resources: readonly APIResource[]): string[] {
  const versions = new Set(resources.filter((r) => r.version).map((r) => (r.group ? `${r.group}/${r.version ?? ''}` : (r.version ?? ''))));
  return [...versions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function run(ctx: CommandContext): Promise<void> {
  if (ctx.args.positionals.length > 0) throw new UsageError(`unexpected arguments: [${ctx.args.positionals.join(' ')}]`);
  const versions = groupVersions((await ctx.client().discovery()).resources ?? []);
  ctx.out(versions.map((v) => `${v}\n`).join(''));
}

export const apiVersionsCommand: Command = {
  name: 'api-versions',
  summary: 'Print the supported API versions on the server, in the form of "group/version"',
  usage: `Print the supported API versions on the server, in the form of "group/version".

Examples:
  # Print the supported API versions
  minictl api-versions

Usage:
  minictl api-versions [options]
`,
  flags: [],
  run,
};
