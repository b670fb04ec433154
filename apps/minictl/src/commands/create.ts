// minictl create -f: create every object of the manifests (AlreadyExists when one exists).
// `minictl create namespace|deployment|job NAME` creates one object without a file.

import type { ApiObject } from '@minik8s/api';
import { withLastApplied } from '../apply-patch';
import type { Command, CommandContext } from '../context';
import { DRY_RUN_FLAG } from '../dry-run';
import { CliError, withSource } from '../errors';
import { resolveKind } from '../resources';
import { createDeploymentCommand } from './create-deployment';
import { createGenerated, nameAndCommand } from './create-generated';
import { createJobCommand } from './create-job';
import { FILENAME_FLAG, OUTPUT_FLAG, RECURSIVE_FLAG } from './get';
import { manifestsOf, ResultPrinter, withNamespace } from './manifest-command';

const createNamespaceCommand: Command = {
  name: 'namespace',
  aliases: ['ns'],
  summary: 'Create a namespace with the specified name',
  usage: `Create a namespace with the specified name.

Examples:
  # Create a new namespace named my-namespace
  minictl create namespace my-namespace

Usage:
  minictl create namespace NAME [options]
`,
  flags: [OUTPUT_FLAG, DRY_RUN_FLAG],
  async run(ctx) {
    const { name, command } = nameAndCommand(ctx);
    if (command.length > 0) throw new CliError(`exactly one NAME is required, got ${command.length + 1}`);
    await createGenerated(ctx, resolveKind(ctx.scheme, 'namespaces'), { metadata: { name } } as ApiObject);
  },
};

async function run(ctx: CommandContext): Promise<void> {
  const printer = new ResultPrinter(ctx);
  if (ctx.args.positionals.length > 0) throw new CliError(`Unexpected args: [${ctx.args.positionals.join(' ')}]`);
  for (const manifest of await manifestsOf(ctx, 'create')) {
    try {
      const { namespace, obj } = withNamespace(ctx, manifest);
      const toCreate = ctx.args.bool('save-config')
        ? ctx.scheme.fromJson(withLastApplied(ctx.scheme.toJson(manifest.info, obj))).obj
        : obj;
      try {
        printer.done(manifest.info, await ctx.client().create(manifest.info, toCreate, namespace), 'created');
      } catch (err) {
        throw withSource(err, 'creating', manifest.source);
      }
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const createCommand: Command = {
  name: 'create',
  summary: 'Create a resource from a file or from stdin',
  usage: `Create a resource from a file or from stdin. JSON and YAML formats are accepted.

Examples:
  # Create a pod using the data in pod.yaml
  minictl create -f ./pod.yaml

  # Create a namespace
  minictl create namespace staging

  # Create a deployment, or a job from a cron job
  minictl create deployment web --image=nginx --replicas=3 --port=80
  minictl create job backup-now --from=cronjob/backup

Usage:
  minictl create -f FILENAME [options]
`,
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    OUTPUT_FLAG,
    { name: 'save-config', type: 'bool', description: 'If true, the configuration of the object is saved in its annotation, so later `minictl apply` calls see it.' },
  ],
  subcommands: [createDeploymentCommand, createJobCommand, createNamespaceCommand],
  run,
};
