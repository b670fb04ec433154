// minictl scale: set the size of Deployments, ReplicaSets, StatefulSets and ReplicationControllers
// through their scale subresource; with --current-replicas or --resource-version only while the
// object is as the caller expects it to be.

import { isConflict, type autoscalingv1 } from '@minik8s/api';
import { UsageError } from '../args';
import type { Command, CommandContext } from '../context';
import { dryRunOf, dryRunSuffix, DRY_RUN_FLAG, type DryRun } from '../dry-run';
import { parseDurationArg } from '../duration';
import { CliError } from '../errors';
import { resolveTargets, type Target } from '../targets';
import { waitFor } from '../wait';
import { FILENAME_FLAG, OUTPUT_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG } from './get';
import { ResultPrinter } from './manifest-command';

/** What must hold before scaling: the current size (-1: any) and resourceVersion ('': any). */
export interface ScalePrecondition {
  size: number;
  resourceVersion: string;
}

/** A precondition that did not hold: `Expected replicas to be 2, was 3`. */
export class PreconditionError extends CliError {
  constructor(precondition: string, expected: string, actual: string) {
    super(`Expected ${precondition} to be ${expected}, was ${actual}`);
  }
}

/** Throws a PreconditionError unless the Scale meets the precondition. */
export function checkPrecondition(precondition: ScalePrecondition, scale: autoscalingv1.Scale): void {
  const replicas = scale.spec?.replicas ?? 0;
  if (precondition.size !== -1 && replicas !== precondition.size) {
    throw new PreconditionError('replicas', String(precondition.size), String(replicas));
  }
  const rv = scale.metadata?.resourceVersion ?? '';
  if (precondition.resourceVersion && rv !== precondition.resourceVersion) {
    throw new PreconditionError('resource version', precondition.resourceVersion, rv);
  }
}

/** The validated flags of one `scale` call. */
export interface ScaleOptions {
  replicas: number;
  precondition: ScalePrecondition | undefined;
  timeoutMs: number;
}

export function scaleOptions(ctx: CommandContext): ScaleOptions {
  if (!ctx.args.has('replicas')) throw new UsageError('required flag(s) "replicas" not set');
  const replicas = ctx.args.int('replicas');
  if (replicas < 0) throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const size = ctx.args.int('current-replicas');
  if (size < -1) throw new CliError('The --current-replicas must specify an integer of -1 or greater');
  const resourceVersion = ctx.args.string('resource-version');
  const precondition = size !== -1 || resourceVersion ? { size, resourceVersion } : undefined;
  return { replicas, precondition, timeoutMs: parseDurationArg(ctx.args.string('timeout'), 'timeout') };
}

const CONFLICT_ATTEMPTS = 5;

async function scaleOne(ctx: CommandContext, target: Target, options: ScaleOptions, dryRun: DryRun): Promise<void> {
  const client = ctx.client();
  const { info, namespace, name } = target;
  if (dryRun === 'client') return;
  if (!options.precondition) {
    // The server's scale subresource has no dry run: a server dry run checks the object is scalable.
    if (dryRun === 'server') await client.getScale(info, namespace, name);
    else await client.updateScale(info, namespace, name, options.replicas);
    return;
  }
  for (let attempt = 1; ; attempt++) {
    const scale = (await client.getScale(info, namespace, name)) as autoscalingv1.Scale;
    checkPrecondition(options.precondition, scale);
    if (dryRun === 'server') return;
    try {
      // Written on the revision the precondition was checked against: a write in between is a Conflict.
      await client.updateScale(info, namespace, name, options.replicas, scale.metadata?.resourceVersion);
      return;
    } catch (err) {
      if (isConflict(err) && attempt < CONFLICT_ATTEMPTS) continue;
      throw err;
    }
  }
}

/** Waits until the controller reports the new size in the Scale's status. */
async function waitForReplicas(ctx: CommandContext, target: Target, replicas: number, timeoutMs: number): Promise<void> {
  try {
    await waitFor(ctx.io.signal, timeoutMs, async () => {
      const scale = (await ctx.client().getScale(target.info, target.namespace, target.name)) as autoscalingv1.Scale;
      return (scale.status?.replicas ?? 0) === replicas;
    });
  } catch (err) {
    if (err instanceof CliError) throw new CliError(`timed out waiting for "${target.name}" to be synced`);
    throw err;
  }
}

async function run(ctx: CommandContext): Promise<void> {
  const options = scaleOptions(ctx);
  const dryRun = dryRunOf(ctx);
  const targets = await resolveTargets(ctx, ctx.args.positionals, 'scale');
  if (targets.length === 0) {
    if (ctx.exitCode === 0) throw new CliError('no objects passed to scale');
    return;
  }
  if (options.precondition?.resourceVersion && targets.length > 1) throw new CliError('cannot use --resource-version with multiple resources');
  const printer = new ResultPrinter(ctx);
  for (const target of targets) {
    try {
      await scaleOne(ctx, target, options, dryRun);
      if (options.timeoutMs > 0 && dryRun === 'none') await waitForReplicas(ctx, target, options.replicas, options.timeoutMs);
      const obj = ctx.args.string('output') && dryRun !== 'client'
        ? await ctx.client().get(target.info, target.namespace, target.name)
        : { metadata: { name: target.name, namespace: target.namespace } };
      printer.done(target.info, obj, `scaled${dryRunSuffix(dryRun)}`);
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const scaleCommand: Command = {
  name: 'scale',
  summary: 'Set a new size for a deployment, replica set, or replication controller',
  usage: `Set a new size for a deployment, replica set, replication controller, or stateful set.

Scale also allows users to specify one or more preconditions for the scale action.

If --current-replicas or --resource-version is specified, it is validated before the scale is attempted, and it
is guaranteed that the precondition holds true when the scale is sent to the server.

Examples:
  # Scale a replica set named 'foo' to 3
  minictl scale --replicas=3 rs/foo

  # If the deployment named mysql's current size is 2, scale mysql to 3
  minictl scale --current-replicas=2 --replicas=3 deployment/mysql

  # Scale multiple replication controllers
  minictl scale --replicas=5 rc/example1 rc/example2 rc/example3

  # Scale every deployment labelled app=web, and wait up to a minute for them to report it
  minictl scale deployment -l app=web --replicas=2 --timeout=1m

Usage:
  minictl scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME) [options]
`,
  flags: [
    { name: 'replicas', type: 'int', default: 0, description: 'The new desired number of replicas. Required.' },
    { name: 'current-replicas', type: 'int', default: -1, description: 'Precondition for current size. Requires that the current size of the resource match this value in order to scale. -1 (default) for no condition.' },
    { name: 'resource-version', type: 'string', description: 'Precondition for resource version. Requires that the current resource version match this value in order to scale.' },
    { name: 'timeout', type: 'string', default: '0s', description: 'The length of time to wait before giving up on a scale operation, zero means don\'t wait. Any other values should contain a corresponding time unit (e.g. 1s, 2m, 3h).' },
    { name: 'all', type: 'bool', description: 'Select all resources in the namespace of the specified resource types.' },
    SELECTOR_FLAG,
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    OUTPUT_FLAG,
    DRY_RUN_FLAG,
  ],
  run,
};
