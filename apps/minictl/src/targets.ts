// The objects a command acts on (`TYPE NAME...`, `TYPE/NAME...`, `-f FILE`, or a kind with -l or
// --all), and read-modify-write with the retries an optimistic update needs.

import { isConflict, type ApiObject, type KindInfo } from '@minik8s/api';
import type { CommandContext } from './context';
import { CliError } from './errors';
import { readManifests } from './manifests';
import { parseResourceArgs } from './resources';

export interface Target {
  info: KindInfo;
  namespace: string | undefined;
  name: string;
}

function optionalString(ctx: CommandContext, name: string): string {
  return ctx.args.defined(name) ? ctx.args.string(name) : '';
}

function optionalBool(ctx: CommandContext, name: string): boolean {
  return ctx.args.defined(name) ? ctx.args.bool(name) : false;
}

/**
 * Resolves the arguments (and -f, -l, --all where the command has them) into objects. Names and a
 * selector (or --all) exclude each other; a kind alone needs one of them.
 */
export async function resolveTargets(ctx: CommandContext, args: readonly string[], verb: string): Promise<Target[]> {
  const filenames = ctx.args.defined('filename') ? ctx.args.strings('filename') : [];
  if (filenames.length > 0) {
    if (args.length > 0) throw new CliError(`resource(s) were provided, but also -f; use one or the other`);
    const { manifests, errors } = await readManifests(ctx.scheme, filenames, {
      recursive: optionalBool(ctx, 'recursive'),
      readStdin: ctx.io.readStdin,
    });
    errors.forEach((e) => ctx.fail(e));
    return manifests.map((m) => ({ info: m.info, namespace: ctx.namespaceFor(m.info, m.obj.metadata?.namespace), name: m.obj.metadata?.name ?? '' }));
  }
  const selector = optionalString(ctx, 'selector');
  const all = optionalBool(ctx, 'all');
  const allNamespaces = optionalBool(ctx, 'all-namespaces');
  const targets: Target[] = [];
  for (const { info, names } of parseResourceArgs(ctx.scheme, args, verb)) {
    const namespace = info.namespaced && !allNamespaces ? ctx.namespace : undefined;
    if (names.length > 0) {
      if (selector || all) throw new CliError('name cannot be provided when a selector or --all is specified');
      targets.push(...names.map((name) => ({ info, namespace, name })));
      continue;
    }
    if (!selector && !all) throw new CliError('resource(s) were provided, but no name was specified');
    const list = await ctx.client().list(info, namespace, { labelSelector: selector || undefined });
    targets.push(...list.items.map((obj) => ({ info, namespace: obj.metadata?.namespace || undefined, name: obj.metadata?.name ?? '' })));
  }
  return targets;
}

const UPDATE_ATTEMPTS = 5;

/**
 * Gets the object, lets `change` modify a copy (returning false when there is nothing to change),
 * and updates it on the revision read; a concurrent write (Conflict) starts over.
 */
export async function updateObject<T extends ApiObject>(
  ctx: CommandContext,
  target: Target,
  change: (obj: T) => boolean,
  options: { dryRun?: boolean } = {},
): Promise<{ obj: T; changed: boolean }> {
  const client = ctx.client();
  for (let attempt = 1; ; attempt++) {
    const current = (await client.get(target.info, target.namespace, target.name)) as T;
    const next = structuredClone(current);
    if (!change(next)) return { obj: current, changed: false };
    try {
      const updated = (await client.update(target.info, next, target.namespace, '', { dryRun: options.dryRun })) as T;
      return { obj: updated, changed: true };
    } catch (err) {
      if (isConflict(err) && attempt < UPDATE_ATTEMPTS) continue;
      throw err;
    }
  }
}
