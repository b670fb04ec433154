import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { waitFor } from '@minik8s/testing';

const run = promisify(execFile);

/** How the host's engine was restarted, and when it answered again. */
export interface EngineRestart {
  method: 'systemd' | 'process';
  /** Epoch ms at which `docker info` answered again. */
  backAt: number;
  /** Seconds from asking it to stop until the old engine was gone (process) or restart returned (systemd). */
  stopSeconds: number;
  /** Seconds from asking it to stop until the new engine answered. */
  totalSeconds: number;
}

async function succeeds(file: string, args: string[], timeoutMs = 20_000): Promise<boolean> {
  try {
    await run(file, args, { timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
}

/** The engine is a systemd unit when systemd runs this machine (sd_booted's test) and `docker` is active. */
async function underSystemd(): Promise<boolean> {
  return existsSync('/run/systemd/system') && (await succeeds('systemctl', ['is-active', '--quiet', 'docker']));
}

/** The host engine's process: dockerd's pid file, not `pidof` (Docker-in-Docker nodes run dockerds too). */
function hostDockerdPid(): number {
  const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'dockerd') {
    throw new Error(`/var/run/docker.pid names no running dockerd (${pid})`);
  }
  return pid;
}

function nulSeparated(path: string): string[] {
  return readFileSync(path, 'utf8').split('\0').filter((s) => s.length > 0);
}

/** Where the engine's stdout went, if it was a file (as `setsid dockerd >/var/log/dockerd.log` makes it). */
function logFileOf(pid: number): string {
  try {
    const target = readlinkSync(`/proc/${pid}/fd/1`);
    if (target.startsWith('/') && statSync(target).isFile()) return target;
  } catch {
    // No stdout, or not ours to read: the default below.
  }
  return '/var/log/dockerd.log';
}

/** Gone, or a zombie its parent has not reaped yet (it has released everything by then). */
function exited(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true;
  }
}

const engineAnswers = (): Promise<boolean> => succeeds('docker', ['info', '--format', '{{.ServerVersion}}']);

/**
 * Restarts the host's Docker engine as its owner would: `systemctl restart docker` where systemd
 * runs it, otherwise SIGTERM to the dockerd of /var/run/docker.pid, wait until it has exited (it
 * stops every container first), and start it again with the same command line, environment and
 * log file, in a session of its own (as scripts/ensure-deps.sh starts it) so it outlives the test.
 * Every container on the machine is stopped; those with a restart policy come back.
 */
export async function restartDockerEngine(timeoutMs = 180_000): Promise<EngineRestart> {
  const started = Date.now();
  const seconds = (): number => Math.round((Date.now() - started) / 100) / 10;
  if (await underSystemd()) {
    await run('systemctl', ['restart', 'docker'], { timeout: timeoutMs });
    const stopSeconds = seconds();
    await waitFor(engineAnswers, { timeoutMs, intervalMs: 500, description: 'the Docker engine to answer after systemctl restart docker' });
    return { method: 'systemd', backAt: Date.now(), stopSeconds, totalSeconds: seconds() };
  }

  const pid = hostDockerdPid();
  const argv = nulSeparated(`/proc/${pid}/cmdline`);
  const env = Object.fromEntries(
    nulSeparated(`/proc/${pid}/environ`).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
  );
  const logFile = logFileOf(pid);
  process.kill(pid, 'SIGTERM');
  await waitFor(() => exited(pid), { timeoutMs, intervalMs: 250, description: `dockerd (pid ${pid}) to exit` });
  const stopSeconds = seconds();

  const out = openSync(logFile, 'a');
  try {
    // detached: a new session, as setsid does, so the engine neither dies with nor waits for this process.
    const child = spawn(argv[0], argv.slice(1), { env, cwd: '/', detached: true, stdio: ['ignore', out, out] });
    child.unref();
  } finally {
    closeSync(out);
  }
  await waitFor(engineAnswers, { timeoutMs, intervalMs: 500, description: `the Docker engine to answer again (log: ${logFile})` });
  return { method: 'process', backAt: Date.now(), stopSeconds, totalSeconds: seconds() };
}
