// minictl create -f: create every object of the manifests (AlreadyExists when one exists).
// `minictl create namespace NAME` creates a namespace without a file.

import type { ApiObject } from '@minik8s/api';
import { withLastApplied } from '../apply-patch';
import type { Command, CommandContext } from '../context';
import { CliError, withSource } from '../errors';
import { resolveKind } from '../resources';
import { FILENAME_FLAG, OUTPUT_FLAG, RECURSIVE_FLAG } from './get';
import { manifestsOf, ResultPrinter, withNamespace } from './manifest-command';

async function createNamespace(ctx: CommandContext, printer: ResultPrinter): Promise<void> {
  const [, name, ...rest] = ctx.args.positionals;
  if (!name || rest.length > 0) throw new CliError('exactly one NAME is required, got ' + (name ? rest.length + 1 : 0));
  const info = resolveKind(ctx.scheme, 'namespaces');
  const created = await ctx.client().create(info, { metadata: { name } } as ApiObject, undefined);
  printer.done(info, created, 'created');
}

async function run(ctx: CommandContext): Promise<void> {
  const printer = new ResultPrinter(ctx);
  const [sub] = ctx.args.positionals;
  if (sub === 'namespace' || sub === 'ns') {
    await createNamespace(ctx, printer);
    return;
  }
  if (sub !== undefined) throw new CliError(`Unexpected args: [${ctx.args.positionals.join(' ')}]`);
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

Usage:
  minictl create -f FILENAME [options]
  minictl create namespace NAME [options]
`,
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    OUTPUT_FLAG,
    { name: 'save-config', type: 'bool', description: 'If true, the configuration of the object is saved in its annotation, so later `minictl apply` calls see it.' },
  ],
  run,
};
