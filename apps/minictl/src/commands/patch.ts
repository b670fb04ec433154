// minictl patch: send a strategic-merge, JSON-merge or JSON patch to one object.

import { readFileSync } from 'node:fs';
import type { JsonObject } from '@minik8s/api';
import { JSON_PATCH, MERGE_PATCH } from '@minik8s/client';
import { parse } from 'yaml';
import { deepEqual } from '../apply-patch';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';
import { readManifests } from '../manifests';
import { objectRef, parseResourceArgs } from '../resources';
import { FILENAME_FLAG, OUTPUT_FLAG, RECURSIVE_FLAG } from './get';
import { ResultPrinter } from './manifest-command';

export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

const PATCH_TYPES: Record<string, string> = { strategic: STRATEGIC_MERGE_PATCH, merge: MERGE_PATCH, json: JSON_PATCH };

/** The patch as JSON text; YAML is accepted and converted, as kubectl does. */
export function patchBody(text: string): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    try {
      return JSON.stringify(parse(text));
    } catch (err) {
      throw new CliError(`unable to parse "${text}": ${(err as Error).message}`);
    }
  }
}

/** The object without what changes on every write, to tell a no-op patch. */
function comparable(json: JsonObject): JsonObject {
  const metadata = { ...(json.metadata as JsonObject | undefined) };
  delete metadata.resourceVersion;
  delete metadata.managedFields;
  delete metadata.generation;
  return { ...json, metadata };
}

async function run(ctx: CommandContext): Promise<void> {
  const type = ctx.args.string('type');
  const patchType = PATCH_TYPES[type];
  if (!patchType) throw new CliError(`--type must be one of [json merge strategic], not "${type}"`);
  let text = ctx.args.string('patch');
  const patchFile = ctx.args.string('patch-file');
  if (text && patchFile) throw new CliError('--patch and --patch-file are mutually exclusive');
  if (patchFile) text = readFileSync(patchFile, 'utf8');
  if (!text) throw new CliError('must specify --patch or --patch-file containing the contents of the patch');
  const body = patchBody(text);

  let targets: { info: ReturnType<typeof parseResourceArgs>[number]['info']; namespace: string | undefined; name: string }[];
  const filenames = ctx.args.strings('filename');
  if (filenames.length > 0) {
    const { manifests, errors } = await readManifests(ctx.scheme, filenames, { recursive: ctx.args.bool('recursive'), readStdin: ctx.io.readStdin });
    errors.forEach((e) => ctx.fail(e));
    targets = manifests.map((m) => ({ info: m.info, namespace: ctx.namespaceFor(m.info, m.obj.metadata?.namespace), name: m.obj.metadata?.name ?? '' }));
  } else {
    targets = parseResourceArgs(ctx.scheme, ctx.args.positionals, 'patch').flatMap(({ info, names }) => {
      if (names.length === 0) throw new CliError('resource(s) were provided, but no name was specified');
      return names.map((name) => ({ info, namespace: info.namespaced ? ctx.namespace : undefined, name }));
    });
  }
  const printer = new ResultPrinter(ctx);
  const subresource = ctx.args.string('subresource');
  for (const { info, namespace, name } of targets) {
    try {
      const before = subresource ? undefined : await ctx.client().get(info, namespace, name);
      const patched = await ctx.client().patch(info, namespace, name, patchType, body, subresource);
      // Through a subresource the answer is another kind (Scale); report it as patched.
      const changed = !before || !deepEqual(comparable(ctx.scheme.toJson(info, before)), comparable(ctx.scheme.toJson(info, patched)));
      if (ctx.args.string('output')) printer.done(info, patched, 'patched');
      else ctx.out(`${objectRef(info, name)} patched${changed ? '' : ' (no change)'}\n`);
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const patchCommand: Command = {
  name: 'patch',
  summary: 'Update fields of a resource',
  usage: `Update fields of a resource using a strategic merge patch, a JSON merge patch, or a JSON patch.
JSON and YAML formats are accepted.

Examples:
  # Partially update a node using a strategic merge patch, with the patch as JSON
  minictl patch node k8s-node-1 -p '{"spec":{"unschedulable":true}}'

  # Update a container's image using a JSON patch with positional arrays
  minictl patch pod valid-pod --type='json' -p='[{"op": "replace", "path": "/spec/containers/0/image", "value":"new image"}]'

  # Update a deployment's replicas through the scale subresource using a merge patch
  minictl patch deployment nginx-deployment --subresource='scale' --type='merge' -p '{"spec":{"replicas":2}}'

Usage:
  minictl patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [options]
`,
  flags: [
    { name: 'patch', short: 'p', type: 'string', description: 'The patch to be applied to the resource JSON file.' },
    { name: 'patch-file', type: 'string', description: 'A file containing a patch to be applied to the resource.' },
    { name: 'type', type: 'string', default: 'strategic', description: 'The type of patch being provided; one of [json merge strategic].' },
    { name: 'subresource', type: 'string', description: 'If specified, patch will operate on the subresource of the requested object (status, scale).' },
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    OUTPUT_FLAG,
  ],
  run,
};
