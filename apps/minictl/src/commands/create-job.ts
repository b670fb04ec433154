// minictl create job NAME --image=IMAGE [-- COMMAND...], or --from=cronjob/NAME to run a CronJob's
// job template now.

import { type ApiObject, type batchv1 } from '@minik8s/api';
import type { Command, CommandContext } from '../context';
import { DRY_RUN_FLAG } from '../dry-run';
import { CliError } from '../errors';
import { resolveKind } from '../resources';
import { createGenerated, generatedNamespace, nameAndCommand } from './create-generated';
import { OUTPUT_FLAG } from './get';

/** Marks a Job made by hand from a CronJob. */
export const INSTANTIATE_ANNOTATION = 'cronjob.kubernetes.io/instantiate';

/** A Job of one container named after the Job, never restarted. */
export function buildJob(name: string, image: string, command: string[], namespace?: string): batchv1.Job {
  return {
    metadata: { name, namespace },
    spec: {
      template: {
        metadata: {},
        spec: {
          containers: [{ name, image, ...(command.length > 0 ? { command: [...command] } : {}), resources: {} }],
          restartPolicy: 'Never',
        },
      },
    },
    status: {},
  };
}

/**
 * A Job from a CronJob's job template: its labels, its annotations plus the manual-instantiation
 * one, and the CronJob as its controlling owner.
 */
export function jobFromCronJob(name: string, cronJob: batchv1.CronJob, namespace?: string): batchv1.Job {
  const template = structuredClone(cronJob.spec?.jobTemplate ?? {});
  return {
    metadata: {
      name,
      namespace,
      labels: template.metadata?.labels,
      annotations: { [INSTANTIATE_ANNOTATION]: 'manual', ...template.metadata?.annotations },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata?.name, uid: cronJob.metadata?.uid, controller: true },
      ],
    },
    spec: template.spec ?? {},
    status: {},
  };
}

async function run(ctx: CommandContext): Promise<void> {
  const { name, command } = nameAndCommand(ctx);
  const image = ctx.args.string('image');
  const from = ctx.args.string('from');
  if ((!image && !from) || (image && from)) throw new CliError('either --image or --from must be specified');
  if (command.length > 0 && from) throw new CliError('cannot specify --from and command');
  const info = resolveKind(ctx.scheme, 'jobs.batch');
  const namespace = generatedNamespace(ctx, info);
  let job: batchv1.Job;
  if (from) {
    const slash = from.indexOf('/');
    const sourceInfo = slash > 0 ? ctx.scheme.resolve(from.slice(0, slash)) : undefined;
    if (!sourceInfo || slash === from.length - 1) throw new CliError('from must be an existing cronjob');
    const source: ApiObject = await ctx.client().get(sourceInfo, sourceInfo.namespaced ? ctx.namespace : undefined, from.slice(slash + 1));
    if (!(sourceInfo.group === 'batch' && sourceInfo.kind === 'CronJob')) throw new CliError(`unknown object type *${sourceInfo.version}.${sourceInfo.kind}`);
    job = jobFromCronJob(name, source as batchv1.CronJob, namespace);
  } else {
    job = buildJob(name, image, command, namespace);
  }
  await createGenerated(ctx, info, job);
}

export const createJobCommand: Command = {
  name: 'job',
  summary: 'Create a job with the specified name',
  usage: `Create a job with the specified name.

Examples:
  # Create a job
  minictl create job my-job --image=busybox

  # Create a job with a command
  minictl create job my-job --image=busybox -- date

  # Create a job from a cron job named "a-cronjob"
  minictl create job test-job --from=cronjob/a-cronjob

Usage:
  minictl create job NAME --image=image [--from=cronjob/name] -- [COMMAND] [args...] [options]
`,
  flags: [
    { name: 'image', type: 'string', description: 'Image name to run.' },
    { name: 'from', type: 'string', description: 'The name of the resource to create a Job from (only cronjob is supported).' },
    OUTPUT_FLAG,
    DRY_RUN_FLAG,
  ],
  run,
};
