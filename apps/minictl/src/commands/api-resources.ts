// minictl api-resources: the resource types the server serves, from its discovery.

import type { APIResource } from '@minik8s/api';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';
import { formatTable } from '../printers/tabwriter';
import { tableText } from '../printers/table';

function apiVersion(r: APIResource): string {
  return r.group ? `${r.group}/${r.version ?? ''}` : (r.version ?? '');
}

async function run(ctx: CommandContext): Promise<void> {
  const output = ctx.args.string('output');
  if (output !== '' && output !== 'wide' && output !== 'name') {
    throw new CliError(`--output ${output} is not available`);
  }
  const group = ctx.args.has('api-group') ? ctx.args.string('api-group') : undefined;
  const namespaced = ctx.args.has('namespaced') ? ctx.args.bool('namespaced') : undefined;
  const verbs = ctx.args.strings('verbs').flatMap((v) => v.split(','));
  const resources = ((await ctx.client().discovery()).resources ?? [])
    // Subresources (`pods/log`) are discovery entries of their own; kubectl lists only resources.
    .filter((r) => !(r.name ?? '').includes('/'))
    .filter((r) => group === undefined || (r.group ?? '') === group)
    .filter((r) => namespaced === undefined || Boolean(r.namespaced) === namespaced)
    .filter((r) => verbs.every((v) => (r.verbs ?? []).includes(v)))
    .sort((a, b) => (a.group ?? '').localeCompare(b.group ?? '') || (a.name ?? '').localeCompare(b.name ?? ''));

  if (output === 'name') {
    ctx.out(resources.map((r) => `${r.name}${r.group ? `.${r.group}` : ''}\n`).join(''));
    return;
  }
  const wide = output === 'wide';
  const header = ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', ...(wide ? ['VERBS', 'CATEGORIES'] : [])];
  const rows = resources.map((r) => [
    r.name ?? '',
    (r.shortNames ?? []).join(','),
    apiVersion(r),
    String(Boolean(r.namespaced)),
    r.kind ?? '',
    ...(wide ? [`[${(r.verbs ?? []).join(' ')}]`, (r.categories ?? []).join(',')] : []),
  ]);
  ctx.out(formatTable(tableText(ctx.args.bool('no-headers') ? rows : [header, ...rows])));
}

export const apiResourcesCommand: Command = {
  name: 'api-resources',
  summary: 'Print the supported API resources on the server',
  usage: `Print the supported API resources on the server.

Examples:
  # Print the supported API resources
  minictl api-resources

  # Print the supported API resources with more information
  minictl api-resources -o wide

  # Print the supported non-namespaced resources
  minictl api-resources --namespaced=false

Usage:
  minictl api-resources [flags] [options]
`,
  flags: [
    { name: 'output', short: 'o', type: 'string', description: 'Output format. One of: (wide, name).' },
    { name: 'api-group', type: 'string', description: 'Limit to resources in the specified API group.' },
    { name: 'namespaced', type: 'bool', default: true, description: 'If false, non-namespaced resources will be returned, otherwise returning namespaced resources by default.' },
    { name: 'verbs', type: 'stringArray', description: 'Limit to resources that support the specified verbs.' },
    { name: 'no-headers', type: 'bool', description: 'When using the default or custom-column output format, don\'t print headers (default print headers).' },
  ],
  run,
};
