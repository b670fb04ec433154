// `--help` text of a command: its usage, the commands under it, and its flags.

import { flagHelp } from './args';
import type { Command, CommandContext } from './context';
import { UsageError } from './args';

/** `minictl rollout status --help`. */
export function commandHelp(command: Command): string {
  const subcommands = command.subcommands ?? [];
  let text = command.usage;
  if (subcommands.length > 0) {
    const width = Math.max(...subcommands.map((c) => c.name.length)) + 3;
    text += `\nAvailable Commands:\n${subcommands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}\n`;
  }
  if (command.flags.length > 0) text += `\nOptions:\n${flagHelp(command.flags)}`;
  return `${text}\nUse "minictl options" for a list of global command-line options (applies to all commands).\n`;
}

/**
 * The run of a command that only groups others (`rollout`, `set`): alone it prints its help and
 * fails, as kubectl does; with an argument that names no subcommand it is a usage error.
 */
export function groupRun(command: () => Command): (ctx: CommandContext) => Promise<void> {
  return async (ctx) => {
    const [first] = ctx.args.positionals;
    if (first !== undefined) throw new UsageError(`unknown command "${first}"`);
    ctx.out(commandHelp(command()));
    ctx.exitCode = 1;
  };
}
