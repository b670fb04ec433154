import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, copyFileSync, rmSync, symlinkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../wait-for';

const run = promisify(execFile);

/** The label every Docker object made by test helpers carries, so cleanup can find them. */
export const TEST_LABEL = 'io.minik8s.test';

/** Where busybox-static installs its binary on Debian. */
export const BUSYBOX_PATH = process.env.BUSYBOX_BIN ?? '/bin/busybox';

async function docker(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** True when a Docker engine answers on the default socket (or DOCKER_HOST). */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure a Docker engine answers: when none does and we may start one (root, `dockerd` on
 * the PATH, no systemd), starts it detached and waits for it. Throws when Docker stays unreachable.
 */
export async function ensureDockerEngine(options: { timeoutMs?: number } = {}): Promise<void> {
  if (await dockerAvailable()) return;
  const canStart = process.getuid?.() === 0 && !process.env.DOCKER_HOST;
  if (canStart) {
    const child = spawn('sh', ['-c', 'command -v dockerd >/dev/null && exec dockerd >>/var/log/dockerd.log 2>&1'], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
  }
  await waitFor(() => dockerAvailable(), {
    timeoutMs: options.timeoutMs ?? 60_000,
    intervalMs: 500,
    description: canStart ? 'the Docker engine to start (see /var/log/dockerd.log)' : 'a reachable Docker engine',
  });
}

/** A root file system with /bin/busybox and a link per applet, in a fresh temp dir. */
export function makeBusyboxRootfs(): string {
  if (!existsSync(BUSYBOX_PATH)) {
    throw new Error(`${BUSYBOX_PATH} is missing: install busybox-static (apt-get install busybox-static)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'minik8s-busybox-'));
  for (const sub of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var', 'usr/bin']) mkdirSync(join(dir, sub), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX_PATH, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  return dir;
}

async function busyboxApplets(): Promise<string[]> {
  const { stdout } = await run(BUSYBOX_PATH, ['--list']);
  return stdout.split('\n').map((s) => s.trim()).filter((s) => s && s !== 'busybox');
}

async function importRootfs(dir: string, tag: string, changes: string[]): Promise<string> {
  const args = ['import'];
  for (const change of changes) args.push('--change', change);
  args.push('-', tag);
  return new Promise<string>((resolve, reject) => {
    const tar = spawn('tar', ['-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const imp = spawn('docker', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    tar.stdout.pipe(imp.stdin);
    tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
    imp.stdout.on('data', (d: Buffer) => (out += d.toString()));
    imp.stderr.on('data', (d: Buffer) => (err += d.toString()));
    tar.on('error', reject);
    imp.on('error', reject);
    imp.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`docker import ${tag} failed (${code}): ${err}`))));
  });
}

export interface BuildImageOptions {
  /** Extra labels on the image; TEST_LABEL=<value> is always added (default "true"). */
  labels?: Record<string, string>;
  testLabelValue?: string;
  /** The image's CMD (JSON form). */
  cmd?: string[];
}

function labelChanges(options: BuildImageOptions): string[] {
  const labels = { [TEST_LABEL]: options.testLabelValue ?? 'true', ...(options.labels ?? {}) };
  return Object.entries(labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`);
}

/**
 * Builds a busybox image without a registry: /bin/busybox plus its applet links, imported with
 * `docker import`. Returns the image ID. The default CMD is `sh`.
 */
export async function buildBusyboxImage(tag = 'minik8s/busybox:test', options: BuildImageOptions = {}): Promise<string> {
  const dir = makeBusyboxRootfs();
  try {
    for (const applet of await busyboxApplets()) {
      const target = join(dir, 'bin', applet);
      if (!existsSync(target)) symlinkSync('busybox', target);
    }
    const cmd = options.cmd ?? ['sh'];
    return await importRootfs(dir, tag, [`CMD ${JSON.stringify(cmd)}`, 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...labelChanges(options)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The sandbox ("pause") image: busybox whose CMD sleeps forever and exits at once on SIGTERM or
 * SIGINT, as the real pause binary does.
 */
export async function buildPauseImage(tag = 'minik8s/pause:3.9', options: BuildImageOptions = {}): Promise<string> {
  return buildBusyboxImage(tag, {
    ...options,
    cmd: options.cmd ?? ['/bin/sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"],
  });
}

/** True when the engine has the image (by name:tag or ID). */
export async function imageExists(ref: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', ref]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes every container, network and image carrying `label` (`key` or `key=value`), in that
 * order, and ignores what is already gone.
 */
export async function removeDockerObjectsByLabel(label: string): Promise<void> {
  const containers = (await docker(['ps', '-aq', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  if (containers.length > 0) await docker(['rm', '-f', '-v', ...containers]).catch(() => undefined);
  const networks = (await docker(['network', 'ls', '-q', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  for (const id of networks) await docker(['network', 'rm', id]).catch(() => undefined);
  const images = (await docker(['images', '-q', '--filter', `label=${label}`])).split('\n').filter(Boolean);
  for (const id of [...new Set(images)]) await docker(['rmi', '-f', id]).catch(() => undefined);
}
