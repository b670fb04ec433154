// minictl describe: a human-readable description of objects, with their events.

import { isNotFound, type ApiObject, type KindInfo } from '@minik8s/api';
import type { Command, CommandContext } from '../context';
import { describeObject } from '../describe/describers';
import { readManifests } from '../manifests';
import { parseResourceArgs } from '../resources';
import { ALL_NAMESPACES_FLAG, FILENAME_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG } from './get';

interface Found {
  info: KindInfo;
  obj: ApiObject;
}

/** A name that is not an object's exact name describes every object whose name starts with it, as kubectl does. */
async function byNameOrPrefix(ctx: CommandContext, info: KindInfo, namespace: string | undefined, name: string): Promise<Found[]> {
  try {
    return [{ info, obj: await ctx.client().get(info, namespace, name) }];
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const list = await ctx.client().list(info, namespace, { labelSelector: ctx.args.string('selector') || undefined });
    const matches = list.items.filter((o) => (o.metadata?.name ?? '').startsWith(name));
    if (matches.length === 0) throw err;
    return matches.map((obj) => ({ info, obj }));
  }
}

async function run(ctx: CommandContext): Promise<void> {
  const allNamespaces = ctx.args.bool('all-namespaces');
  const found: Found[] = [];
  const filenames = ctx.args.strings('filename');
  if (filenames.length > 0) {
    const { manifests, errors } = await readManifests(ctx.scheme, filenames, { recursive: ctx.args.bool('recursive'), readStdin: ctx.io.readStdin });
    errors.forEach((e) => ctx.fail(e));
    for (const m of manifests) {
      try {
        found.push({ info: m.info, obj: await ctx.client().get(m.info, ctx.namespaceFor(m.info, m.obj.metadata?.namespace), m.obj.metadata?.name ?? '') });
      } catch (err) {
        ctx.fail(err);
      }
    }
  } else {
    for (const { info, names } of parseResourceArgs(ctx.scheme, ctx.args.positionals, 'describe')) {
      const namespace = info.namespaced && !allNamespaces ? ctx.namespace : undefined;
      try {
        if (names.length === 0) {
          const list = await ctx.client().list(info, namespace, { labelSelector: ctx.args.string('selector') || undefined });
          found.push(...list.items.map((obj) => ({ info, obj })));
        }
        for (const name of names) found.push(...(await byNameOrPrefix(ctx, info, namespace, name)));
      } catch (err) {
        ctx.fail(err);
      }
    }
  }
  if (found.length === 0) {
    if (ctx.exitCode === 0) ctx.err(allNamespaces ? 'No resources found\n' : `No resources found in ${ctx.namespace} namespace.\n`);
    return;
  }
  const dc = { scheme: ctx.scheme, client: ctx.client(), now: ctx.now(), showEvents: ctx.args.bool('show-events') };
  const texts: string[] = [];
  for (const f of found) texts.push(await describeObject(dc, f.info, f.obj));
  ctx.out(texts.join('\n\n'));
}

export const describeCommand: Command = {
  name: 'describe',
  summary: 'Show details of a specific resource or group of resources',
  usage: `Show details of a specific resource or group of resources, with the events that concern it.
A NAME that matches no object exactly describes every object whose name starts with it.

Examples:
  # Describe a pod
  minictl describe pods kubia

  # Describe all pods with label app=kubia
  minictl describe pods -l app=kubia

Usage:
  minictl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]
`,
  flags: [
    SELECTOR_FLAG,
    ALL_NAMESPACES_FLAG,
    { name: 'show-events', type: 'bool', default: true, description: 'If true, display events related to the described object.' },
    FILENAME_FLAG,
    RECURSIVE_FLAG,
  ],
  run,
};
