// minictl label / annotate: `key=value` sets (changing an existing value needs --overwrite),
// `key-` removes. The change goes to the server as a merge patch of metadata only.

import type { ApiObject, KindInfo } from '@minik8s/api';
import { MERGE_PATCH } from '@minik8s/client';
import type { FlagDef } from '../args';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';
import { readManifests } from '../manifests';
import { objectRef, parseResourceArgs } from '../resources';
import { ALL_NAMESPACES_FLAG, FILENAME_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG } from './get';

export interface MetadataUpdate {
  set: Record<string, string>;
  remove: string[];
}

/** Splits arguments into resource arguments and `k=v` / `k-` updates. */
export function splitUpdates(args: readonly string[]): { resources: string[]; update: MetadataUpdate } {
  const resources: string[] = [];
  const update: MetadataUpdate = { set: {}, remove: [] };
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq > 0) update.set[arg.slice(0, eq)] = arg.slice(eq + 1);
    else if (arg.endsWith('-') && arg.length > 1 && resources.length > 0) update.remove.push(arg.slice(0, -1));
    else resources.push(arg);
  }
  for (const key of update.remove) {
    if (key in update.set) throw new CliError(`can not both modify and remove the following label(s) in the same command: ${key}`);
  }
  return { resources, update };
}

interface Field {
  /** `labels` or `annotations`. */
  key: 'labels' | 'annotations';
  noun: string;
  verb: string;
}

/**
 * The new map, or an error message when a value would change without --overwrite. Missing keys to
 * remove are reported through `missing`.
 */
export function applyUpdate(
  current: Readonly<Record<string, string>>,
  update: MetadataUpdate,
  overwrite: boolean,
): { result: Record<string, string>; conflicts: string[]; missing: string[] } {
  const result = { ...current };
  const conflicts: string[] = [];
  const missing: string[] = [];
  for (const [k, v] of Object.entries(update.set)) {
    if (k in current && current[k] !== v && !overwrite) conflicts.push(`'${k}' already has a value (${current[k]})`);
    result[k] = v;
  }
  for (const k of update.remove) {
    if (!(k in result)) missing.push(k);
    delete result[k];
  }
  return { result, conflicts, missing };
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

interface Target {
  info: KindInfo;
  namespace: string | undefined;
  name: string;
}

async function targetsOf(ctx: CommandContext, resourceArgs: string[]): Promise<Target[]> {
  const filenames = ctx.args.strings('filename');
  if (filenames.length > 0) {
    const { manifests, errors } = await readManifests(ctx.scheme, filenames, { recursive: ctx.args.bool('recursive'), readStdin: ctx.io.readStdin });
    errors.forEach((e) => ctx.fail(e));
    return manifests.map((m) => ({ info: m.info, namespace: ctx.namespaceFor(m.info, m.obj.metadata?.namespace), name: m.obj.metadata?.name ?? '' }));
  }
  const targets: Target[] = [];
  const allNamespaces = ctx.args.bool('all-namespaces');
  for (const { info, names } of parseResourceArgs(ctx.scheme, resourceArgs, ctx.commandName)) {
    const namespace = info.namespaced && !allNamespaces ? ctx.namespace : undefined;
    if (names.length > 0) {
      targets.push(...names.map((name) => ({ info, namespace, name })));
    } else if (ctx.args.bool('all') || ctx.args.string('selector')) {
      const list = await ctx.client().list(info, namespace, { labelSelector: ctx.args.string('selector') || undefined });
      targets.push(...list.items.map((o) => ({ info, namespace: o.metadata?.namespace || undefined, name: o.metadata?.name ?? '' })));
    } else {
      throw new CliError('resource(s) were provided, but no name was specified');
    }
  }
  return targets;
}

async function updateOne(ctx: CommandContext, field: Field, target: Target, update: MetadataUpdate): Promise<void> {
  const client = ctx.client();
  const obj: ApiObject = await client.get(target.info, target.namespace, target.name);
  const current = obj.metadata?.[field.key] ?? {};
  if (ctx.args.bool('list')) {
    for (const k of Object.keys(current).sort()) ctx.out(`${k}=${current[k]}\n`);
    return;
  }
  const overwrite = ctx.args.bool('overwrite');
  const { result, conflicts, missing } = applyUpdate(current, update, overwrite);
  if (conflicts.length > 0) {
    throw new CliError(
      field.key === 'labels'
        ? `${conflicts.join(', ')}, and --overwrite is false`
        : `--overwrite is false but found the following declared annotation(s): ${conflicts.join(', ')}`,
    );
  }
  for (const k of missing) ctx.err(`${field.noun} "${k}" not found.\n`);
  const changed = !sameMap(current, result);
  let message = field.key === 'labels' ? 'not labeled' : 'annotated';
  if (changed) {
    const patchMap: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(result)) if (current[k] !== v) patchMap[k] = v;
    for (const k of Object.keys(current)) if (!(k in result)) patchMap[k] = null;
    const metadata: Record<string, unknown> = { [field.key]: patchMap };
    const resourceVersion = ctx.args.string('resource-version');
    if (resourceVersion) metadata.resourceVersion = resourceVersion;
    await client.patch(target.info, target.namespace, target.name, MERGE_PATCH, { metadata });
    message = field.verb;
    if (field.key === 'labels' && !overwrite && Object.keys(result).length < Object.keys(current).length) message = 'unlabeled';
  }
  ctx.out(`${objectRef(target.info, target.name)} ${message}\n`);
}

function command(field: Field, name: 'label' | 'annotate', usage: string): Command {
  const flags: FlagDef[] = [
    { name: 'overwrite', type: 'bool', description: `If true, allow ${field.key} to be overwritten, otherwise reject ${field.noun} updates that overwrite existing ${field.key}.` },
    { name: 'list', type: 'bool', description: `If true, display the ${field.key} for a given resource.` },
    { name: 'all', type: 'bool', description: 'Select all resources, in the namespace of the specified resource types.' },
    SELECTOR_FLAG,
    ALL_NAMESPACES_FLAG,
    { name: 'resource-version', type: 'string', description: 'If non-empty, the update will only succeed if this is the current resource-version for the object.' },
    FILENAME_FLAG,
    RECURSIVE_FLAG,
  ];
  return {
    name,
    summary: name === 'label' ? 'Update the labels on a resource' : 'Update the annotations on a resource',
    usage,
    flags,
    async run(ctx) {
      const { resources, update } = splitUpdates(ctx.args.positionals);
      const list = ctx.args.bool('list');
      if (!list && Object.keys(update.set).length === 0 && update.remove.length === 0) {
        throw new CliError(`at least one ${field.noun} update is required`);
      }
      const targets = await targetsOf(ctx, resources);
      if (targets.length === 0 && ctx.exitCode === 0) ctx.err('No resources found\n');
      for (const target of targets) {
        try {
          await updateOne(ctx, field, target, update);
        } catch (err) {
          ctx.fail(err);
        }
      }
    },
  };
}

export const labelCommand = command(
  { key: 'labels', noun: 'label', verb: 'labeled' },
  'label',
  `Update the labels on a resource. A label key and value must begin with a letter or number, and may contain
letters, numbers, hyphens, dots, and underscores, up to 63 characters each. If --overwrite is true, then
existing labels can be overwritten, otherwise attempting to overwrite a label will result in an error.

Examples:
  # Update pod 'foo' with the label 'unhealthy' and the value 'true'
  minictl label pods foo unhealthy=true

  # Update pod 'foo' with the label 'status' and the value 'unhealthy', overwriting any existing value
  minictl label --overwrite pods foo status=unhealthy

  # Remove a label named 'bar' if it exists
  minictl label pods foo bar-

Usage:
  minictl label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [options]
`,
);

export const annotateCommand = command(
  { key: 'annotations', noun: 'annotation', verb: 'annotated' },
  'annotate',
  `Update the annotations on one or more resources. If --overwrite is true, then existing annotations can be
overwritten, otherwise attempting to overwrite an annotation will result in an error.

Examples:
  # Update pod 'foo' with the annotation 'description' and the value 'my frontend'
  minictl annotate pods foo description='my frontend'

  # Remove an annotation named 'description' if it exists
  minictl annotate pods foo description-

Usage:
  minictl annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [options]
`,
);
