// minictl get: list or fetch objects and print them as a table, YAML, JSON, names, JSONPath or
// custom columns; with -w, keep printing as they change.

import type { ApiObject, KindInfo, ListOptions } from '@minik8s/api';
import type { FlagDef } from '../args';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';
import { readManifests } from '../manifests';
import { parseOutputFormat } from '../printers/output';
import { ObjectPrinter, type Item } from '../printers/print';
import { parseResourceArgs, type ResourceSelection } from '../resources';

export const OUTPUT_FLAG: FlagDef = {
  name: 'output',
  short: 'o',
  type: 'string',
  description: 'Output format. One of: (json, yaml, name, wide, jsonpath=TEMPLATE, custom-columns=SPEC).',
};

export const SELECTOR_FLAG: FlagDef = {
  name: 'selector',
  short: 'l',
  type: 'string',
  description: "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin' (e.g. -l key1=value1,key2=value2).",
};

export const FILENAME_FLAG: FlagDef = {
  name: 'filename',
  short: 'f',
  type: 'stringArray',
  description: 'Filename, directory, or - for standard input, of the manifests to use.',
};

export const RECURSIVE_FLAG: FlagDef = {
  name: 'recursive',
  short: 'R',
  type: 'bool',
  description: 'Process the directory used in -f, --filename recursively.',
};

export const ALL_NAMESPACES_FLAG: FlagDef = {
  name: 'all-namespaces',
  short: 'A',
  type: 'bool',
  description: 'If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace.',
};

const FLAGS: FlagDef[] = [
  OUTPUT_FLAG,
  SELECTOR_FLAG,
  { name: 'field-selector', type: 'string', description: "Selector (field query) to filter on, supports '=', '==', and '!='. (e.g. --field-selector key1=value1,key2=value2)." },
  ALL_NAMESPACES_FLAG,
  { name: 'watch', short: 'w', type: 'bool', description: 'After listing/getting the requested object, watch for changes.' },
  { name: 'watch-only', type: 'bool', description: 'Watch for changes to the requested object(s), without listing/getting first.' },
  { name: 'show-labels', type: 'bool', description: 'When printing, show all labels as the last column.' },
  { name: 'label-columns', short: 'L', type: 'stringArray', description: 'Labels to present as columns (repeatable, or comma separated).' },
  { name: 'show-kind', type: 'bool', description: 'If present, list the resource type for the requested object(s).' },
  { name: 'no-headers', type: 'bool', description: 'When using the default or custom-column output format, don\'t print headers.' },
  { name: 'ignore-not-found', type: 'bool', description: 'If the requested object does not exist the command will return exit code 0.' },
  FILENAME_FLAG,
  RECURSIVE_FLAG,
];

interface Request {
  info: KindInfo;
  namespace: string | undefined;
  name?: string;
}

function listOptions(ctx: CommandContext): ListOptions {
  return {
    labelSelector: ctx.args.string('selector') || undefined,
    fieldSelector: ctx.args.string('field-selector') || undefined,
  };
}

async function requestsFrom(ctx: CommandContext, allNamespaces: boolean): Promise<{ requests: Request[]; single: boolean }> {
  const filenames = ctx.args.strings('filename');
  if (filenames.length > 0) {
    const { manifests, errors } = await readManifests(ctx.scheme, filenames, { recursive: ctx.args.bool('recursive'), readStdin: ctx.io.readStdin });
    errors.forEach((e) => ctx.fail(e));
    const requests = manifests.map((m) => ({ info: m.info, namespace: ctx.namespaceFor(m.info, m.obj.metadata?.namespace), name: m.obj.metadata?.name ?? '' }));
    return { requests, single: requests.length === 1 };
  }
  const selections: ResourceSelection[] = parseResourceArgs(ctx.scheme, ctx.args.positionals, 'get');
  const namespace = (info: KindInfo): string | undefined => (info.namespaced && !allNamespaces ? ctx.namespace : undefined);
  const requests: Request[] = [];
  for (const s of selections) {
    if (s.names.length === 0) requests.push({ info: s.info, namespace: namespace(s.info) });
    else for (const name of s.names) requests.push({ info: s.info, namespace: namespace(s.info), name });
  }
  const single = selections.length === 1 && selections[0].names.length === 1 && !ctx.args.positionals[0].includes(',');
  return { requests, single };
}

function noResourcesMessage(ctx: CommandContext, requests: Request[], allNamespaces: boolean): string {
  if (allNamespaces || !requests.some((r) => r.info.namespaced)) return 'No resources found\n';
  return `No resources found in ${ctx.namespace} namespace.\n`;
}

async function run(ctx: CommandContext): Promise<void> {
  const allNamespaces = ctx.args.bool('all-namespaces');
  const format = parseOutputFormat(ctx.args.string('output'));
  const watch = ctx.args.bool('watch') || ctx.args.bool('watch-only');
  const { requests, single } = await requestsFrom(ctx, allNamespaces);
  const kinds = new Set(requests.map((r) => r.info));
  const printer = new ObjectPrinter(ctx.scheme, format, {
    noHeaders: ctx.args.bool('no-headers'),
    single,
    withNamespace: allNamespaces,
    withKind: ctx.args.bool('show-kind') || kinds.size > 1,
    showLabels: ctx.args.bool('show-labels'),
    labelColumns: ctx.args.strings('label-columns').flatMap((l) => l.split(',')).filter(Boolean),
    now: ctx.now(),
  });

  if (watch) {
    if (kinds.size !== 1) throw new CliError(`watch is only supported on individual resources and resource collections, but ${kinds.size} resources were found`);
    await watchRequest(ctx, requests, printer);
    return;
  }

  const items: Item[] = [];
  for (const request of requests) {
    try {
      if (request.name !== undefined) {
        items.push({ info: request.info, obj: await ctx.client().get(request.info, request.namespace, request.name) });
      } else {
        const list = await ctx.client().list(request.info, request.namespace, listOptions(ctx));
        items.push(...list.items.map((obj) => ({ info: request.info, obj })));
      }
    } catch (err) {
      if (ctx.args.bool('ignore-not-found') && (err as { reason?: string }).reason === 'NotFound') continue;
      ctx.fail(err);
    }
  }
  if (items.length === 0) {
    if (!requests.some((r) => r.name === undefined)) return;
    if (format.kind === 'json' || format.kind === 'yaml') ctx.out(printer.print([]));
    else if (ctx.exitCode === 0) ctx.err(noResourcesMessage(ctx, requests, allNamespaces));
    return;
  }
  ctx.out(printer.print(items));
}

/** Lists (unless --watch-only), then prints every change until the watch ends or Ctrl-C. */
async function watchRequest(ctx: CommandContext, requests: Request[], printer: ObjectPrinter): Promise<void> {
  const { info, namespace } = requests[0];
  const names = requests.map((r) => r.name).filter((n): n is string => n !== undefined);
  if (names.length > 1) throw new CliError('watch is only supported on individual resources and resource collections, but multiple names were given');
  const options = listOptions(ctx);
  if (names.length === 1) {
    options.fieldSelector = [`metadata.name=${names[0]}`, options.fieldSelector].filter(Boolean).join(',');
  }
  const list = await ctx.client().list(info, namespace, options);
  if (!ctx.args.bool('watch-only')) {
    // A named object that does not exist fails the way `get NAME` does.
    if (names.length === 1 && list.items.length === 0) await ctx.client().get(info, namespace, names[0]);
    if (list.items.length === 0) ctx.err(noResourcesMessage(ctx, requests, ctx.args.bool('all-namespaces')));
    else ctx.out(printer.print(list.items.map((obj) => ({ info, obj }))));
  }
  const stream = ctx.client().watch(info, namespace, { ...options, resourceVersion: list.resourceVersion });
  const stop = (): void => stream.close();
  ctx.io.signal.addEventListener('abort', stop, { once: true });
  try {
    if (ctx.io.signal.aborted) return;
    for await (const event of stream) {
      if (event.type === 'BOOKMARK') continue;
      ctx.out(printer.printWatched({ info, obj: event.object as ApiObject }));
    }
  } finally {
    ctx.io.signal.removeEventListener('abort', stop);
    stream.close();
  }
}

export const getCommand: Command = {
  name: 'get',
  summary: 'Display one or many resources',
  usage: `Display one or many resources.

Examples:
  # List all pods in ps output format
  minictl get pods

  # List a single deployment with specified NAME in YAML output format
  minictl get deployment web -o yaml

  # List pods and services across all namespaces, with their labels
  minictl get po,svc -A --show-labels

  # Watch pods as they change
  minictl get pods -w

Usage:
  minictl get [(-o|--output=)json|yaml|name|wide|jsonpath=...|custom-columns=...] (TYPE[,TYPE...] [NAME ...] | TYPE/NAME ... | -f FILENAME) [flags]
`,
  flags: FLAGS,
  run,
};
