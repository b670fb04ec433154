import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one program; the seam unit tests replace. A missing program rejects with code ENOENT. */
export type CommandRunner = (command: string, args: readonly string[], stdin?: string) => Promise<CommandResult>;

/** Runs commands on this host, or inside network namespace `netns` (`ip netns exec`, for tests). */
export function execRunner(netns = ''): CommandRunner {
  return (command, args, stdin) =>
    new Promise((resolve, reject) => {
      const [cmd, argv] = netns ? ['ip', ['netns', 'exec', netns, command, ...args]] : [command, [...args]];
      const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin ?? '');
    });
}

export class NetworkCommandError extends Error {
  override readonly name = 'NetworkCommandError';
}

/** Runs a command and returns its stdout, or throws NetworkCommandError with its stderr. */
export async function mustRun(run: CommandRunner, command: string, args: readonly string[], stdin?: string): Promise<string> {
  const res = await run(command, args, stdin);
  if (res.code !== 0) throw new NetworkCommandError(`${command} ${args.join(' ')} failed (exit ${res.code}): ${res.stderr.trim()}`);
  return res.stdout;
}
