// minictl replace -f: overwrite each object with the file's version. A resourceVersion in the file
// makes the update conditional (Conflict when the object changed since); --force deletes and
// re-creates instead.

import { isNotFound, type ApiObject, type KindInfo } from '@minik8s/api';
import { waitFor } from '../wait';
import type { Command, CommandContext } from '../context';
import { CliError, withSource } from '../errors';
import { kindRef } from '../resources';
import { FILENAME_FLAG, OUTPUT_FLAG, RECURSIVE_FLAG } from './get';
import { manifestsOf, ResultPrinter, withNamespace } from './manifest-command';

async function forceReplace(ctx: CommandContext, info: KindInfo, namespace: string | undefined, obj: ApiObject): Promise<ApiObject> {
  const name = obj.metadata?.name ?? '';
  try {
    const deleted = await ctx.client().delete(info, namespace, name, { gracePeriodSeconds: ctx.args.int('grace-period') >= 0 ? ctx.args.int('grace-period') : undefined });
    ctx.out(`${kindRef(info)} "${name}" deleted\n`);
    const uid = deleted.metadata?.uid;
    await waitFor(ctx.io.signal, 60_000, async () => {
      try {
        const current = await ctx.client().get(info, namespace, name);
        return current.metadata?.uid !== uid;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const { resourceVersion: _rv, uid: _uid, ...metadata } = obj.metadata ?? {};
  return ctx.client().create(info, { ...obj, metadata }, namespace);
}

async function run(ctx: CommandContext): Promise<void> {
  if (ctx.args.positionals.length > 0) throw new CliError(`Unexpected args: [${ctx.args.positionals.join(' ')}]`);
  const printer = new ResultPrinter(ctx);
  for (const manifest of await manifestsOf(ctx, 'replace')) {
    try {
      const { namespace, obj } = withNamespace(ctx, manifest);
      try {
        const replaced = ctx.args.bool('force')
          ? await forceReplace(ctx, manifest.info, namespace, obj)
          : await ctx.client().update(manifest.info, obj, namespace);
        printer.done(manifest.info, replaced, 'replaced');
      } catch (err) {
        throw withSource(err, 'replacing', manifest.source);
      }
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const replaceCommand: Command = {
  name: 'replace',
  summary: 'Replace a resource by file name or stdin',
  usage: `Replace a resource by file name or stdin. The complete resource must be given. If the file carries a
resourceVersion, the replace fails with a Conflict when the object was changed since that version.

Examples:
  # Replace a pod using the data in pod.json
  minictl replace -f ./pod.json

  # Force replace: delete and then re-create the resource
  minictl replace --force -f ./pod.json

Usage:
  minictl replace -f FILENAME [options]
`,
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    OUTPUT_FLAG,
    { name: 'force', type: 'bool', description: 'If true, delete the resource and re-create it, instead of updating it.' },
    { name: 'grace-period', type: 'int', default: -1, description: 'With --force, the seconds given to the resource to terminate gracefully (-1: the resource\'s default).' },
  ],
  run,
};
