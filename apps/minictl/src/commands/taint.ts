// minictl taint: add (`key=value:Effect`, `key:Effect`), change (--overwrite) and remove
// (`key:Effect-`, `key-`) taints on nodes.

import { labelValueMessages, qualifiedNameMessages, type corev1 } from '@minik8s/api';
import type { Command, CommandContext } from '../context';
import { dryRunOf, dryRunSuffix, DRY_RUN_FLAG } from '../dry-run';
import { AggregateCliError, CliError } from '../errors';
import { objectRef, resolveKind } from '../resources';
import { updateObject } from '../targets';
import { nodeName } from './cordon';
import { SELECTOR_FLAG } from './get';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export interface TaintSpec {
  key: string;
  value: string;
  /** Empty only in a removal by key. */
  effect: string;
}

/** `key=value:Effect`, `key:Effect` or `key`, as kubectl writes a taint. */
export function taintString(t: TaintSpec | corev1.Taint): string {
  let text = t.key ?? '';
  if (t.value) text += `=${t.value}`;
  if (t.effect) text += `:${t.effect}`;
  return text;
}

/** Parses `key[=value][:effect]`, checking the key, the value and the effect. */
export function parseTaint(spec: string): TaintSpec {
  const parts = spec.split(':');
  let key: string;
  let value = '';
  let effect = '';
  if (parts.length === 1) {
    key = parts[0];
  } else if (parts.length === 2) {
    effect = parts[1];
    if (!TAINT_EFFECTS.includes(effect)) throw new CliError(`invalid taint effect: ${effect}, unsupported taint effect`);
    const kv = parts[0].split('=');
    if (kv.length > 2) throw new CliError(`invalid taint spec: ${spec}`);
    key = kv[0];
    if (kv.length === 2) {
      value = kv[1];
      const problems = labelValueMessages(value);
      if (problems.length > 0) throw new CliError(`invalid taint spec: ${spec}, ${problems.join('; ')}`);
    }
  } else {
    throw new CliError(`invalid taint spec: ${spec}`);
  }
  const problems = qualifiedNameMessages(key);
  if (problems.length > 0) throw new CliError(`invalid taint spec: ${spec}, ${problems.join('; ')}`);
  return { key, value, effect };
}

/** Taints to add and to remove (a trailing `-`); an added taint needs an effect, and may appear once. */
export function parseTaints(specs: readonly string[]): { add: TaintSpec[]; remove: TaintSpec[] } {
  const add: TaintSpec[] = [];
  const remove: TaintSpec[] = [];
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const t = parseTaint(spec.slice(0, -1));
      remove.push({ key: t.key, value: '', effect: t.effect });
      continue;
    }
    const t = parseTaint(spec);
    if (!t.effect) throw new CliError(`invalid taint spec: ${spec}`);
    if (add.some((a) => a.key === t.key && a.effect === t.effect)) {
      throw new CliError(`duplicated taints with the same key and effect: {${t.key} ${t.value} ${t.effect} <nil>}`);
    }
    add.push(t);
  }
  return { add, remove };
}

/** Resource arguments come first, then taint changes (anything with `=`, `:` or a trailing `-`). */
export function splitTaintArgs(args: readonly string[]): { resources: string[]; taints: string[] } {
  const resources: string[] = [];
  const taints: string[] = [];
  for (const arg of args) {
    const isTaint = arg.includes('=') || arg.includes(':') || arg.endsWith('-');
    if (isTaint) taints.push(arg);
    else if (taints.length > 0) throw new CliError(`all resources must be specified before taint changes: ${arg}`);
    else resources.push(arg);
  }
  return { resources, taints };
}

/** Refuses changing and removing the same taint in one command. */
export function checkConflicts(add: readonly TaintSpec[], remove: readonly TaintSpec[]): void {
  const conflicts: string[] = [];
  for (const a of add) {
    for (const r of remove) {
      if (a.key === r.key && (!r.effect || a.effect === r.effect)) conflicts.push(`{"${r.key}":"${r.effect}"}`);
    }
  }
  if (conflicts.length > 0) throw new CliError(`can not both modify and remove the following taint(s) in the same command: ${conflicts.join(', ')}`);
}

function sameTaint(a: TaintSpec | corev1.Taint, b: TaintSpec | corev1.Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/**
 * A node's taints after the changes, and kubectl's word for them: `tainted` (something added),
 * `untainted` (only removals), `modified` (both, or --overwrite). New taints come first.
 */
export function applyTaints(
  nodeName: string,
  existing: readonly corev1.Taint[],
  add: readonly TaintSpec[],
  remove: readonly TaintSpec[],
  overwrite: boolean,
): { taints: corev1.Taint[]; operation: 'tainted' | 'untainted' | 'modified' } {
  if (!overwrite) {
    const clashing = add.filter((a) => existing.some((e) => sameTaint(a, e))).map((a) => a.key);
    if (clashing.length > 0) throw new CliError(`node ${nodeName} already has ${clashing.join(',')} taint(s) with same effect(s) and --overwrite is false`);
  }
  let taints: corev1.Taint[] = add.map((a) => ({ key: a.key, value: a.value || undefined, effect: a.effect }));
  for (const old of existing) if (!taints.some((t) => sameTaint(t, old))) taints.push(old);
  const added = taints.length !== existing.length;
  const missing: string[] = [];
  for (const r of remove) {
    const kept = taints.filter((t) => !(t.key === r.key && (!r.effect || t.effect === r.effect)));
    if (kept.length === taints.length) missing.push(`taint "${taintString(r)}" not found`);
    taints = kept;
  }
  if (missing.length > 0) throw new AggregateCliError(missing);
  const removed = remove.length > 0;
  const operation = (added && removed) || overwrite ? 'modified' : added ? 'tainted' : 'untainted';
  return { taints, operation };
}

async function run(ctx: CommandContext): Promise<void> {
  const { resources, taints } = splitTaintArgs(ctx.args.positionals);
  if (resources.length < 1) throw new CliError('one or more resources must be specified as <resource> <name>');
  if (taints.length < 1) throw new CliError('at least one taint update is required');
  const { add, remove } = parseTaints(taints);
  const type = resources[0].toLowerCase();
  const typed = type.includes('/');
  if (!typed && !['node', 'nodes', 'no'].includes(type)) throw new CliError(`invalid resource type ${resources[0]}, only "node,nodes" are supported`);
  checkConflicts(add, remove);
  const all = ctx.args.bool('all');
  const selector = ctx.args.string('selector');
  const names = (typed ? resources : resources.slice(1)).map((r) => nodeName(ctx, r));
  if (all && selector) throw new CliError("setting 'all' parameter with a label selector is redundant");
  if (!all && !selector && names.length === 0) throw new CliError("at least one resource name must be specified since 'all' parameter is not set");
  const dryRun = dryRunOf(ctx);
  const info = resolveKind(ctx.scheme, 'nodes');
  if (names.length === 0) {
    const list = await ctx.client().list(info, undefined, { labelSelector: selector || undefined });
    names.push(...list.items.map((n) => n.metadata?.name ?? ''));
  }
  const overwrite = ctx.args.bool('overwrite');
  for (const name of names) {
    try {
      let operation = '';
      const change = (node: corev1.Node): boolean => {
        const result = applyTaints(name, node.spec?.taints ?? [], add, remove, overwrite);
        operation = result.operation;
        node.spec = { ...node.spec, taints: result.taints };
        return true;
      };
      if (dryRun === 'client') change((await ctx.client().get(info, undefined, name)) as corev1.Node);
      else await updateObject<corev1.Node>(ctx, { info, namespace: undefined, name }, change, { dryRun: dryRun === 'server' });
      ctx.out(`${objectRef(info, name)} ${operation}${dryRunSuffix(dryRun)}\n`);
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const taintCommand: Command = {
  name: 'taint',
  summary: 'Update the taints on one or more nodes',
  usage: `Update the taints on one or more nodes.

  * A taint consists of a key, value, and effect. As an argument here, it is expressed as key=value:effect.
  * The key must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 253 characters.
  * Optionally, the key can begin with a DNS subdomain prefix and a single '/', like example.com/my-app.
  * The value is optional. If given, it must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 63 characters.
  * The effect must be NoSchedule, PreferNoSchedule or NoExecute.
  * Currently taint can only apply to node.

Examples:
  # Update node 'foo' with a taint with key 'dedicated' and value 'special-user' and effect 'NoSchedule'
  # If a taint with that key and effect already exists, its value is replaced as specified
  minictl taint nodes foo dedicated=special-user:NoSchedule --overwrite

  # Remove from node 'foo' the taint with key 'dedicated' and effect 'NoSchedule' if one exists
  minictl taint nodes foo dedicated:NoSchedule-

  # Remove from node 'foo' all the taints with key 'dedicated'
  minictl taint nodes foo dedicated-

  # Add a taint with key 'dedicated' on nodes having label myLabel=X
  minictl taint node -l myLabel=X  dedicated=foo:PreferNoSchedule

Usage:
  minictl taint NODE NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N [options]
`,
  flags: [
    { name: 'overwrite', type: 'bool', description: 'If true, allow taints to be overwritten, otherwise reject taint updates that overwrite existing taints.' },
    { name: 'all', type: 'bool', description: 'Select all nodes in the cluster.' },
    SELECTOR_FLAG,
    DRY_RUN_FLAG,
  ],
  run,
};
