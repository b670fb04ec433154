import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, normalize, sep } from 'node:path';

/** One file of a volume: its bytes and permission bits. */
export interface FileProjection {
  data: Buffer;
  mode: number;
}

/** Relative path inside the volume → content. */
export type Payload = Map<string, FileProjection>;

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** Whether `path` may be a file of a volume: relative, no `..` element, no leading `..`. */
export function validPayloadPath(path: string): boolean {
  if (!path || path.startsWith('/')) return false;
  if (path.startsWith('..')) return false;
  return !path.split('/').some((p) => p === '..');
}

/** The timestamped directory name Kubernetes uses: `..2006_01_02_15_04_05.` plus a random suffix. */
function timestampPrefix(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

/** Whether the files in `dir` are exactly `payload` (bytes and modes). */
async function matches(dir: string, payload: Payload): Promise<boolean> {
  try {
    const files = await listFiles(dir);
    if (files.length !== payload.size) return false;
    for (const rel of files) {
      const want = payload.get(rel);
      if (!want) return false;
      const [data, st] = await Promise.all([readFile(join(dir, rel)), stat(join(dir, rel))]);
      if ((st.mode & 0o777) !== (want.mode & 0o777) || !data.equals(want.data)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a volume's files the way Kubernetes' AtomicWriter does, so that a running container
 * never sees a half-written update: the files go into a fresh `..<timestamp>` directory, the
 * `..data` symlink is swapped to it with one rename, and each top-level name is a symlink through
 * `..data`. Resolves to whether anything changed.
 */
export async function writeAtomically(dir: string, payload: Payload, now: Date = new Date()): Promise<boolean> {
  for (const path of payload.keys()) {
    if (!validPayloadPath(path)) throw new Error(`invalid path "${path}": must be relative and may not contain '..'`);
  }
  await mkdir(dir, { recursive: true });
  const dataLink = join(dir, DATA_DIR);
  const current = await readlink(dataLink).catch(() => undefined);
  if (current !== undefined && (await matches(join(dir, current), payload))) return false;

  const tsDir = await mkdtemp(join(dir, timestampPrefix(now)));
  // mkdtemp makes 0700: containers running as another user must read the files.
  await chmod(tsDir, 0o755);
  for (const [rel, file] of payload) {
    const target = join(tsDir, rel);
    if (dirname(target) !== tsDir) await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, file.data, { mode: file.mode });
    await chmod(target, file.mode);
  }

  const tmpLink = join(dir, DATA_DIR_TMP);
  await unlink(tmpLink).catch(() => undefined);
  await symlink(basename(tsDir), tmpLink);
  await rename(tmpLink, dataLink);

  const topLevel = new Set([...payload.keys()].map((p) => normalize(p).split(sep)[0]));
  for (const name of topLevel) {
    const link = join(dir, name);
    const st = await lstat(link).catch(() => undefined);
    if (st?.isSymbolicLink()) continue;
    // A real file or directory here comes from a non-atomic writer: replace it.
    if (st) await rm(link, { recursive: true, force: true });
    await symlink(join(DATA_DIR, name), link);
  }
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('..') || topLevel.has(entry)) continue;
    await rm(join(dir, entry), { recursive: true, force: true });
  }
  if (current !== undefined && current !== basename(tsDir)) await rm(join(dir, current), { recursive: true, force: true });
  // Timestamped directories left by a writer that died halfway.
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('..') && entry !== DATA_DIR && entry !== basename(tsDir)) await rm(join(dir, entry), { recursive: true, force: true });
  }
  return true;
}
