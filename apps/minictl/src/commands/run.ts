// minictl run NAME --image=IMAGE: one bare Pod, as kubectl's run/v1 generator makes it (labelled
// run=NAME, one container named NAME), and with --expose a ClusterIP Service in front of it.
// Attaching (-i, -t, --attach, --rm) is refused: create the pod, then `minictl attach` to it.

import type { corev1 } from '@minik8s/api';
import { UsageError, type FlagDef } from '../args';
import type { Command, CommandContext } from '../context';
import { dryRunOf, dryRunSuffix, DRY_RUN_FLAG, type DryRun } from '../dry-run';
import { CliError } from '../errors';
import { resolveKind } from '../resources';
import { atoi, buildService, parseLabels, sendGenerated } from './expose';
import { OUTPUT_FLAG } from './get';
import { ResultPrinter } from './manifest-command';

// The image reference grammar (github.com/distribution/reference's ReferenceRegexp).
const NAME_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${NAME_COMPONENT}(?:/${NAME_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

/** Whether `image` is a valid image reference (`registry:5000/team/app:v1@sha256:...`). */
export function isValidImageReference(image: string): boolean {
  return REFERENCE.test(image);
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** `--env NAME=VALUE` into env vars (kubectl's parseEnvs). */
export function parseEnvs(envs: readonly string[]): corev1.EnvVar[] {
  return envs.map((env) => {
    const eq = env.indexOf('=');
    const name = eq < 0 ? '' : env.slice(0, eq);
    if (!name || !ENV_NAME.test(name)) throw new CliError(`invalid env: ${env}`);
    return { name, value: env.slice(eq + 1) };
  });
}

/** `--annotations k=v` pairs (cmdutil.ParsePairs). */
export function parseAnnotations(pairs: readonly string[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  const invalid: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq > 0) annotations[pair.slice(0, eq)] = pair.slice(eq + 1);
    else invalid.push(pair);
  }
  if (invalid.length > 0) throw new CliError(`invalid annotations format: ${invalid.join(', ')}`);
  return annotations;
}

export interface RunPodInput {
  name: string;
  image: string;
  /** --labels `k=v,...`; run=NAME when empty. */
  labels?: string;
  annotations?: string[];
  env?: string[];
  /** --port; no container port when empty. */
  port?: string;
  /** Always when empty. */
  restart?: string;
  /** The arguments after NAME: the container's args, or its command with --command. */
  args?: string[];
  command?: boolean;
  imagePullPolicy?: string;
  privileged?: boolean;
}

/** The Pod `run` makes. */
export function buildRunPod(input: RunPodInput): corev1.Pod {
  const labels = input.labels ? parseLabels(input.labels) : { run: input.name };
  const annotations = parseAnnotations(input.annotations ?? []);
  const env = parseEnvs(input.env ?? []);
  const container: corev1.Container = { name: input.name, image: input.image, resources: {} };
  if (input.privileged) container.securityContext = { privileged: true };
  const args = input.args ?? [];
  if (args.length > 0) {
    if (input.command) container.command = [...args];
    else container.args = [...args];
  }
  if (env.length > 0) container.env = env;
  if (input.imagePullPolicy) container.imagePullPolicy = input.imagePullPolicy;
  if (input.port) container.ports = [{ containerPort: atoi(input.port) }];
  return {
    metadata: { name: input.name, labels, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: { containers: [container], dnsPolicy: 'ClusterFirst', restartPolicy: input.restart || 'Always' },
    status: {},
  };
}

/** The Service of `run --expose`: selecting the pod's labels (run=NAME by default) on --port. */
export function buildRunService(name: string, port: string, labels = ''): corev1.Service {
  return buildService({ name, selector: labels || `run=${name}`, labels, port });
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

/** Checks the flags in kubectl's order, before anything is sent. */
function validate(ctx: CommandContext, dryRun: DryRun): { name: string; args: string[] } {
  const positionals = ctx.args.positionals;
  if (positionals.length === 0 || ctx.args.argsLenAtDash === 0) throw new UsageError('NAME is required for run');
  const image = ctx.args.string('image');
  if (!image) throw new CliError('--image is required');
  if (!isValidImageReference(image)) throw new CliError(`invalid image name "${image}": invalid reference format`);
  const stdin = ctx.args.bool('stdin');
  if (ctx.args.bool('tty') && !stdin) throw new UsageError('-i/--stdin is required for containers with -t/--tty=true');
  if (ctx.args.bool('expose') && !ctx.args.string('port')) throw new UsageError('--port must be set when exposing a service');
  const restart = ctx.args.string('restart');
  if (restart && !RESTART_POLICIES.includes(restart)) throw new UsageError(`invalid restart policy: ${restart}`);
  const attach = ctx.args.has('attach') ? ctx.args.bool('attach') : stdin;
  if (!attach && ctx.args.bool('rm')) throw new UsageError('--rm should only be used for attached containers');
  if (attach && dryRun !== 'none') {
    throw new UsageError("--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)");
  }
  const pullPolicy = ctx.args.string('image-pull-policy');
  if (pullPolicy && !PULL_POLICIES.includes(pullPolicy)) throw new UsageError(`invalid image pull policy: ${pullPolicy}`);
  if (attach) {
    throw new CliError("attaching is not supported by minictl run (-i, -t, --attach, --rm): create the pod, then use 'minictl attach'");
  }
  return { name: positionals[0], args: positionals.slice(1) };
}

async function run(ctx: CommandContext): Promise<void> {
  if (!ctx.args.has('image')) throw new UsageError('required flag(s) "image" not set');
  const dryRun = dryRunOf(ctx);
  const { name, args } = validate(ctx, dryRun);
  const suffix = dryRunSuffix(dryRun);
  const labels = ctx.args.string('labels');
  const port = ctx.args.string('port');
  const pod = buildRunPod({
    name,
    image: ctx.args.string('image'),
    labels,
    annotations: ctx.args.strings('annotations'),
    env: ctx.args.strings('env'),
    port,
    restart: ctx.args.string('restart'),
    args,
    command: ctx.args.bool('command'),
    imagePullPolicy: ctx.args.string('image-pull-policy'),
    privileged: ctx.args.bool('privileged'),
  });
  const podInfo = resolveKind(ctx.scheme, 'pods');
  const printer = new ResultPrinter(ctx);
  const createdPod = await sendGenerated(ctx, podInfo, pod, dryRun);
  // As kubectl: the pod is created first, its Service then created and printed, then the pod; a
  // Service that fails is reported after the pod.
  let serviceError: unknown;
  if (ctx.args.bool('expose')) {
    try {
      const serviceInfo = resolveKind(ctx.scheme, 'services');
      const service = await sendGenerated(ctx, serviceInfo, buildRunService(name, port, labels), dryRun);
      printer.done(serviceInfo, service, `created${suffix}`);
      if (ctx.args.string('output') === 'yaml') ctx.out('---\n');
    } catch (err) {
      serviceError = err;
    }
  }
  printer.done(podInfo, createdPod, `created${suffix}`);
  if (serviceError !== undefined) ctx.fail(serviceError);
}

const ATTACH_FLAGS: FlagDef[] = [
  { name: 'stdin', short: 'i', type: 'bool', description: 'Keep stdin open on the container in the pod, even if nothing is attached. (Not supported by minictl run.)' },
  { name: 'tty', short: 't', type: 'bool', description: 'Allocate a TTY for the container in the pod. (Not supported by minictl run.)' },
  { name: 'attach', type: 'bool', description: "If true, wait for the Pod to start running, and then attach to the Pod as if 'minictl attach ...' were called. (Not supported by minictl run.)" },
  { name: 'rm', type: 'bool', description: 'If true, delete the pod after it exits. Only valid when attaching to the container. (Not supported by minictl run.)' },
  { name: 'leave-stdin-open', type: 'bool', description: 'If the pod is started in interactive mode or with stdin, leave stdin open after the first attach completes.' },
  { name: 'quiet', short: 'q', type: 'bool', description: 'If true, suppress prompt messages.' },
];

export const runCommand: Command = {
  name: 'run',
  summary: 'Run a particular image on the cluster',
  usage: `Create and run a particular image in a pod.

Examples:
  # Start a nginx pod
  minictl run nginx --image=nginx

  # Start a hazelcast pod and let the container expose port 5701
  minictl run hazelcast --image=hazelcast/hazelcast --port=5701

  # Start a hazelcast pod and set environment variables "DNS_DOMAIN=cluster" and "POD_NAMESPACE=default" in the container
  minictl run hazelcast --image=hazelcast/hazelcast --env="DNS_DOMAIN=cluster" --env="POD_NAMESPACE=default"

  # Start a hazelcast pod and set labels "app=hazelcast" and "env=prod" in the container
  minictl run hazelcast --image=hazelcast/hazelcast --labels="app=hazelcast,env=prod"

  # Dry run; print the corresponding API objects without creating them
  minictl run nginx --image=nginx --dry-run=client

  # Start a nginx pod and a ClusterIP service named nginx in front of it on port 80
  minictl run nginx --image=nginx --port=80 --expose

  # Start the nginx pod using the default command, but use custom arguments (arg1 .. argN) for that command
  minictl run nginx --image=nginx -- <arg1> <arg2> ... <argN>

  # Start the nginx pod using a different command and custom arguments
  minictl run nginx --image=nginx --command -- <cmd> <arg1> ... <argN>

Usage:
  minictl run NAME --image=image [--env="key=value"] [--port=port] [--dry-run=server|client] [--command] -- [COMMAND] [args...] [options]
`,
  flags: [
    { name: 'image', type: 'string', description: 'The image for the container to run.' },
    { name: 'image-pull-policy', type: 'string', description: 'The image pull policy for the container.  If left empty, this value will not be specified by the client and defaulted by the server.' },
    { name: 'env', type: 'stringArray', description: 'Environment variables to set in the container.' },
    { name: 'port', type: 'string', description: 'The port that this container exposes.' },
    { name: 'labels', short: 'l', type: 'string', description: 'Comma separated labels to apply to the pod. Will override previous values.' },
    { name: 'annotations', type: 'stringArray', description: 'Annotations to apply to the pod.' },
    { name: 'restart', type: 'string', description: 'The restart policy for this Pod.  Legal values [Always, OnFailure, Never].' },
    { name: 'command', type: 'bool', description: "If true and extra arguments are present, use them as the 'command' field in the container, rather than the 'args' field which is the default." },
    { name: 'expose', type: 'bool', description: 'If true, create a ClusterIP service associated with the pod.  Requires `--port`.' },
    { name: 'privileged', type: 'bool', description: 'If true, run the container in privileged mode.' },
    { name: 'save-config', type: 'bool', description: 'If true, the configuration of current object will be saved in its annotation, so later `minictl apply` calls see it.' },
    ...ATTACH_FLAGS,
    OUTPUT_FLAG,
    DRY_RUN_FLAG,
  ],
  run,
};
