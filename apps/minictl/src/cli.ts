// The minictl entry: find the command, parse its flags, run it, and turn failures into kubectl-style
// messages and an exit code (0 success, 1 any error).

import { firstPositional, flagHelp, parseArgs, UsageError } from './args';
import { applyCommand } from './commands/apply';
import { attachCommand } from './commands/attach';
import { cpCommand } from './commands/cp';
import { execCommand } from './commands/exec';
import { logsCommand } from './commands/logs';
import { portForwardCommand } from './commands/port-forward';
import { apiResourcesCommand } from './commands/api-resources';
import { apiVersionsCommand } from './commands/api-versions';
import { clusterInfoCommand } from './commands/cluster-info';
import { configCommand } from './commands/config';
import { cordonCommand, uncordonCommand } from './commands/cordon';
import { createCommand } from './commands/create';
import { deleteCommand } from './commands/delete';
import { describeCommand } from './commands/describe';
import { diffCommand } from './commands/diff';
import { drainCommand } from './commands/drain';
import { editCommand } from './commands/edit';
import { eventsCommand } from './commands/events';
import { exposeCommand } from './commands/expose';
import { getCommand } from './commands/get';
import { annotateCommand, labelCommand } from './commands/label-annotate';
import { patchCommand } from './commands/patch';
import { replaceCommand } from './commands/replace';
import { rolloutCommand } from './commands/rollout/rollout';
import { runCommand } from './commands/run';
import { scaleCommand } from './commands/scale';
import { setCommand } from './commands/set-image';
import { taintCommand } from './commands/taint';
import { versionCommand } from './commands/version';
import { waitCommand } from './commands/wait-command';
import { CommandContext, GLOBAL_FLAGS, type Command } from './context';
import { formatError } from './errors';
import { commandHelp } from './help';
import type { Io } from './io';

const GROUPS: [string, Command[]][] = [
  ['Basic Commands', [createCommand, exposeCommand, runCommand, getCommand, editCommand, deleteCommand, setCommand]],
  ['Deploy Commands', [rolloutCommand, scaleCommand]],
  ['Cluster Management Commands', [clusterInfoCommand, cordonCommand, uncordonCommand, drainCommand, taintCommand]],
  ['Troubleshooting and Debugging Commands', [describeCommand, logsCommand, attachCommand, execCommand, portForwardCommand, cpCommand, eventsCommand]],
  ['Advanced Commands', [applyCommand, diffCommand, patchCommand, replaceCommand, waitCommand]],
  ['Settings Commands', [labelCommand, annotateCommand]],
  ['Other Commands', [apiResourcesCommand, apiVersionsCommand, configCommand, versionCommand]],
];

export const COMMANDS: Command[] = GROUPS.flatMap(([, commands]) => commands);

function rootHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3;
  const groups = GROUPS.map(([title, commands]) => `${title}:\n${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}\n`);
  return `minictl controls the minik8s cluster.\n\n${groups.join('\n')}
Usage:
  minictl [flags] [options]

Use "minictl <command> --help" for more information about a given command.
Use "minictl options" for a list of global command-line options (applies to all commands).
`;
}

function globalOptionsHelp(): string {
  return `The following options can be passed to any command:\n\n${flagHelp(GLOBAL_FLAGS)}`;
}

/**
 * Walks down subcommands (`rollout` then `status`): each step takes the first positional that names
 * a subcommand out of the arguments. Returns the command to run, its full name and what is left.
 */
export function resolveSubcommand(command: Command, args: readonly string[]): { command: Command; path: string; rest: string[] } {
  let current = command;
  let path = command.name;
  let rest = [...args];
  while (current.subcommands && current.subcommands.length > 0) {
    const index = firstPositional(rest, [...GLOBAL_FLAGS, ...current.flags]);
    if (index < 0) break;
    const sub = current.subcommands.find((c) => c.name === rest[index] || (c.aliases ?? []).includes(rest[index]));
    if (!sub) break;
    current = sub;
    path = `${path} ${sub.name}`;
    rest = [...rest.slice(0, index), ...rest.slice(index + 1)];
  }
  return { command: current, path, rest };
}

/** Runs minictl with `argv` (without the program name); resolves to the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const index = firstPositional(argv, GLOBAL_FLAGS);
  if (index < 0) {
    io.stdout.write(rootHelp());
    return 0;
  }
  const name = argv[index];
  if (name === 'options') {
    io.stdout.write(globalOptionsHelp());
    return 0;
  }
  if (name === 'help') {
    const target = COMMANDS.find((c) => c.name === argv[index + 1]);
    io.stdout.write(target ? commandHelp(resolveSubcommand(target, argv.slice(index + 2)).command) : rootHelp());
    return 0;
  }
  const top = COMMANDS.find((c) => c.name === name || (c.aliases ?? []).includes(name));
  if (!top) {
    io.stderr.write(`error: unknown command "${name}" for "minictl"\n\nRun 'minictl --help' for usage.\n`);
    return 1;
  }
  const { command, path, rest } = resolveSubcommand(top, [...argv.slice(0, index), ...argv.slice(index + 1)]);
  let ctx: CommandContext;
  try {
    ctx = new CommandContext(io, parseArgs(rest, [...GLOBAL_FLAGS, ...command.flags]), path);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(formatError(err, { command: path }));
    return 1;
  }
  if (ctx.args.bool('help')) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    await command.run(ctx);
  } catch (err) {
    ctx.fail(err);
  } finally {
    ctx.close();
  }
  return ctx.exitCode;
}
