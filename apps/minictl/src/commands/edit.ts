// minictl edit: open objects in the user's editor and patch what was changed, as kubectl edit does.
// A save the server (or the decoder) refuses reopens the editor with the failures on top and the
// user's text kept; saving that unchanged gives up, leaving a copy of the text in a temp file.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInvalid, isNotFound, StatusError, type JsonObject, type KindInfo } from '@minik8s/api';
import { withLastApplied } from '../apply-patch';
import type { Command, CommandContext } from '../context';
import { CliError } from '../errors';
import { decodeManifest, parseDocuments, readManifests } from '../manifests';
import { objectRef, parseResourceArgs, resourceRef } from '../resources';
import {
  changesIdentity,
  editDocument,
  forEditing,
  hasLines,
  headerText,
  manualStrip,
  stripComments,
  twoWayMergePatch,
  type EditFormat,
  type EditReason,
} from './edit-file';
import { FILENAME_FLAG, RECURSIVE_FLAG } from './get';
import { STRATEGIC_MERGE_PATCH } from './patch';

/** One object being edited, as fetched; `resourceVersion` moves on when a patch of it succeeds. */
export interface EditTarget {
  info: KindInfo;
  namespace: string | undefined;
  name: string;
  json: JsonObject;
  resourceVersion: string;
}

export interface EditDeps {
  format: EditFormat;
  /** Where the temp files go (kubectl's os.TempDir(): $TMPDIR, else the system's). */
  tmpDir: string;
  /** The program's name in the files it leaves and in its advice (`minictl replace -f ...`). */
  program: string;
  outputPatch: boolean;
  saveConfig: boolean;
  /** Opens the editor on the file and resolves when it exits. */
  openEditor(file: string): Promise<void>;
  /** Sends the patch (with the resourceVersion precondition) and resolves to the patched object. */
  send(target: EditTarget, patch: JsonObject): Promise<JsonObject>;
  /** Decodes an edited document, throwing a CliError naming the field when it is not valid. */
  decode(doc: unknown, source: string): { info: KindInfo; json: JsonObject };
  out(text: string): void;
  err(text: string): void;
}

/** Writes `text` to a new temp file, lets the editor change it, and reads it back. */
async function launchTempFile(deps: EditDeps, text: string): Promise<{ edited: string; file: string }> {
  // mkdtemp gives the random part; the file itself sits directly in the temp dir, as kubectl's does.
  const scratch = mkdtempSync(join(deps.tmpDir, `${deps.program}-edit-`));
  const file = `${scratch}.${deps.format}`;
  rmSync(scratch, { recursive: true, force: true });
  writeFileSync(file, text, { flag: 'wx' });
  try {
    await deps.openEditor(file);
  } catch (err) {
    rmSync(file, { force: true });
    throw err;
  }
  return { edited: readFileSync(file, 'utf8'), file };
}

/** kubectl's preservedFile: points at the user's text before giving up with `err`. */
function preserved(deps: EditDeps, err: Error, file: string): Error {
  if (file && existsSync(file)) deps.err(`A copy of your changes has been stored to "${file}"\n`);
  return err;
}

interface Results {
  reasons: EditReason[];
  /** Objects refused as invalid: edited again. */
  invalid: number;
  /** Failures another try might fix (a Conflict): the user is pointed at `replace -f`. */
  retryable: number;
  notFound: number;
}

/** Records a failed patch the way kubectl's editResults.addError does; gives the line for stderr. */
function addError(results: Results, err: unknown, target: EditTarget): string {
  const what = `${resourceRef(target.info)} "${target.name}"`;
  if (isInvalid(err) && err instanceof StatusError) {
    results.invalid++;
    const other = (err.details.causes ?? []).map((c) => {
      const message = c.message ?? c.reason ?? '';
      return c.field && !message.startsWith(c.field) ? `${c.field}: ${message}` : message;
    });
    results.reasons.push({ head: `${what} was not valid`, other: other.length > 0 ? other : [err.message] });
    return `error: ${what} is invalid`;
  }
  if (isNotFound(err)) {
    results.notFound++;
    return `error: ${what} could not be found on the server`;
  }
  results.retryable++;
  return `error: ${what} could not be patched: ${err instanceof Error ? err.message : String(err)}`;
}

function metadataOf(json: JsonObject): JsonObject {
  const metadata = json.metadata;
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? metadata : {};
}

/** Patches each edited object that changed; failures are recorded in `results`. */
async function patchEdited(deps: EditDeps, targets: EditTarget[], edited: { info: KindInfo; json: JsonObject }[], results: Results): Promise<void> {
  for (const item of edited) {
    const meta = metadataOf(item.json);
    // Matched by uid, as kubectl does, so a renamed object is caught below rather than created.
    const target = targets.find((t) => metadataOf(t.json).uid === meta.uid);
    if (!target) throw new CliError(`no original object found for ${item.info.kind} "${String(meta.name ?? '')}"`);
    const editedNamespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
    if (target.namespace && editedNamespace && editedNamespace !== target.namespace) {
      throw new CliError(
        `the namespace from the provided object "${editedNamespace}" does not match the namespace "${target.namespace}". You must pass '--namespace=${editedNamespace}' to perform this operation.`,
      );
    }
    const json = deps.saveConfig ? withLastApplied(item.json) : item.json;
    const patch = twoWayMergePatch(target.json, json);
    if (changesIdentity(patch)) throw new CliError('At least one of apiVersion, kind and name was changed');
    if (Object.keys(patch).length === 0) {
      deps.out(`${objectRef(target.info, target.name)} skipped\n`);
      continue;
    }
    if (deps.outputPatch) deps.out(`Patch: ${JSON.stringify(patch)}\n`);
    try {
      const patched = await deps.send(target, patch);
      const rv = metadataOf(patched).resourceVersion;
      if (typeof rv === 'string') target.resourceVersion = rv;
      deps.out(`${objectRef(target.info, target.name)} edited\n`);
    } catch (err) {
      deps.err(`${addError(results, err, target)}\n`);
    }
  }
}

/**
 * kubectl's edit loop over `targets` (all in one file). Resolves to the exit code; throws (after
 * pointing at the kept copy of the user's text) when the edit has to be given up.
 */
export async function editLoop(targets: EditTarget[], deps: EditDeps): Promise<number> {
  let reasons: EditReason[] = [];
  let containsError = false;
  let original = '';
  let edited = '';
  let previousFile = '';
  for (;;) {
    let text = headerText(reasons);
    if (containsError) {
      text += manualStrip(edited);
    } else {
      text += editDocument(targets.map((t) => t.json), deps.format);
      original = text;
    }
    const editedBefore = edited;
    let file: string;
    try {
      ({ edited, file } = await launchTempFile(deps, text));
    } catch (err) {
      throw preserved(deps, err instanceof Error ? err : new Error(String(err)), previousFile);
    }
    if (containsError && stripComments(editedBefore) === stripComments(edited)) {
      if (previousFile && previousFile !== file) rmSync(previousFile, { force: true });
      throw preserved(deps, new CliError('Edit cancelled, no valid changes were saved.'), file);
    }
    if (previousFile) rmSync(previousFile, { force: true });
    previousFile = file;

    if (stripComments(original) === stripComments(edited)) {
      rmSync(file, { force: true });
      deps.err('Edit cancelled, no changes made.\n');
      return 0;
    }
    if (!hasLines(edited)) {
      rmSync(file, { force: true });
      deps.err('Edit cancelled, saved file was empty.\n');
      return 0;
    }

    reasons = [];
    let docs: unknown[];
    try {
      docs = parseDocuments(edited, file);
    } catch (err) {
      containsError = true;
      reasons.push({ head: `The edited file had a syntax error: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    let decoded: { info: KindInfo; json: JsonObject }[];
    try {
      decoded = docs.map((doc) => deps.decode(doc, file));
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      // kubectl reports a file that fails validation against the first object edited.
      const first = targets[0];
      containsError = true;
      reasons.push({ head: `${resourceRef(first.info)} "${first.name}" was not valid`, other: [`<nil>: Invalid value: "The edited file failed validation": ${err.message}`] });
      deps.err(`error: ${resourceRef(first.info)} "${first.name}" is invalid\n`);
      continue;
    }

    const results: Results = { reasons, invalid: 0, retryable: 0, notFound: 0 };
    try {
      await patchEdited(deps, targets, decoded, results);
    } catch (err) {
      throw preserved(deps, err instanceof Error ? err : new Error(String(err)), file);
    }
    if (results.retryable > 0) {
      deps.err(`You can run \`${deps.program} replace -f ${file}\` to try this update again.\n`);
      return 1;
    }
    if (results.notFound > 0) {
      deps.err(`The edits you made on deleted resources have been saved to "${file}"\n`);
      return 1;
    }
    if (results.invalid === 0) {
      rmSync(file, { force: true });
      return 0;
    }
    containsError = true;
  }
}

/** Runs `editor` on `file` through the shell, so `EDITOR="code --wait"` works, on the user's terminal. */
function shellEditor(editor: string, env: Readonly<Record<string, string | undefined>>): (file: string) => Promise<void> {
  return (file) =>
    new Promise<void>((resolve, reject) => {
      const quoted = `'${file.replace(/'/g, `'\\''`)}'`;
      const child = spawn('sh', ['-c', `${editor} ${quoted}`], { stdio: 'inherit', env: { ...env } });
      child.on('error', () => reject(new CliError(`unable to launch the editor "${editor}"`)));
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new CliError(`there was a problem with the editor "${editor}"`))));
    });
}

function asTarget(info: KindInfo, json: JsonObject): EditTarget {
  const meta = metadataOf(json);
  return {
    info,
    namespace: typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : undefined,
    name: String(meta.name ?? ''),
    json: forEditing(json),
    resourceVersion: String(meta.resourceVersion ?? ''),
  };
}

/** The objects named on the command line or in -f, as the server has them now. */
async function fetchTargets(ctx: CommandContext, subresource: string): Promise<EditTarget[]> {
  const client = ctx.client();
  const filenames = ctx.args.strings('filename');
  const found: { info: KindInfo; namespace: string | undefined; name: string }[] = [];
  const targets: EditTarget[] = [];
  if (filenames.length > 0) {
    if (ctx.args.positionals.length > 0) throw new CliError(`Unexpected args: [${ctx.args.positionals.join(' ')}]`);
    const { manifests, errors } = await readManifests(ctx.scheme, filenames, { recursive: ctx.args.bool('recursive'), readStdin: ctx.io.readStdin });
    if (errors.length > 0) throw errors[0];
    for (const m of manifests) found.push({ info: m.info, namespace: ctx.namespaceFor(m.info, m.obj.metadata?.namespace), name: m.obj.metadata?.name ?? '' });
  } else {
    if (ctx.args.positionals.length === 0) {
      throw new CliError(
        "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
      );
    }
    for (const { info, names } of parseResourceArgs(ctx.scheme, ctx.args.positionals, 'edit')) {
      const namespace = info.namespaced ? ctx.namespace : undefined;
      if (names.length > 0) {
        for (const name of names) found.push({ info, namespace, name });
        continue;
      }
      const list = await client.list(info, namespace);
      for (const obj of list.items) targets.push(asTarget(info, ctx.scheme.toJson(info, obj)));
    }
  }
  for (const { info, namespace, name } of found) {
    targets.push(asTarget(info, ctx.scheme.toJson(info, await client.get(info, namespace, name, subresource))));
  }
  return targets;
}

async function run(ctx: CommandContext): Promise<void> {
  const output = ctx.args.string('output') || 'yaml';
  if (output !== 'yaml' && output !== 'json') {
    throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json,yaml`);
  }
  const subresource = ctx.args.string('subresource');
  if (subresource && subresource !== 'status') throw new CliError(`invalid subresource value: "${subresource}". Must be one of [status]`);
  const targets = await fetchTargets(ctx, subresource);
  if (targets.length === 0) throw new CliError('edit cancelled, no objects found');
  const env = ctx.io.env;
  const code = await editLoop(targets, {
    format: output,
    tmpDir: env.TMPDIR || tmpdir(),
    program: 'minictl',
    outputPatch: ctx.args.bool('output-patch'),
    saveConfig: ctx.args.bool('save-config'),
    openEditor: shellEditor(env.KUBE_EDITOR || env.EDITOR || 'vi', env),
    send: async (target, patch) => {
      // The resourceVersion shown in the editor makes the patch fail with a Conflict, rather than
      // overwrite, when someone else changed the object meanwhile.
      const body = { ...patch, metadata: { ...metadataOf(patch), resourceVersion: target.resourceVersion } };
      const patched = await ctx.client().patch(target.info, target.namespace, target.name, STRATEGIC_MERGE_PATCH, body, subresource);
      return ctx.scheme.toJson(target.info, patched);
    },
    decode: (doc, source) => {
      const { info, json } = decodeManifest(ctx.scheme, doc, source);
      return { info, json };
    },
    out: (text) => ctx.out(text),
    err: (text) => ctx.err(text),
  });
  if (code !== 0) ctx.exitCode = code;
}

export const editCommand: Command = {
  name: 'edit',
  summary: 'Edit a resource on the server',
  usage: `Edit a resource from the default editor.

The edit command opens the editor defined by your KUBE_EDITOR, or EDITOR environment variables, or falls
back to 'vi'. Several objects are edited at once as a List. The default format is YAML; to edit in JSON,
specify "-o json".

If an error occurs while updating, the file is reopened with the failures as comments at the top. When
the edit is given up, a temporary file is left on disk with your unapplied changes.

Examples:
  # Edit the service named 'registry'
  minictl edit svc/registry

  # Use an alternative editor
  KUBE_EDITOR="nano" minictl edit svc/registry

  # Edit the job 'myjob' in JSON
  minictl edit job.batch/myjob -o json

  # Edit the deployment 'mydeployment' in YAML and save the modified config in its annotation
  minictl edit deployment/mydeployment -o yaml --save-config

  # Edit the 'status' subresource for the 'mydeployment' deployment
  minictl edit deployment mydeployment --subresource='status'

Usage:
  minictl edit (RESOURCE/NAME | -f FILENAME) [options]
`,
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    { name: 'output', short: 'o', type: 'string', description: 'Output format. One of: (json, yaml). The format the object is edited in.' },
    { name: 'output-patch', type: 'bool', description: 'Output the patch if the resource is edited.' },
    {
      name: 'save-config',
      type: 'bool',
      description: 'If true, the configuration of current object will be saved in its annotation. Otherwise, the annotation will be unchanged. This flag is useful when you want to perform minictl apply on this object in the future.',
    },
    { name: 'subresource', type: 'string', description: 'If specified, edit will operate on the subresource of the requested object. Must be one of [status].' },
  ],
  run,
};
