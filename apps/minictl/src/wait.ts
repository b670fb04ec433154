// Polling with a deadline, for the few commands that wait on the server (delete --wait, replace --force).

import { CliError } from './errors';

/** Polls `done` until it is true, the deadline passes (an error), or `signal` aborts (returns false). */
export async function waitFor(signal: AbortSignal, timeoutMs: number, done: () => Promise<boolean>, intervalMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) return false;
    if (await done()) return true;
    if (Date.now() >= deadline) throw new CliError(`timed out waiting for the condition`);
    await new Promise<void>((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, intervalMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
