import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '@minik8s/logging';

/** Calls `onLine` for each link event the kernel reports; returns the function that stops it. */
export type LinkWatcher = (onLine: (line: string) => void) => () => void;

const RESTART_MS = 2_000;

/**
 * Link events from `ip -o monitor link` (netlink, one line per event): a veth joining the pod
 * bridge shows up here within milliseconds, without asking the container runtime anything.
 * The monitor is restarted if it dies; `netns` runs it in a network namespace (tests).
 */
export function ipMonitorLinks(logger: Logger, netns = ''): LinkWatcher {
  return (onLine) => {
    let stopped = false;
    let child: ReturnType<typeof spawn> | undefined;
    let restart: NodeJS.Timeout | undefined;
    const launch = (): void => {
      const args = ['-o', 'monitor', 'link'];
      const [cmd, argv] = netns ? ['ip', ['netns', 'exec', netns, 'ip', ...args]] : ['ip', args];
      const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      createInterface({ input: proc.stdout! }).on('line', onLine);
      let stderr = '';
      proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      proc.on('error', (err) => logger.warn({ err: err.message }, 'could not run ip monitor link'));
      proc.on('close', (code) => {
        if (stopped) return;
        logger.warn({ code, stderr: stderr.trim(), retryMs: RESTART_MS }, 'ip monitor link ended; restarting it');
        restart = setTimeout(launch, RESTART_MS);
        restart.unref?.();
      });
    };
    launch();
    return () => {
      stopped = true;
      if (restart) clearTimeout(restart);
      child?.kill('SIGTERM');
    };
  };
}
