// Unit-test support: minictl without a server (what fails before any request), collecting output.

import { parseArgs } from './args';
import { run } from './cli';
import { CommandContext, GLOBAL_FLAGS, type Command } from './context';
import { BufferedOutput, type Io } from './io';

/** What a command sees on a machine whose configured server is not there. */
function offlineIo(now: Date | undefined): Io & { stdout: BufferedOutput; stderr: BufferedOutput } {
  return {
    stdout: new BufferedOutput(),
    stderr: new BufferedOutput(),
    readStdin: async () => '',
    env: { MINIK8S_SERVER: '127.0.0.1:1', MINIK8S_CONFIG: '/nonexistent/config' },
    now: () => now ?? new Date(),
    signal: new AbortController().signal,
    homeDir: '/nonexistent',
  };
}

export function contextFor(command: Command, argv: string[], now = new Date('2024-05-06T07:08:09Z')): CommandContext & { stdout: BufferedOutput; stderr: BufferedOutput } {
  const io = offlineIo(now);
  const ctx = new CommandContext(io, parseArgs(argv, [...GLOBAL_FLAGS, ...command.flags]), command.name);
  return Object.assign(ctx, { stdout: io.stdout, stderr: io.stderr });
}

/** The whole CLI on `argv`, offline: its exit code and output. */
export async function runOffline(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = offlineIo(undefined);
  const code = await run(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}
