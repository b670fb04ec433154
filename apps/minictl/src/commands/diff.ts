// minictl diff -f: what apply would change, shown by diff(1) between a LIVE and a MERGED directory,
// as kubectl diff does. Exit codes are kubectl's: 0 no differences, 1 differences, >1 an error
// (the diff program's own status when it fails).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecodeError, isNotFound, type ApiObject, type JsonObject, type JsonValue } from '@minik8s/api';
import { lastApplied, threeWayMergePatch, withLastApplied } from '../apply-patch';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';
import type { Manifest } from '../manifests';
import { readManifests } from '../manifests';
import { resourceRef } from '../resources';
import { diffFileName, diffProgram, diffFileText, maskSecrets } from './diff-files';
import { FILENAME_FLAG, RECURSIVE_FLAG } from './get';
import { withNamespace } from './manifest-command';

/** kubectl diff exits with 1 for "differences found", so its own failures take the next code. */
const ERROR_EXIT_CODE = 2;

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386, what the apiserver does with the merge patch apply would send. */
function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface DiffPair {
  file: string;
  live: JsonObject | undefined;
  merged: JsonObject;
}

/** The live object and what `apply -f` would turn it into, the server checking it with a dry run. */
async function pairOf(ctx: CommandContext, manifest: Manifest): Promise<DiffPair> {
  const { info, source } = manifest;
  const { namespace, obj } = withNamespace(ctx, manifest);
  const name = obj.metadata?.name ?? '';
  if (!name) throw new CliError(`error when retrieving current configuration of ${resourceRef(info)} from server for: "${source}": resource name may not be empty`);
  const file = diffFileName(info, namespace, name);
  const client = ctx.client();
  const modified = withLastApplied(ctx.scheme.toJson(info, obj));
  let current: ApiObject;
  try {
    current = await client.get(info, namespace, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const created = await client.create(info, ctx.scheme.fromJson(modified).obj, namespace, { dryRun: true });
    return { file, live: undefined, merged: ctx.scheme.toJson(info, created) };
  }
  const live = ctx.scheme.toJson(info, current);
  const patch = threeWayMergePatch(lastApplied(live), modified, live);
  if (Object.keys(patch).length === 0) return { file, live, merged: live };
  let next: ApiObject;
  try {
    next = ctx.scheme.fromJson(mergePatch(live, patch)).obj;
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    throw new CliError(`error validating "${source}": error validating data: ${err.message}`);
  }
  // The server's dry run answers with the object as it would store it: defaults, the kind's
  // update steps (a Secret's stringData folded into data) and admission, as apply would meet them.
  const answer = await client.update(info, next, namespace, '', { dryRun: true });
  return { file, live, merged: ctx.scheme.toJson(info, answer) };
}

/** Runs the diff program on the two dirs, passing its output through; resolves to its exit status. */
function runDiff(ctx: CommandContext, from: string, to: string): Promise<number> {
  const { program, args } = diffProgram(ctx.io.env.KUBECTL_EXTERNAL_DIFF, from, to);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...ctx.io.env } });
    child.stdout.on('data', (d: Buffer) => ctx.out(d.toString()));
    child.stderr.on('data', (d: Buffer) => ctx.err(d.toString()));
    child.on('error', (err) => reject(new CliError(`failed to run "${program}": ${err.message}`)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? ERROR_EXIT_CODE : 0)));
  });
}

async function diff(ctx: CommandContext, dirs: { live: string; merged: string }): Promise<number> {
  if (ctx.args.positionals.length > 0) throw new CliError(`Unexpected args: [${ctx.args.positionals.join(' ')}]`);
  const filenames = ctx.args.strings('filename');
  if (filenames.length === 0) throw new CliError('must specify -f to diff');
  const { manifests, errors } = await readManifests(ctx.scheme, filenames, { recursive: ctx.args.bool('recursive'), readStdin: ctx.io.readStdin });
  // As kubectl, any object that cannot be read or checked stops the diff before it is shown.
  if (errors.length > 0) {
    errors.forEach((e) => ctx.fail(e));
    return ERROR_EXIT_CODE;
  }
  for (const manifest of manifests) {
    const { file, live, merged } = await pairOf(ctx, manifest);
    const masked = maskSecrets(manifest.info, live, merged);
    writeFileSync(join(dirs.live, file), diffFileText(masked.live));
    writeFileSync(join(dirs.merged, file), diffFileText(masked.merged));
  }
  return runDiff(ctx, dirs.live, dirs.merged);
}

async function run(ctx: CommandContext): Promise<void> {
  const tmp = ctx.io.env.TMPDIR || tmpdir();
  const dirs = { live: mkdtempSync(join(tmp, 'LIVE-')), merged: mkdtempSync(join(tmp, 'MERGED-')) };
  try {
    ctx.exitCode = await diff(ctx, dirs);
  } catch (err) {
    ctx.fail(err);
    ctx.exitCode = ERROR_EXIT_CODE;
  } finally {
    rmSync(dirs.live, { recursive: true, force: true });
    rmSync(dirs.merged, { recursive: true, force: true });
  }
}

export const diffCommand: Command = {
  name: 'diff',
  summary: 'Diff the live version against a would-be applied version',
  usage: `Diff configurations specified by file name or stdin between the current online configuration, and the
configuration as it would be if applied.

The output is always YAML. KUBECTL_EXTERNAL_DIFF environment variable can be used to select your own diff
command. Users can use external commands with params too, example: KUBECTL_EXTERNAL_DIFF="colordiff -N -u"

By default, the "diff" command available in your path will be run with the "-u" (unified diff) and "-N"
(treat absent files as empty) options.

Exit status:
 0 No differences were found.
 1 Differences were found.
 >1 Minictl or diff failed with an error.

Note: KUBECTL_EXTERNAL_DIFF, if used, is expected to follow that convention.

Examples:
  # Diff resources included in pod.json
  minictl diff -f pod.json

  # Diff file read from stdin
  cat service.yaml | minictl diff -f -

Usage:
  minictl diff -f FILENAME [options]
`,
  flags: [FILENAME_FLAG, RECURSIVE_FLAG],
  run,
};
