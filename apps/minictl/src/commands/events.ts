// minictl events: the events of a namespace (or all, or of one object) as kubectl events shows them,
// oldest first; with -w, keep printing new ones until Ctrl-C.

import { apiVersionOf, type ApiObject, type corev1, type KindInfo, type ListOptions } from '@minik8s/api';
import { UsageError, type FlagDef } from '../args';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';
import { parseOutputFormat, type OutputFormat } from '../printers/output';
import { ObjectPrinter } from '../printers/print';
import { toJsonText, toYamlText } from '../printers/serialize';
import { objectRef, resolveKind } from '../resources';
import { EventTable, eventList, parseEventTypes, sortEvents, typeSelected } from './events-printer';
import { ALL_NAMESPACES_FLAG } from './get';

const FLAGS: FlagDef[] = [
  { name: 'output', short: 'o', type: 'string', description: 'Output format. One of: (json, yaml, name, jsonpath=TEMPLATE).' },
  ALL_NAMESPACES_FLAG,
  { name: 'for', type: 'string', description: 'Filter events to only those pertaining to the specified resource.' },
  { name: 'types', type: 'stringArray', description: 'Output only events of given types.' },
  { name: 'watch', short: 'w', type: 'bool', description: 'After listing the requested events, watch for more events.' },
  { name: 'no-headers', type: 'bool', description: "When using the default output format, don't print headers." },
  {
    name: 'chunk-size',
    type: 'int',
    default: 500,
    description: 'Return large lists in chunks rather than all at once. Pass 0 to disable. This flag is beta and may change in the future.',
  },
];

/** The formats kubectl events offers that minictl has printers for; tables (wide, custom columns) are its own. */
const ALLOWED_OUTPUT = 'json, jsonpath, name, yaml';

function outputFormat(value: string): OutputFormat | undefined {
  if (value === '') return undefined;
  const format = parseOutputFormat(value);
  if (format.kind === 'table' || format.kind === 'custom-columns') {
    throw new CliError(`unable to match a printer suitable for the output format "${value}", allowed formats are: ${ALLOWED_OUTPUT}`);
  }
  return format;
}

/**
 * `--for TYPE/NAME` as a field selector on the involved object's kind, apiVersion and name, as
 * kubectl builds it. The type goes through the scheme, so short names and plurals work.
 */
function forSelector(ctx: CommandContext, value: string): string | undefined {
  if (value === '') return undefined;
  const parts = value.split('/');
  if (parts.length > 2) throw new CliError('arguments in resource/name form may not have more than one slash');
  if (parts.length < 2 || parts[1] === '') throw new CliError('--for must be in resource/name form');
  const info: KindInfo = resolveKind(ctx.scheme, parts[0].toLowerCase());
  return [`involvedObject.kind=${info.kind}`, `involvedObject.apiVersion=${apiVersionOf(info)}`, `involvedObject.name=${parts[1]}`].join(',');
}

function eventsInfo(ctx: CommandContext): KindInfo {
  const info = ctx.scheme.forKind('v1', 'Event');
  if (!info) throw new CliError('the server doesn\'t have a resource type "events"');
  return info;
}

/** Every page of the list (`--chunk-size` per request), and the resourceVersion to watch from. */
async function listAll(ctx: CommandContext, info: KindInfo, namespace: string | undefined, options: ListOptions): Promise<{ items: ApiObject[]; resourceVersion: string }> {
  const limit = ctx.args.int('chunk-size');
  const items: ApiObject[] = [];
  let resourceVersion = '';
  let token: string | undefined;
  do {
    const page = await ctx.client().list(info, namespace, { ...options, limit: limit > 0 ? limit : undefined, continue: token });
    items.push(...page.items);
    resourceVersion ||= page.resourceVersion;
    token = page.continue;
  } while (token);
  return { items, resourceVersion };
}

/** Prints events in the chosen format; the table keeps its header and widths across calls. */
class EventOutput {
  private readonly table: EventTable;
  private readonly objects: ObjectPrinter | undefined;

  constructor(
    private readonly ctx: CommandContext,
    private readonly info: KindInfo,
    private readonly format: OutputFormat | undefined,
  ) {
    this.table = new EventTable({ noHeaders: ctx.args.bool('no-headers'), allNamespaces: ctx.args.bool('all-namespaces') });
    this.objects = format && new ObjectPrinter(ctx.scheme, format, { noHeaders: true, single: false, withNamespace: false, withKind: false, showLabels: false, labelColumns: [], now: ctx.now() });
  }

  list(events: readonly corev1.Event[]): string {
    const format = this.format;
    if (!format) return this.table.format(events, this.ctx.now());
    if (format.kind === 'name') return events.map((e) => `${objectRef(this.info, e)}\n`).join('');
    const doc = eventList(events.map((e) => this.ctx.scheme.toJson(this.info, e)));
    if (format.kind === 'json') return toJsonText(doc);
    if (format.kind === 'jsonpath') return format.path.execute(doc);
    return toYamlText(doc);
  }

  watched(e: corev1.Event): string {
    if (!this.objects) return this.table.format([e], this.ctx.now());
    return this.objects.printWatched({ info: this.info, obj: e });
  }
}

async function run(ctx: CommandContext): Promise<void> {
  if (ctx.args.positionals.length > 0) {
    throw new UsageError(`unexpected arguments: [${ctx.args.positionals.join(' ')}]; use --for TYPE/NAME for one object's events`);
  }
  // Everything the user can get wrong is checked before the first request.
  const types = parseEventTypes(ctx.args.strings('types'));
  const format = outputFormat(ctx.args.string('output'));
  const fieldSelector = forSelector(ctx, ctx.args.string('for'));
  const allNamespaces = ctx.args.bool('all-namespaces');
  const info = eventsInfo(ctx);
  const namespace = allNamespaces ? undefined : ctx.namespace;
  const output = new EventOutput(ctx, info, format);

  const { items, resourceVersion } = await listAll(ctx, info, namespace, { fieldSelector });
  const events = sortEvents((items as corev1.Event[]).filter((e) => typeSelected(types, e.type)));
  if (!ctx.args.bool('watch')) {
    if (events.length === 0) {
      ctx.err(allNamespaces ? 'No events found.\n' : `No events found in ${ctx.namespace} namespace.\n`);
      return;
    }
    ctx.out(output.list(events));
    return;
  }
  // kubectl's watch replays the existing events unordered; listing first shows them oldest first.
  if (events.length > 0) ctx.out(output.list(events));
  await watch(ctx, info, namespace, { fieldSelector, resourceVersion }, types, output);
}

/** Prints each new or changed event until the watch ends or Ctrl-C. */
async function watch(ctx: CommandContext, info: KindInfo, namespace: string | undefined, options: ListOptions, types: readonly string[], output: EventOutput): Promise<void> {
  const stream = ctx.client().watch(info, namespace, options);
  const stop = (): void => stream.close();
  ctx.io.signal.addEventListener('abort', stop, { once: true });
  try {
    if (ctx.io.signal.aborted) return;
    for await (const event of stream) {
      // Events expire (an hour by default); their deletion is not news, as kubectl skips it too.
      if (event.type === 'BOOKMARK' || event.type === 'DELETED') continue;
      const e = event.object as corev1.Event;
      if (typeSelected(types, e.type)) ctx.out(output.watched(e));
    }
  } finally {
    ctx.io.signal.removeEventListener('abort', stop);
    stream.close();
  }
}

export const eventsCommand: Command = {
  name: 'events',
  summary: 'List events',
  usage: `Display events.

Prints a table of the most important information about events. You can request events for a namespace, for all namespace, or filtered to only those pertaining to a specified resource.

Examples:
  # List recent events in the default namespace
  minictl events

  # List recent events in all namespaces
  minictl events --all-namespaces

  # List recent events for the specified pod, then wait for more events and list them as they arrive
  minictl events --for pod/web-pod-13je7 --watch

  # List recent events in YAML format
  minictl events -oyaml

  # List recent only events of type 'Warning' or 'Normal'
  minictl events --types=Warning,Normal

Usage:
  minictl events [(-o|--output=)json|yaml|name|jsonpath=...] [--for TYPE/NAME] [--watch] [--types=Normal,Warning] [options]
`,
  flags: FLAGS,
  run,
};
