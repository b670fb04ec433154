// minictl exec: run a command in a container through the apiserver's pods/exec, with stdin and a
// real TTY on request; the command's exit code becomes minictl's.

import { UsageError, type FlagDef } from '../args';
import type { Command } from '../context';
import { CliError } from '../errors';
import { applyExitStatus, QUIET_FLAG, setupTerminal, STDIN_FLAG, TTY_FLAG, upgradeError } from './stdio-session';
import { choosePod, objectArg, podRunningTimeout, podRunningTimeoutFlag } from './pod-choice';
import { mostActiveFirst } from './pod-order';
import { CONTAINER_FLAG, pickContainer, withPodStreams } from './stream-target';

const FLAGS: FlagDef[] = [CONTAINER_FLAG, podRunningTimeoutFlag('1m0s'), QUIET_FLAG, STDIN_FLAG, TTY_FLAG];

const USAGE = `Execute a command in a container.

Examples:
  # Get output from running the 'date' command from pod mypod, using the first container by default
  minictl exec mypod -- date

  # Get output from running the 'date' command in ruby-container from pod mypod
  minictl exec mypod -c ruby-container -- date

  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod mypod
  # and sends stdout/stderr from 'bash' back to the client
  minictl exec mypod -c ruby-container -i -t -- bash -il

  # Get output from running 'date' command from the first pod of the deployment mydeployment, using the first container by default
  minictl exec deploy/mydeployment -- date

  # Get output from running 'date' command from the first pod of the service myservice, using the first container by default
  minictl exec svc/myservice -- date

Usage:
  minictl exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...] [options]
`;

const EXPECTED = "expected 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]'.\nPOD or TYPE/NAME is a required argument for the exec command";

export const execCommand: Command = {
  name: 'exec',
  summary: 'Execute a command in a container',
  usage: USAGE,
  flags: FLAGS,
  async run(ctx) {
    const args = ctx.args.positionals;
    const dash = ctx.args.argsLenAtDash;
    if (args.length === 0 || dash === 0) throw new UsageError(EXPECTED);
    if (dash === -1 && args.length > 1) throw new CliError('exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead');
    const command = args.slice(1);
    if (command.length === 0) throw new CliError('you must specify at least one command for the container');
    const timeoutMs = podRunningTimeout(ctx, true);
    const { info, name } = objectArg(ctx, args.slice(0, 1));
    const pod = await choosePod(ctx, info, name, { order: mostActiveFirst, timeoutMs, waitForStart: true });
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    const container = pickContainer(ctx, pod, ctx.args.string('container'), ctx.args.bool('quiet'));
    const terminal = setupTerminal(ctx);
    try {
      const status = await withPodStreams(ctx, (streams) =>
        streams.exec(
          pod.metadata?.namespace ?? ctx.namespace,
          pod.metadata?.name ?? '',
          { container, command, stdin: terminal.stdin, stdout: true, stderr: !terminal.tty, tty: terminal.tty },
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
