// Unit-test support: a CommandContext for a command's flags, without a server, collecting output.

import { parseArgs } from './args';
import { CommandContext, GLOBAL_FLAGS, type Command } from './context';
import { BufferedOutput } from './io';

export function contextFor(command: Command, argv: string[], now = new Date('2024-05-06T07:08:09Z')): CommandContext & { stdout: BufferedOutput; stderr: BufferedOutput } {
  const stdout = new BufferedOutput();
  const stderr = new BufferedOutput();
  const ctx = new CommandContext(
    {
      stdout,
      stderr,
      readStdin: async () => '',
      env: { MINIK8S_SERVER: '127.0.0.1:1', MINIK8S_CONFIG: '/nonexistent/config' },
      now: () => now,
      signal: new AbortController().signal,
      homeDir: '/nonexistent',
    },
    parseArgs(argv, [...GLOBAL_FLAGS, ...command.flags]),
    command.name,
  );
  return Object.assign(ctx, { stdout, stderr });
}
