// minictl wait: wait until objects have a status condition, a JSONPath value, exist or are gone,
// printing `pod/web-0 condition met` for each, as kubectl wait does.

import { isGone, isNotFound, StatusError, type ApiObject, type KindInfo } from '@minik8s/api';
import type { WatchStream } from '@minik8s/client';
import type { FlagDef } from '../args';
import type { Command, CommandContext } from '../context';
import { parseDurationArg } from '../duration';
import { AggregateCliError, CliError, formatError } from '../errors';
import { readManifests } from '../manifests';
import { JsonPath, JsonPathError, relaxedJsonPathExpression } from '../printers/jsonpath';
import { parseOutputFormat } from '../printers/output';
import { parseResourceArgs } from '../resources';
import { waitFor } from '../wait';
import { ALL_NAMESPACES_FLAG, FILENAME_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG } from './get';
import { ResultPrinter } from './manifest-command';

/** What `--for` asks for. */
export type WaitCondition =
  | { kind: 'delete' }
  | { kind: 'create' }
  | { kind: 'condition'; name: string; value: string }
  /** `value` undefined: any value at the path will do. */
  | { kind: 'jsonpath'; path: JsonPath; value: string | undefined };

/** kubectl's negative --timeout: a week. */
export const WEEK_MS = 168 * 3_600_000;

const JSONPATH_FORMAT = "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'";

/** Splits on single `=`, keeping `==` (a filter's comparison) in the parts, as kubectl does. */
export function splitJsonPathInput(input: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== '=') {
      current += input[i];
    } else if (input[i + 1] === '=') {
      current += '==';
      i++;
    } else {
      parts.push(current);
      current = '';
    }
  }
  parts.push(current);
  return parts;
}

function parseJsonPathCondition(input: string): WaitCondition {
  const parts = splitJsonPathInput(input);
  if (parts.length > 2) throw new CliError(JSONPATH_FORMAT);
  let expression: string;
  try {
    expression = relaxedJsonPathExpression(parts[0]);
  } catch (err) {
    if (err instanceof JsonPathError) throw new CliError(err.message);
    throw err;
  }
  let value: string | undefined;
  if (parts.length === 2) {
    value = parts[1].replace(/^['"]+|['"]+$/g, '');
    if (value === '') throw new CliError("jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3");
  }
  if (expression === '') throw new CliError('jsonpath expression cannot be empty');
  try {
    return { kind: 'jsonpath', path: new JsonPath(expression), value };
  } catch (err) {
    if (err instanceof JsonPathError) throw new CliError(err.message);
    throw err;
  }
}

/** Parses `--for`: `delete`, `create`, `condition=NAME[=VALUE]` or `jsonpath=EXPR[=VALUE]`. */
export function parseWaitCondition(value: string): WaitCondition {
  const lower = value.toLowerCase();
  if (lower === 'delete') return { kind: 'delete' };
  if (lower === 'create') return { kind: 'create' };
  if (value.startsWith('condition=')) {
    const rest = value.slice('condition='.length);
    const eq = rest.indexOf('=');
    return eq < 0 ? { kind: 'condition', name: rest, value: 'true' } : { kind: 'condition', name: rest.slice(0, eq), value: rest.slice(eq + 1) };
  }
  if (value.startsWith('jsonpath=')) return parseJsonPathCondition(value.slice('jsonpath='.length));
  throw new CliError(`unrecognized condition: ${JSON.stringify(value)}`);
}

/** `--timeout` in milliseconds: 0 checks once, a negative duration means a week. */
export function parseWaitTimeout(value: string): number {
  if (value.startsWith('-')) {
    // Go's durations may be negative, @minik8s/flags' may not: parse the rest, and report an
    // error with the value as given.
    const rest = value.slice(1);
    let ms: number;
    try {
      ms = parseDurationArg(rest, 'timeout');
    } catch (err) {
      throw new CliError((err as Error).message.replaceAll(`"${rest}"`, `"${value}"`));
    }
    return ms === 0 ? 0 : WEEK_MS;
  }
  return parseDurationArg(value, 'timeout');
}

/** Go's strings.EqualFold, near enough: equal ignoring case. */
function equalFold(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function int(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

/**
 * Whether the object (its JSON) has status condition `name` with status `value`, both compared
 * ignoring case; a condition observed for an older generation than the object's does not count.
 */
export function hasCondition(json: Record<string, unknown>, name: string, value: string): boolean {
  const status = isRecord(json.status) ? json.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  for (const condition of conditions) {
    if (!isRecord(condition) || typeof condition.type !== 'string' || !equalFold(condition.type, name)) continue;
    if (typeof condition.status !== 'string') continue;
    const generation = int(isRecord(json.metadata) ? json.metadata.generation : undefined);
    if (generation !== undefined) {
      const observed = int(condition.observedGeneration) ?? int(status.observedGeneration);
      if (observed !== undefined && observed < generation) return false;
    }
    return equalFold(condition.status, value);
  }
  return false;
}

/** How Go's `%v` prints a JSON scalar. */
function goText(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  return typeof v === 'string' ? v : String(v);
}

/** Whether the JSONPath finds a value (equal to `value`, when given); an ambiguous path is an error. */
export function jsonPathMatches(json: Record<string, unknown>, path: JsonPath, value: string | undefined): boolean {
  const results = path.values(json);
  if (results.length === 0) return false;
  if (results.length > 1) throw new CliError('given jsonpath expression matches more than one value');
  if (value === undefined) return true;
  const [result] = results;
  if (typeof result === 'object' && result !== null) throw new CliError('jsonpath leads to a nested object or list which is not supported');
  return goText(result).trim() === value.trim();
}

interface Target {
  info: KindInfo;
  namespace: string | undefined;
  name: string;
  /** The object as listed (-l, --all): a --for=delete of one gone since still reports it. */
  listed?: ApiObject;
}

/** Objects by name, or a kind to list with the selectors (each time it is expanded). */
type Selection = { target: Target } | { list: { info: KindInfo; namespace: string | undefined } };

/**
 * What -f, TYPE NAME..., TYPE/NAME... or a kind with -l/--field-selector/--all select, without
 * asking the server yet; unreadable manifests are reported here, once.
 */
async function selectionsOf(ctx: CommandContext): Promise<Selection[]> {
  const filenames = ctx.args.strings('filename');
  const args = ctx.args.positionals;
  if (filenames.length > 0) {
    if (args.length > 0) throw new CliError('resource(s) were provided, but also -f; use one or the other');
    const { manifests, errors } = await readManifests(ctx.scheme, filenames, { recursive: ctx.args.bool('recursive'), readStdin: ctx.io.readStdin });
    errors.forEach((e) => ctx.fail(e));
    return manifests.map((m) => ({ target: { info: m.info, namespace: ctx.namespaceFor(m.info, m.obj.metadata?.namespace), name: m.obj.metadata?.name ?? '' } }));
  }
  const selector = ctx.args.string('selector');
  const fieldSelector = ctx.args.string('field-selector');
  const all = ctx.args.bool('all');
  const allNamespaces = ctx.args.bool('all-namespaces');
  const selections: Selection[] = [];
  for (const { info, names } of parseResourceArgs(ctx.scheme, args, 'wait')) {
    if (names.length > 0) {
      if (selector || all) throw new CliError('name cannot be provided when a selector or --all is specified');
      if (info.namespaced && allNamespaces) throw new CliError('a resource cannot be retrieved by name across all namespaces');
      const namespace = info.namespaced ? ctx.namespace : undefined;
      selections.push(...names.map((name) => ({ target: { info, namespace, name } })));
      continue;
    }
    if (!selector && !fieldSelector && !all) throw new CliError('resource(s) were provided, but no name was specified');
    selections.push({ list: { info, namespace: info.namespaced && !allNamespaces ? ctx.namespace : undefined } });
  }
  return selections;
}

/** The selected objects: named ones as they are, listed kinds with what the server has now. */
async function targetsOf(ctx: CommandContext, selections: readonly Selection[]): Promise<Target[]> {
  const selector = ctx.args.string('selector') || undefined;
  const fieldSelector = ctx.args.string('field-selector') || undefined;
  const targets: Target[] = [];
  for (const selection of selections) {
    if ('target' in selection) {
      targets.push({ ...selection.target });
      continue;
    }
    const { info, namespace } = selection.list;
    const list = await ctx.client().list(info, namespace, { labelSelector: selector, fieldSelector });
    targets.push(...list.items.map((obj) => ({ info, namespace: obj.metadata?.namespace || undefined, name: obj.metadata?.name ?? '', listed: obj })));
  }
  return targets;
}

/** `pods/web-0`: how kubectl names an object in wait's errors. */
function errorName(target: Target): string {
  return `${target.info.resource}/${target.name}`;
}

/** The wait ended by Ctrl-C. */
const INTERRUPTED = Symbol('interrupted');

/** A --for=delete target already gone before the wait saw it: nothing to report. */
const ABSENT = Symbol('absent');

type Outcome = ApiObject | typeof INTERRUPTED | typeof ABSENT;

class Waiter {
  constructor(
    private readonly ctx: CommandContext,
    private readonly condition: Exclude<WaitCondition, { kind: 'create' }>,
    /** 0: check once. */
    private readonly timeoutMs: number,
    /** One deadline for all objects, as kubectl has. */
    private readonly deadline: number,
  ) {}

  private met(target: Target, obj: ApiObject): boolean {
    const c = this.condition;
    if (c.kind === 'delete') return false;
    const json = this.ctx.scheme.toJson(target.info, obj) as Record<string, unknown>;
    return c.kind === 'condition' ? hasCondition(json, c.name, c.value) : jsonPathMatches(json, c.path, c.value);
  }

  /**
   * Lists the object by name and watches it from that revision until the condition holds (or,
   * for delete, until it is gone or replaced by another object of the name). A watch the server
   * ends is resumed with a fresh list; the deadline or Ctrl-C closes it.
   */
  async wait(target: Target): Promise<Outcome> {
    const forDelete = this.condition.kind === 'delete';
    const client = this.ctx.client();
    const signal = this.ctx.io.signal;
    const fieldSelector = `metadata.name=${target.name}`;
    let stream: WatchStream<ApiObject> | undefined;
    let timedOut = false;
    const stop = (): void => stream?.close();
    const timer = this.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          stop();
        }, Math.max(0, this.deadline - Date.now()))
      : undefined;
    signal.addEventListener('abort', stop, { once: true });
    let last: ApiObject | undefined = target.listed;
    let uid = target.listed?.metadata?.uid;
    let first = true;
    try {
      for (;;) {
        const list = await client.list(target.info, target.namespace, { fieldSelector });
        const [obj] = list.items;
        if (forDelete) {
          if (!obj || (uid !== undefined && obj.metadata?.uid !== uid)) return last ?? ABSENT;
          last = obj;
          uid ??= obj.metadata?.uid;
        } else if (obj) {
          if (this.met(target, obj)) return obj;
        } else if (first) {
          await client.get(target.info, target.namespace, target.name); // the server's NotFound
        }
        first = false;
        if (this.timeoutMs === 0) throw new CliError(`condition not met for ${errorName(target)}`);
        if (timedOut) break;
        if (signal.aborted) return INTERRUPTED;
        stream = client.watch(target.info, target.namespace, { fieldSelector, resourceVersion: list.resourceVersion });
        try {
          for await (const event of stream) {
            if (event.type === 'BOOKMARK') continue;
            if (forDelete) {
              if (event.type === 'DELETED' || (uid !== undefined && event.object.metadata?.uid !== uid)) return last ?? event.object;
              last = event.object;
              uid ??= event.object.metadata?.uid;
            } else if (event.type !== 'DELETED' && this.met(target, event.object)) {
              // A deleted object waits on: one of the same name may come back and meet it.
              return event.object;
            }
          }
        } catch (err) {
          if (!isGone(err) && !timedOut && !signal.aborted) throw err;
        } finally {
          stream.close();
        }
        if (timedOut) break;
        if (signal.aborted) return INTERRUPTED;
      }
      throw new CliError(`timed out waiting for the condition on ${errorName(target)}`);
    } finally {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  }
}

/** --for=create: polls until every named object exists (with a selector, until any does). */
async function waitForCreate(ctx: CommandContext, selections: readonly Selection[], timeoutMs: number): Promise<Target[] | typeof INTERRUPTED> {
  let found: Target[] = [];
  const exist = async (): Promise<boolean> => {
    const targets = await targetsOf(ctx, selections);
    for (const target of targets) {
      if (target.listed) continue;
      try {
        target.listed = await ctx.client().get(target.info, target.namespace, target.name);
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    }
    found = targets;
    return targets.length > 0;
  };
  if (timeoutMs === 0) {
    if (!(await exist())) throw new CliError('timed out waiting for the condition');
    return found;
  }
  return (await waitFor(ctx.io.signal, timeoutMs, exist, 500)) ? found : INTERRUPTED;
}

function message(ctx: CommandContext, err: unknown): string {
  if (err instanceof StatusError) return formatError(err, { server: ctx.connection().server }).replace(/\n$/, '');
  return err instanceof Error ? err.message : String(err);
}

async function run(ctx: CommandContext): Promise<void> {
  const timeoutMs = parseWaitTimeout(ctx.args.string('timeout'));
  const deadline = Date.now() + timeoutMs;
  const output = ctx.args.string('output');
  const format = parseOutputFormat(output);
  if (format.kind === 'custom-columns' || (format.kind === 'table' && output !== '')) {
    throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json, jsonpath, name, yaml`);
  }
  const printer = new ResultPrinter(ctx);
  const condition = parseWaitCondition(ctx.args.string('for'));
  const selections = await selectionsOf(ctx);
  if (selections.length === 0 && ctx.exitCode !== 0) return; // only unreadable manifests, reported

  if (condition.kind === 'create') {
    const created = await waitForCreate(ctx, selections, timeoutMs);
    if (created === INTERRUPTED) {
      ctx.exitCode = 1;
      return;
    }
    for (const target of created) if (target.listed) printer.done(target.info, target.listed, 'condition met');
    return;
  }

  const targets = await targetsOf(ctx, selections);
  if (targets.length === 0) {
    if (condition.kind !== 'delete') throw new CliError('no matching resources found');
    return;
  }
  const waiter = new Waiter(ctx, condition, timeoutMs, deadline);
  const errors: unknown[] = [];
  for (const target of targets) {
    try {
      const outcome = await waiter.wait(target);
      if (outcome === INTERRUPTED) {
        ctx.exitCode = 1;
        return;
      }
      if (outcome !== ABSENT) printer.done(target.info, outcome, 'condition met');
    } catch (err) {
      errors.push(err);
    }
  }
  // kubectl reports the failures together at the end: one as itself, several one per line.
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateCliError(errors.map((e) => message(ctx, e)));
}

const OUTPUT_FLAG: FlagDef = {
  name: 'output',
  short: 'o',
  type: 'string',
  description: 'Output format. One of: (json, yaml, name, jsonpath=TEMPLATE).',
};

export const waitCommand: Command = {
  name: 'wait',
  summary: 'Experimental: Wait for a specific condition on one or many resources',
  usage: `Experimental: Wait for a specific condition on one or many resources.

The command takes multiple resources and waits until the specified condition is seen in the Status
field of every given resource.

Alternatively, the command can wait for the given set of resources to be deleted by providing the
"delete" keyword as the value to the --for flag.

A successful message will be printed to stdout indicating when the specified condition has been met.
You can use -o option to change to output destination.

Examples:
  # Wait for the pod "busybox1" to contain the status condition of type "Ready"
  minictl wait --for=condition=Ready pod/busybox1

  # The default value of status condition is true; you can wait for other targets after an equal
  # delimiter (compared ignoring case)
  minictl wait --for=condition=Ready=false pod/busybox1

  # Wait for the pod "busybox1" to contain the status phase to be "Running"
  minictl wait --for=jsonpath='{.status.phase}'=Running pod/busybox1

  # Wait for pod "busybox1" to be Ready
  minictl wait --for='jsonpath={.status.conditions[?(@.type=="Ready")].status}=True' pod/busybox1

  # Wait for the service "loadbalancer" to have ingress
  minictl wait --for=jsonpath='{.status.loadBalancer.ingress}' service/loadbalancer

  # Wait for the pod "busybox1" to be created
  minictl wait --for=create pod/busybox1

  # Wait for the pod "busybox1" to be deleted, with a timeout of 60s, after having issued the "delete" command
  minictl delete pod/busybox1
  minictl wait --for=delete pod/busybox1 --timeout=60s

Usage:
  minictl wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) [--for=create|--for=delete|--for condition=available|--for=jsonpath='{}'[=value]] [options]
`,
  flags: [
    { name: 'for', type: 'string', description: "The condition to wait on: [create|delete|condition=condition-name[=condition-value]|jsonpath='{JSONPath expression}'=[JSONPath value]]. The default condition-value is true. Condition values are compared ignoring case." },
    { name: 'timeout', type: 'string', default: '30s', description: "The length of time to wait before giving up. Zero means check once and don't wait, negative means wait for a week." },
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    SELECTOR_FLAG,
    { name: 'field-selector', type: 'string', description: "Selector (field query) to filter on, supports '=', '==', and '!='. (e.g. --field-selector key1=value1,key2=value2)." },
    { name: 'all', type: 'bool', description: 'Select all resources in the namespace of the specified resource types.' },
    ALL_NAMESPACES_FLAG,
    OUTPUT_FLAG,
  ],
  run,
};
