// minictl config: view and edit the config file (clusters, contexts, current context).

import { stringify } from 'yaml';
import type { Command, CommandContext } from '../context';
import { findCluster, findContext, saveConfig, type KubeConfig } from '../config';
import { CliError } from '../errors';
import { toJsonText } from '../printers/serialize';
import { formatTable } from '../printers/tabwriter';
import { tableText } from '../printers/table';

function view(ctx: CommandContext, config: KubeConfig): void {
  let shown = config;
  if (ctx.args.bool('minify')) {
    const current = findContext(config, config['current-context']);
    if (!current) throw new CliError('current-context must exist in order to minify');
    const cluster = findCluster(config, current.context.cluster);
    shown = { ...config, contexts: [current], clusters: cluster ? [cluster] : [] };
  }
  const output = ctx.args.string('output');
  if (output === 'json') ctx.out(toJsonText(shown));
  else if (output === '' || output === 'yaml') ctx.out(stringify(shown, { indentSeq: false }));
  else throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json, yaml`);
}

function setCluster(ctx: CommandContext, config: KubeConfig, name: string): void {
  const server = ctx.args.string('server');
  const existing = findCluster(config, name);
  if (existing) {
    if (server) existing.cluster.server = server;
  } else {
    config.clusters.push({ name, cluster: { server } });
  }
  saveConfig(ctx.configPath, config);
  ctx.out(`Cluster "${name}" set.\n`);
}

function setContext(ctx: CommandContext, config: KubeConfig, nameArg: string | undefined): void {
  const current = ctx.args.bool('current');
  if (current && nameArg) throw new CliError('you cannot specify both a context name and --current');
  const name = current ? config['current-context'] : nameArg;
  if (!name) throw new CliError(current ? 'no current context is set' : 'unexpected args: []');
  const cluster = ctx.args.string('cluster');
  const namespace = ctx.args.string('namespace');
  let context = findContext(config, name);
  const created = !context;
  if (!context) {
    context = { name, context: { cluster: '' } };
    config.contexts.push(context);
  }
  if (cluster) context.context.cluster = cluster;
  if (ctx.args.has('namespace')) {
    if (namespace) context.context.namespace = namespace;
    else delete context.context.namespace;
  }
  saveConfig(ctx.configPath, config);
  ctx.out(`Context "${name}" ${created ? 'created' : 'modified'}.\n`);
}

function useContext(ctx: CommandContext, config: KubeConfig, name: string): void {
  if (!findContext(config, name)) throw new CliError(`no context exists with the name: "${name}"`);
  config['current-context'] = name;
  saveConfig(ctx.configPath, config);
  ctx.out(`Switched to context "${name}".\n`);
}

function getContexts(ctx: CommandContext, config: KubeConfig): void {
  const rows = config.contexts.map((c) => [
    c.name === config['current-context'] ? '*' : '',
    c.name,
    c.context.cluster,
    c.context.user ?? '',
    c.context.namespace ?? '',
  ]);
  ctx.out(formatTable(tableText([['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE'], ...rows])));
}

async function run(ctx: CommandContext): Promise<void> {
  const [sub, name, ...rest] = ctx.args.positionals;
  const config = ctx.config();
  const needName = (): string => {
    if (!name || rest.length > 0) throw new CliError(`Unexpected args: [${ctx.args.positionals.slice(1).join(' ')}]`);
    return name;
  };
  switch (sub) {
    case 'view':
      view(ctx, config);
      return;
    case 'set-cluster':
      setCluster(ctx, config, needName());
      return;
    case 'set-context':
      setContext(ctx, config, name);
      return;
    case 'use-context':
    case 'use':
      useContext(ctx, config, needName());
      return;
    case 'current-context':
      if (!config['current-context']) throw new CliError('current-context is not set');
      ctx.out(`${config['current-context']}\n`);
      return;
    case 'get-contexts':
      getContexts(ctx, config);
      return;
    case undefined:
      ctx.out(configCommand.usage);
      return;
    default:
      throw new CliError(`unknown command "${sub}" for "minictl config"`);
  }
}

export const configCommand: Command = {
  name: 'config',
  summary: 'Modify the minictl config file',
  usage: `Modify the minictl config file (~/.minik8s/config; MINIK8S_CONFIG or --kubeconfig name another).

Available Commands:
  current-context   Display the current-context
  get-contexts      Describe the contexts in the config file
  set-cluster       Set a cluster entry (--server) in the config file
  set-context       Set a context entry (--cluster, --namespace) in the config file
  use-context       Set the current-context in the config file
  view              Display the config file

Examples:
  minictl config set-cluster local --server=127.0.0.1:6443
  minictl config set-context local --cluster=local --namespace=default
  minictl config use-context local

Usage:
  minictl config SUBCOMMAND [options]
`,
  flags: [
    { name: 'cluster', type: 'string', description: 'set-context: the cluster of the context entry.' },
    { name: 'current', type: 'bool', description: 'set-context: modify the current context.' },
    { name: 'minify', type: 'bool', description: 'view: show only the current context and its cluster.' },
    { name: 'output', short: 'o', type: 'string', description: 'view: output format, yaml (default) or json.' },
  ],
  run,
};
