// What the `create <kind> NAME` shorthands share: the NAME argument, and creating (or, under
// --dry-run=client, only printing) the object they build.

import type { ApiObject, KindInfo } from '@minik8s/api';
import { UsageError } from '../args';
import type { CommandContext } from '../context';
import { withLastApplied } from '../apply-patch';
import { dryRunOf, dryRunSuffix, type DryRun } from '../dry-run';
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

/**
 * Sends a generated object (with the last-applied annotation under --save-config), or under
 * --dry-run=client only returns it, with the namespace only -n gives. Returns what to print.
 */
export async function sendGenerated(ctx: CommandContext, info: KindInfo, obj: ApiObject, dryRun: DryRun): Promise<ApiObject> {
  if (dryRun === 'client') {
    const namespace = generatedNamespace(ctx, info);
    return { ...obj, metadata: { ...obj.metadata, ...(namespace ? { namespace } : {}) } };
  }
  const namespace = info.namespaced ? ctx.namespace : undefined;
  let toCreate: ApiObject = { ...obj, metadata: { ...obj.metadata, namespace } };
  if (ctx.args.defined('save-config') && ctx.args.bool('save-config')) {
    toCreate = ctx.scheme.fromJson(withLastApplied(ctx.scheme.toJson(info, toCreate))).obj;
  }
  return ctx.client().create(info, toCreate, namespace, { dryRun: dryRun === 'server' });
}

/** Creates the generated object, or prints it without sending it under --dry-run=client. */
export async function createGenerated(ctx: CommandContext, info: KindInfo, obj: ApiObject): Promise<void> {
  const dryRun = dryRunOf(ctx);
  new ResultPrinter(ctx).done(info, await sendGenerated(ctx, info, obj, dryRun), `created${dryRunSuffix(dryRun)}`);
}
