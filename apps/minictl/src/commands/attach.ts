// minictl attach: attach to the main process of a running container through the apiserver's
// pods/attach: its output, and with -i its stdin (the container needs `stdin: true`).

import type { FlagDef } from '../args';
import { UsageError } from '../args';
import type { Command } from '../context';
import { CliError } from '../errors';
import { applyExitStatus, QUIET_FLAG, setupTerminal, STDIN_FLAG, TTY_FLAG, upgradeError } from './stdio-session';
import { choosePod, objectArg, podRunningTimeout, podRunningTimeoutFlag } from './pod-choice';
import { mostActiveFirst } from './pod-order';
import { CONTAINER_FLAG, pickContainer, withPodStreams } from './stream-target';

const FLAGS: FlagDef[] = [CONTAINER_FLAG, podRunningTimeoutFlag('1m0s'), QUIET_FLAG, STDIN_FLAG, TTY_FLAG];

const USAGE = `Attach to a process that is already running inside an existing container.

Examples:
  # Get output from running pod mypod; use the 'kubectl.kubernetes.io/default-container' annotation
  # for selecting the container to be attached or the first container in the pod will be chosen
  minictl attach mypod

  # Get output from ruby-container from pod mypod
  minictl attach mypod -c ruby-container

  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod mypod
  # and sends stdout/stderr from 'bash' back to the client
  minictl attach mypod -c ruby-container -i -t

  # Get output from the first pod of a replica set named nginx
  minictl attach rs/nginx

Usage:
  minictl attach (POD | TYPE/NAME) -c CONTAINER [options]
`;

export const attachCommand: Command = {
  name: 'attach',
  summary: 'Attach to a running container',
  usage: USAGE,
  flags: FLAGS,
  async run(ctx) {
    const args = ctx.args.positionals;
    if (args.length === 0) throw new UsageError('at least 1 argument is required for attach');
    if (args.length > 2) throw new CliError(`expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw ${args.length}: [${args.join(' ')}]`);
    const timeoutMs = podRunningTimeout(ctx, true);
    const { info, name } = objectArg(ctx, args);
    const pod = await choosePod(ctx, info, name, { order: mostActiveFirst, timeoutMs, waitForStart: true });
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot attach a container in a completed pod; current phase is ${phase}`);
    const given = ctx.args.string('container');
    const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
    if (given && !all.some((c) => c.name === given)) throw new CliError(`cannot attach to the container: container ${given} not found in pod ${pod.metadata?.name}`);
    const container = pickContainer(ctx, pod, given, ctx.args.bool('quiet'));
    const spec = all.find((c) => c.name === container);
    const terminal = setupTerminal(ctx, { name: container, tty: spec?.tty ?? false });
    if (terminal.stdin && terminal.tty && !ctx.args.bool('quiet')) ctx.err("If you don't see a command prompt, try pressing enter.\n");
    try {
      const status = await withPodStreams(ctx, (streams) =>
        streams.attach(
          pod.metadata?.namespace ?? ctx.namespace,
          pod.metadata?.name ?? '',
          { container, stdin: terminal.stdin, stdout: true, stderr: !terminal.tty, tty: terminal.tty },
          terminal.streams,
          ctx.io.signal,
        ),
      ).catch((err: unknown) => {
        throw upgradeError(err);
      });
      terminal.restore();
      applyExitStatus(ctx, status);
    } finally {
      terminal.restore();
    }
  },
};
