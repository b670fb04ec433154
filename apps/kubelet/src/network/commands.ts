import type { CommandRunner } from '@minik8s/exec';

export class NetworkCommandError extends Error {
  override readonly name = 'NetworkCommandError';
}

/** Runs a command and returns its stdout, or throws NetworkCommandError with its stderr. */
export async function mustRun(run: CommandRunner, command: string, args: readonly string[], stdin?: string): Promise<string> {
  const res = await run(command, args, stdin);
  if (res.code !== 0) throw new NetworkCommandError(`${command} ${args.join(' ')} failed (exit ${res.code}): ${res.stderr.trim()}`);
  return res.stdout;
}
