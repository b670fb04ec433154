// minictl version: the client's version and the server's.

import type { VersionInfo } from '@minik8s/api';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';
import { toJsonText, toYamlText } from '../printers/serialize';

export const CLIENT_VERSION: VersionInfo = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-minik8s.0.1.0',
  gitCommit: '',
  buildDate: '',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch}`,
};

async function run(ctx: CommandContext): Promise<void> {
  const output = ctx.args.string('output');
  if (output !== '' && output !== 'json' && output !== 'yaml') throw new CliError(`--output must be 'yaml' or 'json'`);
  const clientOnly = ctx.args.bool('client');
  let server: VersionInfo | undefined;
  let serverError: unknown;
  if (!clientOnly) {
    try {
      server = await ctx.client().version();
    } catch (err) {
      serverError = err;
    }
  }
  if (output) {
    const doc = { clientVersion: CLIENT_VERSION, ...(server ? { serverVersion: server } : {}) };
    ctx.out(output === 'json' ? toJsonText(doc) : toYamlText(doc));
  } else {
    ctx.out(`Client Version: ${CLIENT_VERSION.gitVersion}\n`);
    if (server) ctx.out(`Server Version: ${server.gitVersion ?? ''}\n`);
  }
  if (serverError) ctx.fail(serverError);
}

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the client and server version information',
  usage: `Print the client and server version information for the current context.

Examples:
  # Print the client and server versions for the current context
  minictl version

Usage:
  minictl version [flags] [options]
`,
  flags: [
    { name: 'client', type: 'bool', description: 'If true, shows client version only (no server required).' },
    { name: 'output', short: 'o', type: 'string', description: "One of 'yaml' or 'json'." },
  ],
  run,
};
