// minictl set image: change container images in the pod template of workloads (or of a pod), by
// container name or `*` for all of them.

import type { corev1 } from '@minik8s/api';
import { UsageError } from '../args';
import type { Command, CommandContext } from '../context';
import { dryRunOf, dryRunSuffix, DRY_RUN_FLAG } from '../dry-run';
import { CliError } from '../errors';
import { groupRun } from '../help';
import { resourceRef } from '../resources';
import { resolveTargets, updateObject } from '../targets';
import { podSpecOf } from '../workloads';
import { ALL_NAMESPACES_FLAG, FILENAME_FLAG, OUTPUT_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG } from './get';
import { ResultPrinter } from './manifest-command';

/** Splits `deployment/web nginx=nginx:1.25` into resource arguments and container=image pairs, in order. */
export function splitImageArgs(args: readonly string[]): { resources: string[]; images: [string, string][] } {
  const resources: string[] = [];
  const images: [string, string][] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) resources.push(arg);
    else images.push([arg.slice(0, eq), arg.slice(eq + 1)]);
  }
  return { resources, images };
}

function setIn(containers: corev1.Container[] | undefined, name: string, image: string): { found: boolean; changed: boolean } {
  let found = false;
  let changed = false;
  for (const c of containers ?? []) {
    if (name !== '*' && c.name !== name) continue;
    found = true;
    if (c.image !== image) changed = true;
    c.image = image;
  }
  return { found, changed };
}

/**
 * Sets the images in a pod spec, init containers included; returns whether anything changed and
 * the names no container has.
 */
export function setImages(spec: corev1.PodSpec, images: readonly [string, string][]): { changed: boolean; missing: string[] } {
  let changed = false;
  const missing: string[] = [];
  for (const [name, image] of images) {
    const init = setIn(spec.initContainers, name, image);
    const main = setIn(spec.containers, name, image);
    changed ||= init.changed || main.changed;
    if (!init.found && !main.found) missing.push(name);
  }
  return { changed, missing };
}

async function run(ctx: CommandContext): Promise<void> {
  const { resources, images } = splitImageArgs(ctx.args.positionals);
  const hasFiles = ctx.args.strings('filename').length > 0;
  if (resources.length === 0 && !hasFiles) throw new UsageError('one or more resources must be specified as <resource> <name> or <resource>/<name>');
  if (images.length === 0) throw new UsageError('at least one image update is required');
  for (const [name, image] of images) {
    if (!name || !image) throw new CliError(`invalid image update "${name}=${image}"`);
  }
  const dryRun = dryRunOf(ctx);
  const targets = await resolveTargets(ctx, resources, 'set image');
  const printer = new ResultPrinter(ctx);
  for (const target of targets) {
    try {
      let missing: string[] = [];
      let unsupported = false;
      const change = (obj: Parameters<typeof podSpecOf>[1]): boolean => {
        const spec = podSpecOf(target.info, obj);
        if (!spec) {
          unsupported = true;
          return false;
        }
        const result = setImages(spec, images);
        missing = result.missing;
        return result.changed;
      };
      let outcome: { obj: Parameters<typeof podSpecOf>[1]; changed: boolean };
      if (dryRun === 'client') {
        const obj = await ctx.client().get(target.info, target.namespace, target.name);
        outcome = { obj, changed: change(obj) };
      } else {
        outcome = await updateObject(ctx, target, change, { dryRun: dryRun === 'server' });
      }
      if (unsupported) throw new CliError(`${resourceRef(target.info)}/${target.name} the object is not a pod or does not have a pod template: *${target.info.version}.${target.info.kind}`);
      for (const name of missing) ctx.fail(new CliError(`unable to find container named "${name}"`));
      if (outcome.changed) printer.done(target.info, outcome.obj, `image updated${dryRunSuffix(dryRun)}`);
    } catch (err) {
      ctx.fail(err);
    }
  }
}

export const setImageCommand: Command = {
  name: 'image',
  summary: 'Update the image of a pod template',
  usage: `Update existing container image(s) of resources.

Possible resources include (case insensitive):

  pod (po), replicationcontroller (rc), deployment (deploy), daemonset (ds), statefulset (sts), cronjob (cj),
  replicaset (rs), job

Examples:
  # Set a deployment's nginx container image to 'nginx:1.9.1', and its busybox container image to 'busybox'
  minictl set image deployment/nginx busybox=busybox nginx=nginx:1.9.1

  # Update all deployments' and rc's nginx container's image to 'nginx:1.9.1'
  minictl set image deployments,rc nginx=nginx:1.9.1 --all

  # Update image of all containers of daemonset abc to 'nginx:1.9.1'
  minictl set image daemonset abc *=nginx:1.9.1

Usage:
  minictl set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N [options]
`,
  flags: [
    { name: 'all', type: 'bool', description: 'Select all resources, in the namespace of the specified resource types.' },
    SELECTOR_FLAG,
    ALL_NAMESPACES_FLAG,
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    OUTPUT_FLAG,
    DRY_RUN_FLAG,
  ],
  run,
};

export const setCommand: Command = {
  name: 'set',
  summary: 'Set specific features on objects',
  usage: `Configure application resources.

These commands help you make changes to existing application resources.

Usage:
  minictl set SUBCOMMAND [options]
`,
  flags: [],
  subcommands: [setImageCommand],
  run: groupRun(() => setCommand),
};
