// minictl cp: copy files and directories to and from containers, as kubectl does it: a tar stream
// through pods/exec (`tar cf -` on one side, `tar xf -` on the other). The local side is this
// machine's GNU tar; the container needs a `tar` binary.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { posix, resolve as resolvePath, dirname, basename } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { corev1 } from '@minik8s/api';
import type { ExitStatus, PodStreams } from '@minik8s/client';
import { UsageError, type FlagDef } from '../args';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';
import { resolveKind } from '../resources';
import { CONTAINER_FLAG, pickContainer, withPodStreams } from './stream-target';

const FLAGS: FlagDef[] = [
  CONTAINER_FLAG,
  { name: 'no-preserve', type: 'bool', description: 'The copied file/directory\'s ownership and permissions will not be preserved in the container' },
];

const USAGE = `Copy files and directories to and from containers.

Examples:
  # !!!Important Note!!!
  # Requires that the 'tar' binary is present in your container
  # image.  If 'tar' is not present, 'minictl cp' will fail.

  # Copy /tmp/foo_dir local directory to /tmp/bar_dir in a remote pod in the default namespace
  minictl cp /tmp/foo_dir <some-pod>:/tmp/bar_dir

  # Copy /tmp/foo local file to /tmp/bar in a remote pod in a specific container
  minictl cp /tmp/foo <some-pod>:/tmp/bar -c <specific-container>

  # Copy /tmp/foo local file to /tmp/bar in a remote pod in namespace <some-namespace>
  minictl cp /tmp/foo <some-namespace>/<some-pod>:/tmp/bar

  # Copy /tmp/foo from a remote pod to /tmp/bar locally
  minictl cp <some-namespace>/<some-pod>:/tmp/foo /tmp/bar

Usage:
  minictl cp <file-spec-src> <file-spec-dest> [options]
`;

export type FileSpec = { local: true; path: string } | { local: false; namespace: string | undefined; pod: string; path: string };

/** `[namespace/]pod:path`, or a local path (one that exists, or has no `pod:` form). */
export function parseFileSpec(spec: string): FileSpec {
  const m = /^(?:([^/:]+)\/)?([^/:]+):(.*)$/.exec(spec);
  if (!m || existsSync(spec)) return { local: true, path: spec };
  return { local: false, namespace: m[1], pod: m[2], path: m[3] };
}

/** A GNU tar --transform that renames the top entry `from` to `to` (and what is under it). */
export function renameTransform(from: string, to: string): string {
  const re = from.replace(/[\\,.*[\]^$]/g, (c) => `\\${c}`);
  const repl = to.replace(/[\\,&]/g, (c) => `\\${c}`);
  // S: leave symbolic link targets alone.
  return `--transform=s,^${re}\\($\\|/\\),${repl}\\1,S`;
}

/** Starts local tar with `args`; `done` resolves when it exits 0. */
function startTar(args: string[]): { child: ChildProcessByStdio<Writable, Readable, Readable>; done: Promise<void> } {
  const child = spawn('tar', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(new CliError(`cannot run tar: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new CliError(stderr.trim() || `tar exited with ${code}`))));
  });
  return { child, done };
}

interface Remote {
  namespace: string;
  pod: string;
  container: string;
}

function checkExit(status: ExitStatus): void {
  if ((status.exitCode ?? 0) !== 0) throw new CliError(`command terminated with exit code ${status.exitCode}`);
}

async function copyToPod(ctx: CommandContext, streams: PodStreams, src: string, remote: Remote, destPath: string): Promise<void> {
  if (!existsSync(src)) throw new CliError(`${src} doesn't exist in local filesystem`);
  let dest = destPath;
  const srcAbs = resolvePath(src);
  // Into an existing directory the source keeps its name, as with `cp`.
  const isDir = await streams.exec(remote.namespace, remote.pod, { container: remote.container, command: ['test', '-d', dest], stdout: true }, {});
  if (isDir.exitCode === 0) dest = posix.join(dest, basename(srcAbs));
  const command = ctx.args.bool('no-preserve') ? ['tar', '--no-same-permissions', '--no-same-owner', '-xmf', '-'] : ['tar', '-xmf', '-'];
  command.push('-C', posix.dirname(dest));
  const tar = startTar(['cf', '-', '-C', dirname(srcAbs), renameTransform(basename(srcAbs), posix.basename(dest)), basename(srcAbs)]);
  const remoteTar = streams.exec(
    remote.namespace,
    remote.pod,
    { container: remote.container, command, stdin: true, stdout: true, stderr: true },
    { stdin: tar.child.stdout, stdout: { write: (d) => ctx.out(d.toString()) }, stderr: { write: (d) => ctx.err(d.toString()) } },
  );
  // If the remote side fails first, the local tar must not wait for a reader forever.
  remoteTar.catch(() => tar.child.kill());
  const [, status] = await Promise.all([tar.done, remoteTar]);
  checkExit(status);
}

async function copyFromPod(ctx: CommandContext, streams: PodStreams, remote: Remote, srcPath: string, dest: string): Promise<void> {
  const src = posix.normalize(srcPath);
  const srcBase = posix.basename(src);
  const destAbs = resolvePath(dest);
  // The source lands as the destination; into an existing directory, under its own name.
  const target = existsSync(destAbs) && statSync(destAbs).isDirectory() ? resolvePath(destAbs, srcBase) : destAbs;
  const tar = startTar(['xf', '-', '--no-same-owner', '-C', dirname(target), renameTransform(srcBase, basename(target))]);
  const stdin = tar.child.stdin;
  // Awaited below only when the remote side succeeded; its failure then says more.
  tar.done.catch(() => undefined);
  const status = await streams
    .exec(
      remote.namespace,
      remote.pod,
      { container: remote.container, command: ['tar', 'cf', '-', '-C', posix.dirname(src), srcBase], stdout: true, stderr: true },
      { stdout: { write: (d) => stdin.write(d) }, stderr: { write: (d) => ctx.err(d.toString()) } },
    )
    .finally(() => stdin.end());
  // A failed remote tar leaves the local one without an archive: report the remote failure.
  checkExit(status);
  await tar.done;
}

export const cpCommand: Command = {
  name: 'cp',
  summary: 'Copy files and directories to and from containers',
  usage: USAGE,
  flags: FLAGS,
  async run(ctx) {
    const args = ctx.args.positionals;
    if (args.length !== 2) throw new UsageError('source and destination are required');
    const [src, dest] = args.map(parseFileSpec);
    if (src.path === '' || dest.path === '') throw new CliError('filepath can not be empty');
    if (src.local === dest.local) throw new CliError('one of src or dest must be a local file specification');
    const remoteSpec = src.local ? dest : src;
    if (remoteSpec.local) throw new CliError('one of src or dest must be a remote file specification');
    const namespace = remoteSpec.namespace ?? ctx.namespace;
    // kubectl cp execs into the pod by name: no workloads and no waiting.
    const pod = (await ctx.client().get(resolveKind(ctx.scheme, 'pods'), namespace, remoteSpec.pod)) as corev1.Pod;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    const remote: Remote = { namespace, pod: pod.metadata?.name ?? remoteSpec.pod, container: pickContainer(ctx, pod, ctx.args.string('container')) };
    await withPodStreams(ctx, (streams) =>
      src.local ? copyToPod(ctx, streams, src.path, remote, remoteSpec.path) : copyFromPod(ctx, streams, remote, remoteSpec.path, dest.path),
    );
  },
};
