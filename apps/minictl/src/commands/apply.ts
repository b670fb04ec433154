// minictl apply -f: create what does not exist; otherwise patch what changed since the last apply.

import { isNotFound, type JsonObject } from '@minik8s/api';
import { MERGE_PATCH } from '@minik8s/client';
import { lastApplied, threeWayMergePatch, withLastApplied } from '../apply-patch';
import type { Command, CommandContext } from '../context';
import { CliError, withSource } from '../errors';
import type { Manifest } from '../manifests';
import { resourceRef } from '../resources';
import { FILENAME_FLAG, OUTPUT_FLAG, RECURSIVE_FLAG } from './get';
import { manifestsOf, ResultPrinter, withNamespace } from './manifest-command';

async function applyOne(ctx: CommandContext, manifest: Manifest, printer: ResultPrinter): Promise<void> {
  const { info, source } = manifest;
  const { namespace, obj } = withNamespace(ctx, manifest);
  const name = obj.metadata?.name ?? '';
  if (!name) {
    const reason = obj.metadata?.generateName ? 'cannot use generate name with apply' : 'resource name may not be empty';
    throw new CliError(`error when retrieving current configuration of ${resourceRef(info)} from server for: "${source}": ${reason}`);
  }
  const modified = withLastApplied(ctx.scheme.toJson(info, obj));
  let current;
  try {
    current = await ctx.client().get(info, namespace, name);
  } catch (err) {
    if (!isNotFound(err)) throw withSource(err, 'retrieving current configuration of', source);
    try {
      const created = await ctx.client().create(info, ctx.scheme.fromJson(modified).obj, namespace);
      printer.done(info, created, 'created');
    } catch (createErr) {
      throw withSource(createErr, 'creating', source);
    }
    return;
  }
  const currentJson = ctx.scheme.toJson(info, current) as JsonObject;
  const patch = threeWayMergePatch(lastApplied(currentJson), modified, currentJson);
  if (Object.keys(patch).length === 0) {
    printer.done(info, current, 'unchanged');
    return;
  }
  try {
    const patched = await ctx.client().patch(info, namespace, name, MERGE_PATCH, patch);
    printer.done(info, patched, 'configured');
  } catch (err) {
    throw withSource(err, 'patching', source);
  }
}

async function run(ctx: CommandContext): Promise<void> {
  if (ctx.args.positionals.length > 0) throw new CliError(`Unexpected args: [${ctx.args.positionals.join(' ')}]`);
  const printer = new ResultPrinter(ctx);
  for (const manifest of await manifestsOf(ctx, 'apply')) {
    try {
      await applyOne(ctx, manifest, printer);
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const applyCommand: Command = {
  name: 'apply',
  summary: 'Apply a configuration to a resource by file name or stdin',
  usage: `Apply a configuration to a resource by file name or stdin. The resource is created if it does not exist yet.
The configuration applied is recorded in the kubectl.kubernetes.io/last-applied-configuration annotation, so a
field removed from the file is removed from the object on the next apply.

Examples:
  # Apply the configuration in pod.yaml
  minictl apply -f pod.yaml

  # Apply every manifest in a directory, and the JSON on stdin
  minictl apply -f ./manifests/
  cat pod.json | minictl apply -f -

Usage:
  minictl apply -f FILENAME [options]
`,
  flags: [FILENAME_FLAG, RECURSIVE_FLAG, OUTPUT_FLAG],
  run,
};
