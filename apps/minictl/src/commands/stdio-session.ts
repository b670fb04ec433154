// The terminal side of exec and attach: -i/-t as kubectl sets them up (raw mode on a real
// terminal, a warning and no TTY otherwise), the terminal's size and resizes, and the remote exit
// code becoming minictl's.

import type { Readable } from 'node:stream';
import { StatusError } from '@minik8s/api';
import type { ExitStatus, StdioStreams } from '@minik8s/client';
import { CliError } from '../errors';
import type { CommandContext } from '../context';
import { byteStdio } from './stream-target';

export const STDIN_FLAG = { name: 'stdin', short: 'i', type: 'bool', description: 'Pass stdin to the container' } as const;
export const TTY_FLAG = { name: 'tty', short: 't', type: 'bool', description: 'Stdin is a TTY' } as const;
export const QUIET_FLAG = { name: 'quiet', short: 'q', type: 'bool', description: 'Only print output from the remote session' } as const;

export interface TerminalSetup {
  stdin: boolean;
  tty: boolean;
  streams: StdioStreams;
  /** Puts the terminal back as it was. */
  restore(): void;
}

/** Sets up -i and -t the way kubectl's SetupTTY does. */
export function setupTerminal(ctx: CommandContext, attachTo?: { name: string; tty: boolean }): TerminalSetup {
  const io = byteStdio(ctx);
  const stdin = ctx.args.bool('stdin');
  let tty = ctx.args.bool('tty') && stdin;
  if (tty && attachTo && !attachTo.tty) {
    // Attach shares the container's terminal: there is none unless its spec asked for one.
    if (!ctx.args.bool('quiet')) ctx.err(`error: Unable to use a TTY - container ${attachTo.name} did not allocate one\n`);
    tty = false;
  }
  if (tty && !io.stdin.isTTY) {
    if (!ctx.args.bool('quiet')) ctx.err('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }
  const out = io.stdout;
  const streams: StdioStreams = {
    stdin: stdin ? (io.stdin as unknown as Readable) : undefined,
    stdout: { write: (d) => out.write(d) },
    stderr: { write: (d) => io.stderr.write(d) },
  };
  let restore = (): void => undefined;
  if (tty) {
    io.stdin.setRawMode?.(true);
    restore = () => void io.stdin.setRawMode?.(false);
    streams.terminal = {
      size: () => (out.columns && out.rows ? { width: out.columns, height: out.rows } : undefined),
      onResize: (listener) => {
        out.on?.('resize', listener);
        return () => void out.off?.('resize', listener);
      },
    };
  }
  return { stdin, tty, streams, restore };
}

/** kubectl exits with the remote command's exit code, after saying so on stderr. */
export function applyExitStatus(ctx: CommandContext, status: ExitStatus): void {
  const code = status.exitCode ?? 0;
  if (code === 0) return;
  ctx.err(`command terminated with exit code ${code}\n`);
  ctx.exitCode = code;
}

/**
 * kubectl reports a container that is not running as a failed connection upgrade
 * (`error: unable to upgrade connection: container not found ("c")`); other errors stay as they are.
 */
export function upgradeError(err: unknown): unknown {
  if (err instanceof StatusError && err.message.startsWith('container not found')) return new CliError(`unable to upgrade connection: ${err.message}`);
  return err;
}
