// What the `create <kind> NAME` shorthands share: the NAME argument, and creating (or, under
// --dry-run=client, only printing) the object they build.

import type { ApiObject, KindInfo } from '@minik8s/api';
import { UsageError } from '../args';
import type { CommandContext } from '../context';
import { dryRunOf, dryRunSuffix } from '../dry-run';
import { ResultPrinter } from './manifest-command';

/** The one NAME before `--`; what follows `--` is a command. */
export function nameAndCommand(ctx: CommandContext): { name: string; command: string[] } {
  const positionals = ctx.args.positionals;
  const atDash = ctx.args.argsLenAtDash;
  const names = atDash < 0 ? positionals : positionals.slice(0, atDash);
  if (names.length !== 1) throw new UsageError(`exactly one NAME is required, got ${names.length}`);
  return { name: names[0], command: atDash < 0 ? [] : positionals.slice(atDash) };
}

/** The namespace a generated object names: only one given with -n, as kubectl's generators do. */
export function generatedNamespace(ctx: CommandContext, info: KindInfo): string | undefined {
  return info.namespaced && ctx.connection().namespaceFromFlag ? ctx.namespace : undefined;
}

/** Creates the generated object, or prints it without sending it under --dry-run=client. */
export async function createGenerated(ctx: CommandContext, info: KindInfo, obj: ApiObject): Promise<void> {
  const dryRun = dryRunOf(ctx);
  const printer = new ResultPrinter(ctx);
  if (dryRun === 'client') {
    printer.done(info, obj, `created${dryRunSuffix(dryRun)}`);
    return;
  }
  const namespace = info.namespaced ? ctx.namespace : undefined;
  const toCreate: ApiObject = { ...obj, metadata: { ...obj.metadata, namespace } };
  const created = await ctx.client().create(info, toCreate, namespace, { dryRun: dryRun === 'server' });
  printer.done(info, created, `created${dryRunSuffix(dryRun)}`);
}
