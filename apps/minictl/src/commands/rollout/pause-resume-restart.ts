// minictl rollout pause / resume (a Deployment's spec.paused) and restart (a new pod-template
// annotation, so every pod of a Deployment, DaemonSet or StatefulSet is replaced).

import type { ApiObject, corev1, KindInfo } from '@minik8s/api';
import type { Command, CommandContext } from '../../context';
import { CliError } from '../../errors';
import { resolveTargets } from '../../targets';
import { updateObject } from '../../targets';
import { RESTARTED_AT_ANNOTATION } from '../../workloads';
import { OUTPUT_FLAG } from '../get';
import { ResultPrinter } from '../manifest-command';
import { formatRfc3339, objectError, RESOURCE_FLAGS } from './common';

type Workload = ApiObject & { spec?: { paused?: boolean; template?: corev1.PodTemplateSpec } };

function isApps(info: KindInfo, ...kinds: string[]): boolean {
  return info.group === 'apps' && kinds.includes(info.kind);
}

/**
 * The change one subcommand makes to an object: throws kubectl's reason when it cannot be made,
 * returns false when there is nothing to change.
 */
type Change = (info: KindInfo, obj: Workload, now: Date) => boolean;

/** Error text for an object left as it was (kubectl reports an empty patch per verb). */
type Unchanged = (info: KindInfo, name: string) => CliError;

async function runChange(ctx: CommandContext, verb: string, change: Change, unchanged: Unchanged): Promise<void> {
  const targets = await resolveTargets(ctx, ctx.args.positionals, `rollout ${verb}`);
  const printer = new ResultPrinter(ctx);
  const now = ctx.now();
  for (const target of targets) {
    try {
      const { obj, changed } = await updateObject<Workload>(ctx, target, (current) => {
        try {
          return change(target.info, current, now);
        } catch (err) {
          if (err instanceof CliError) throw objectError(target.info, target.name, err.message);
          throw err;
        }
      });
      if (!changed) throw unchanged(target.info, target.name);
      printer.done(target.info, obj, verb === 'pause' ? 'paused' : verb === 'resume' ? 'resumed' : 'restarted');
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const pauseChange: Change = (info, obj) => {
  if (!isApps(info, 'Deployment')) throw new CliError('pausing is not supported');
  if (obj.spec?.paused) throw new CliError('is already paused');
  obj.spec = { ...obj.spec, paused: true };
  return true;
};

export const resumeChange: Change = (info, obj) => {
  if (!isApps(info, 'Deployment')) throw new CliError('resuming is not supported');
  if (!obj.spec?.paused) throw new CliError('is not paused');
  obj.spec = { ...obj.spec, paused: undefined };
  return true;
};

export const restartChange: Change = (info, obj, now) => {
  if (!isApps(info, 'Deployment', 'DaemonSet', 'StatefulSet')) throw new CliError('restarting is not supported');
  if (info.kind === 'Deployment' && obj.spec?.paused) throw new CliError("can't restart paused deployment (run rollout resume first)");
  const template = (obj.spec ??= {}).template ?? {};
  const stamp = formatRfc3339(now);
  if (template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === stamp) return false;
  template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [RESTARTED_AT_ANNOTATION]: stamp } };
  obj.spec.template = template;
  return true;
};

const FLAGS = [...RESOURCE_FLAGS, OUTPUT_FLAG];

export const rolloutPauseCommand: Command = {
  name: 'pause',
  summary: 'Mark the provided resource as paused',
  usage: `Mark the provided resource as paused.

Paused resources will not be reconciled by a controller. Use "minictl rollout resume" to resume a paused resource.
Currently only deployments support being paused.

Examples:
  # Mark the nginx deployment as paused
  # Any current state of the deployment will continue its function; new updates
  # to the deployment will not have an effect as long as the deployment is paused
  minictl rollout pause deployment/nginx

Usage:
  minictl rollout pause RESOURCE [options]
`,
  flags: FLAGS,
  run: (ctx) => runChange(ctx, 'pause', pauseChange, (info, name) => objectError(info, name, 'is already paused')),
};

export const rolloutResumeCommand: Command = {
  name: 'resume',
  summary: 'Resume a paused resource',
  usage: `Resume a paused resource.

Paused resources will not be reconciled by a controller. By resuming a resource, we allow it to be reconciled again.
Currently only deployments support being resumed.

Examples:
  # Resume an already paused deployment
  minictl rollout resume deployment/nginx

Usage:
  minictl rollout resume RESOURCE [options]
`,
  flags: FLAGS,
  run: (ctx) => runChange(ctx, 'resume', resumeChange, (info, name) => objectError(info, name, 'is not paused')),
};

export const rolloutRestartCommand: Command = {
  name: 'restart',
  summary: 'Restart a resource',
  usage: `Restart a resource.

Resource rollout will be restarted.

Examples:
  # Restart all deployments in the test-namespace namespace
  minictl rollout restart deployment -n test-namespace --selector=app=web

  # Restart a deployment
  minictl rollout restart deployment/nginx

  # Restart a daemon set
  minictl rollout restart daemonset/abc

Usage:
  minictl rollout restart RESOURCE [options]
`,
  flags: FLAGS,
  run: (ctx) =>
    runChange(ctx, 'restart', restartChange, (_info, name) =>
      new CliError(`failed to create patch for ${name}: if restart has already been triggered within the past second, please wait before attempting to trigger another`)),
};
