// minictl run NAME --image=IMAGE: one bare Pod, as kubectl's run/v1 generator makes it (labelled
// run=NAME, one container named NAME), and with --expose a ClusterIP Service in front of it.
// With -i/-t/--attach it then waits for the pod to run, attaches to it as `minictl attach` does
// (streaming its logs instead when it already finished), waits for it to end under --restart=Never
// or OnFailure to exit with its container's code, and with --rm deletes what it created.

import { isNotFound, type corev1, type KindInfo } from '@minik8s/api';
import { UsageError, type FlagDef } from '../args';
import type { Command, CommandContext } from '../context';
import { dryRunOf, dryRunSuffix, DRY_RUN_FLAG, type DryRun } from '../dry-run';
import { parseDurationArg } from '../duration';
import { CliError } from '../errors';
import { kindRef, resolveKind } from '../resources';
import { waitFor } from '../wait';
import { sendGenerated } from './create-generated';
import { atoi, buildService, parseLabels } from './expose';
import { OUTPUT_FLAG } from './get';
import { ResultPrinter } from './manifest-command';
import { podRunningTimeoutFlag, untilStarted } from './pod-choice';
import { QUIET_FLAG, setupTerminal, upgradeError } from './stdio-session';
import { byteStdio, pickContainer, withPodStreams } from './stream-target';

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
  /** -i: the container keeps stdin open, for the first attach only unless `leaveStdinOpen`. */
  stdin?: boolean;
  leaveStdinOpen?: boolean;
  /** -t: the container gets a terminal. */
  tty?: boolean;
}

/** The Pod `run` makes. */
export function buildRunPod(input: RunPodInput): corev1.Pod {
  const labels = input.labels ? parseLabels(input.labels) : { run: input.name };
  const annotations = parseAnnotations(input.annotations ?? []);
  const env = parseEnvs(input.env ?? []);
  const container: corev1.Container = { name: input.name, image: input.image, resources: {} };
  if (input.privileged) container.securityContext = { privileged: true };
  if (input.stdin) {
    container.stdin = true;
    if (!input.leaveStdinOpen) container.stdinOnce = true;
  }
  if (input.tty) container.tty = true;
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
function validate(ctx: CommandContext, dryRun: DryRun): { name: string; args: string[]; attach: boolean } {
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
  return { name: positionals[0], args: positionals.slice(1), attach };
}

/** --pod-running-timeout; 0 waits without a deadline, as kubectl run's does. */
function runTimeout(ctx: CommandContext): number {
  const ms = parseDurationArg(ctx.args.string('pod-running-timeout'), 'pod-running-timeout');
  return ms > 0 ? ms : Number.POSITIVE_INFINITY;
}

/** A deadline `timeoutMs` from now (none for an infinite timeout). */
function deadlineIn(timeoutMs: number): number {
  return Number.isFinite(timeoutMs) ? Date.now() + timeoutMs : Number.MAX_SAFE_INTEGER;
}

const TIMED_OUT = 'timed out waiting for the condition';

interface Created {
  info: KindInfo;
  object: { metadata?: { name?: string; namespace?: string } };
}

/** How an attached run ends: fine, or with the container's exit code and kubectl's message. */
type Outcome = { code: 0 } | { code: number; message: string };

/** kubectl's logOpts: the container's logs, for a pod that finished before it could be attached. */
async function streamLogs(ctx: CommandContext, pod: corev1.Pod, container: string): Promise<void> {
  const out = byteStdio(ctx).stdout;
  await withPodStreams(ctx, (streams) =>
    streams.logs(pod.metadata?.namespace ?? ctx.namespace, pod.metadata?.name ?? '', { container }, (d) => void out.write(d), ctx.io.signal),
  );
}

/** kubectl's handleAttachPod: wait for the pod to run, attach to it, or show its logs when it already ended. */
async function attachToPod(ctx: CommandContext, created: corev1.Pod, timeoutMs: number): Promise<corev1.Pod> {
  const pod = await untilStarted(ctx, created, deadlineIn(timeoutMs));
  const phase = pod.status?.phase ?? 'Pending';
  if (phase === 'Pending') throw new CliError(TIMED_OUT);
  const quiet = ctx.args.bool('quiet');
  const container = pickContainer(ctx, pod, '', quiet);
  if (phase === 'Succeeded' || phase === 'Failed') {
    await streamLogs(ctx, pod, container);
    return pod;
  }
  const spec = pod.spec?.containers?.find((c) => c.name === container);
  const terminal = setupTerminal(ctx, { name: container, tty: spec?.tty ?? false });
  if (terminal.stdin && terminal.tty && !quiet) ctx.err("If you don't see a command prompt, try pressing enter.\n");
  const name = pod.metadata?.name ?? '';
  try {
    // Attach has no exit code of its own (the kubelet reports none): the pod's phase gives it below.
    await withPodStreams(ctx, (streams) =>
      streams.attach(
        pod.metadata?.namespace ?? ctx.namespace,
        name,
        { container, stdin: terminal.stdin, stdout: true, stderr: !terminal.tty, tty: terminal.tty },
        terminal.streams,
        ctx.io.signal,
      ),
    );
  } catch (err) {
    terminal.restore();
    ctx.err(`warning: couldn't attach to pod/${name}, falling back to streaming logs: ${(upgradeError(err) as Error).message}\n`);
    await streamLogs(ctx, pod, container);
    return pod;
  } finally {
    terminal.restore();
  }
  // kubectl attach's reattach hint, for a session on a terminal into a pod that restarts it.
  if (terminal.stdin && terminal.tty && !quiet && pod.spec?.restartPolicy === 'Always') {
    ctx.out(`Session ended, resume using 'minictl attach ${name} -c ${container} -i -t' command when the pod is running\n`);
  }
  return pod;
}

/**
 * After the session, kubectl waits (within --pod-running-timeout) for the pod to end when it is not
 * restarted (Never: Succeeded or Failed; OnFailure: Succeeded), and takes the container's exit code.
 */
async function podOutcome(ctx: CommandContext, pod: corev1.Pod, restartPolicy: string, timeoutMs: number): Promise<Outcome> {
  if (ctx.args.bool('leave-stdin-open') || (restartPolicy !== 'Never' && restartPolicy !== 'OnFailure')) return { code: 0 };
  const pods = resolveKind(ctx.scheme, 'pods');
  const namespace = pod.metadata?.namespace ?? ctx.namespace;
  const name = pod.metadata?.name ?? '';
  let last = pod;
  const ended = (p: corev1.Pod): boolean => (restartPolicy === 'OnFailure' ? p.status?.phase === 'Succeeded' : p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
  const done = await waitFor(
    ctx.io.signal,
    Number.isFinite(timeoutMs) ? timeoutMs : Number.MAX_SAFE_INTEGER,
    async () => ended((last = (await ctx.client().get(pods, namespace, name)) as corev1.Pod)),
  );
  if (!done) throw new CliError('interrupted');
  const ref = `${namespace}/${name}`;
  if (last.status?.phase === 'Succeeded') return { code: 0 };
  if (last.status?.phase !== 'Failed') throw new CliError(`pod ${ref} left in phase ${last.status?.phase}`);
  // kubectl run makes one container: its status is the first.
  const terminated = last.status?.containerStatuses?.[0]?.state?.terminated;
  if (!terminated || !terminated.exitCode) throw new CliError(`pod ${ref} failed with unknown exit code`);
  return { code: terminated.exitCode, message: `pod ${ref} terminated (${terminated.reason ?? ''})\n${terminated.message ?? ''}` };
}

/**
 * --rm: deletes what run created, the pod first, saying so unless --quiet. One gone already is
 * skipped; another failure ends the removal unreported, as kubectl's deferred removal does.
 */
async function removeCreated(ctx: CommandContext, created: Created[]): Promise<void> {
  for (const { info, object } of created) {
    const name = object.metadata?.name ?? '';
    try {
      await ctx.client().delete(info, object.metadata?.namespace ?? ctx.namespace, name);
    } catch (err) {
      if (isNotFound(err)) continue;
      return;
    }
    if (!ctx.args.bool('quiet')) ctx.out(`${kindRef(info)} "${name}" deleted\n`);
  }
}

async function run(ctx: CommandContext): Promise<void> {
  if (!ctx.args.has('image')) throw new UsageError('required flag(s) "image" not set');
  const dryRun = dryRunOf(ctx);
  const { name, args, attach } = validate(ctx, dryRun);
  const timeoutMs = runTimeout(ctx);
  const stdin = ctx.args.bool('stdin');
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
    stdin,
    leaveStdinOpen: ctx.args.bool('leave-stdin-open'),
    tty: ctx.args.bool('tty'),
  });
  const podInfo = resolveKind(ctx.scheme, 'pods');
  const printer = new ResultPrinter(ctx);
  const createdPod = await sendGenerated(ctx, podInfo, pod, dryRun);
  const created: Created[] = [{ info: podInfo, object: createdPod }];
  // As kubectl: the pod is created first, its Service then created and printed, then the pod; a
  // Service that fails is reported after the pod.
  let serviceError: unknown;
  if (ctx.args.bool('expose')) {
    try {
      const serviceInfo = resolveKind(ctx.scheme, 'services');
      const service = await sendGenerated(ctx, serviceInfo, buildRunService(name, port, labels), dryRun);
      created.push({ info: serviceInfo, object: service });
      printer.done(serviceInfo, service, `created${suffix}`);
      if (ctx.args.string('output') === 'yaml') ctx.out('---\n');
    } catch (err) {
      serviceError = err;
    }
  }
  if (attach) {
    // As kubectl: the pod is not printed, and a failed Service goes unreported.
    let outcome: Outcome;
    try {
      const attached = await attachToPod(ctx, createdPod as corev1.Pod, timeoutMs);
      // The pod's own policy: kubectl's --restart defaults to Always, so `run -it … -- sh` ends
      // with the session instead of waiting for a pod that restarts for ever to succeed.
      outcome = await podOutcome(ctx, attached, attached.spec?.restartPolicy ?? 'Always', timeoutMs);
    } finally {
      if (ctx.args.bool('rm')) await removeCreated(ctx, created);
    }
    if ('message' in outcome) {
      ctx.err(outcome.message.endsWith('\n') ? outcome.message : `${outcome.message}\n`);
      ctx.exitCode = outcome.code;
    }
    return;
  }
  printer.done(podInfo, createdPod, `created${suffix}`);
  if (serviceError !== undefined) ctx.fail(serviceError);
}

const ATTACH_FLAGS: FlagDef[] = [
  { name: 'stdin', short: 'i', type: 'bool', description: 'Keep stdin open on the container in the pod, even if nothing is attached.' },
  { name: 'tty', short: 't', type: 'bool', description: 'Allocate a TTY for the container in the pod.' },
  {
    name: 'attach',
    type: 'bool',
    description:
      "If true, wait for the Pod to start running, and then attach to the Pod as if 'minictl attach ...' were called.  Default false, unless '-i/--stdin' is set, in which case the default is true. With '--restart=Never' the exit code of the container process is returned.",
  },
  { name: 'rm', type: 'bool', description: "If true, delete the pod after it exits.  Only valid when attaching to the container, e.g. with '--attach' or with '-i/--stdin'." },
  { name: 'leave-stdin-open', type: 'bool', description: 'If the pod is started in interactive mode or with stdin, leave stdin open after the first attach completes. By default, stdin will be closed after the first attach completes.' },
  { ...QUIET_FLAG, description: 'If true, suppress prompt messages.' },
  podRunningTimeoutFlag('1m0s'),
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

  # Start a busybox pod and keep it in the foreground, don't restart it if it exits
  minictl run -i -t busybox --image=busybox --restart=Never

  # Run a command in a throwaway pod and exit with its exit code
  minictl run -i --rm --restart=Never probe --image=busybox -- sh -c 'exit 3'

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
