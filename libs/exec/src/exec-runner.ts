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
      child.on('close', (code) => {
        // `ip netns exec` reports a missing program as exit 255 with "No such file or directory".
        if (netns && code === 255 && /exec of .* failed: No such file or directory/.test(stderr)) {
          reject(Object.assign(new Error(`${command}: not found`), { code: 'ENOENT' }));
          return;
        }
        resolve({ code: code ?? 1, stdout, stderr });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin ?? '');
    });
}
