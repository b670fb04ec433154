// minictl create deployment NAME --image=IMAGE...: a Deployment labelled and selecting app=NAME,
// with one container per image (named after the image).

import type { appsv1, corev1 } from '@minik8s/api';
import { UsageError } from '../args';
import type { Command, CommandContext } from '../context';
import { DRY_RUN_FLAG } from '../dry-run';
import { CliError } from '../errors';
import { resolveKind } from '../resources';
import { createGenerated, generatedNamespace, nameAndCommand } from './create-generated';
import { OUTPUT_FLAG } from './get';

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * A container name from an image: the last path segment without tag or digest. Characters a DNS
 * label cannot have (`.`, `_`) become `-`, and then a random suffix keeps such names apart.
 */
export function containerNameFor(image: string, random: () => number = Math.random): string {
  let name = image.slice(image.lastIndexOf('/') + 1);
  name = name.split(':')[0].split('@')[0];
  if (/[._]/.test(name)) {
    const suffix = Array.from({ length: 5 }, () => SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)]).join('');
    name = `${name.replace(/[._]/g, '-')}-${suffix}`;
  }
  return name;
}

export interface DeploymentSpecInput {
  name: string;
  images: string[];
  replicas: number;
  /** -1: no port. */
  port: number;
  command: string[];
  namespace?: string;
}

/** The Deployment `create deployment` makes. */
export function buildDeployment(input: DeploymentSpecInput, random?: () => number): appsv1.Deployment {
  const labels = { app: input.name };
  const containers: corev1.Container[] = input.images.map((image) => ({
    name: containerNameFor(image, random),
    image,
    ...(input.command.length > 0 ? { command: [...input.command] } : {}),
    resources: {},
  }));
  if (input.port >= 0 && containers.length > 0) containers[0].ports = [{ containerPort: input.port }];
  return {
    metadata: { name: input.name, namespace: input.namespace, labels: { ...labels } },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: { ...labels } },
      template: { metadata: { labels: { ...labels } }, spec: { containers } },
      strategy: {},
    },
    status: {},
  };
}

async function run(ctx: CommandContext): Promise<void> {
  const { name, command } = nameAndCommand(ctx);
  const images = ctx.args.strings('image');
  if (images.length === 0) throw new UsageError('required flag(s) "image" not set');
  if (images.length > 1 && command.length > 0) throw new CliError('cannot specify multiple --image options and command');
  const info = resolveKind(ctx.scheme, 'deployments.apps');
  const deployment = buildDeployment({
    name,
    images,
    replicas: ctx.args.int('replicas'),
    port: ctx.args.int('port'),
    command,
    namespace: generatedNamespace(ctx, info),
  });
  await createGenerated(ctx, info, deployment);
}

export const createDeploymentCommand: Command = {
  name: 'deployment',
  aliases: ['deploy'],
  summary: 'Create a deployment with the specified name',
  usage: `Create a deployment with the specified name.

Examples:
  # Create a deployment named my-dep that runs the busybox image
  minictl create deployment my-dep --image=busybox

  # Create a deployment with a command
  minictl create deployment my-dep --image=busybox -- date

  # Create a deployment named my-dep that runs the nginx image with 3 replicas
  minictl create deployment my-dep --image=nginx --replicas=3

  # Create a deployment named my-dep that runs the busybox image and expose port 5701
  minictl create deployment my-dep --image=busybox --port=5701

Usage:
  minictl create deployment NAME --image=image -- [COMMAND] [args...] [options]
`,
  flags: [
    { name: 'image', type: 'stringArray', description: 'Image names to run. A deployment can have multiple images set for multi-container pod.' },
    { name: 'replicas', short: 'r', type: 'int', default: 1, description: 'Number of replicas to create. Default is 1.' },
    { name: 'port', type: 'int', default: -1, description: 'The containerPort that this deployment exposes.' },
    OUTPUT_FLAG,
    DRY_RUN_FLAG,
  ],
  run,
};
