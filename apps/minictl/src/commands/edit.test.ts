import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScheme, newInvalid, StatusError, type JsonObject } from '@minik8s/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeManifest } from '../manifests';
import { editLoop, type EditDeps, type EditTarget } from './edit';

const scheme = defaultScheme();
const podInfo = scheme.forKind('v1', 'Pod');
if (!podInfo) throw new Error('no Pod kind');

function pod(): EditTarget {
  const { json } = decodeManifest(scheme, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'kubia', namespace: 'default', uid: 'u1', resourceVersion: '7', labels: { app: 'kubia' } },
    spec: { containers: [{ name: 'kubia', image: 'luksa/kubia' }] },
  }, 'test');
  return { info: podInfo as NonNullable<typeof podInfo>, namespace: 'default', name: 'kubia', json, resourceVersion: '7' };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'minictl-edit-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | undefined;
  error: Error | undefined;
  stdout: string;
  stderr: string;
  /** What the editor was shown, round by round. */
  shown: string[];
  sent: { rv: string; patch: JsonObject }[];
}

/** Runs the loop with an editor that applies `rounds` in turn, and a server answering with `answers`. */
async function edit(rounds: ((text: string) => string)[], options: { answers?: (Error | undefined)[]; outputPatch?: boolean } = {}): Promise<Run> {
  const result: Run = { code: undefined, error: undefined, stdout: '', stderr: '', shown: [], sent: [] };
  const answers = [...(options.answers ?? [])];
  let round = 0;
  const deps: EditDeps = {
    format: 'yaml',
    tmpDir: dir,
    program: 'minictl',
    outputPatch: options.outputPatch ?? false,
    saveConfig: false,
    openEditor: async (file) => {
      const text = readFileSync(file, 'utf8');
      result.shown.push(text);
      const change = rounds[round++];
      if (!change) throw new Error(`the editor was opened ${round} times`);
      writeFileSync(file, change(text));
    },
    send: async (target, patch) => {
      result.sent.push({ rv: target.resourceVersion, patch });
      const answer = answers.shift();
      if (answer) throw answer;
      return { ...target.json, metadata: { ...(target.json.metadata as JsonObject), resourceVersion: '8' } };
    },
    decode: (doc, source) => decodeManifest(scheme, doc, source),
    out: (text) => (result.stdout += text),
    err: (text) => (result.stderr += text),
  };
  try {
    result.code = await editLoop([pod()], deps);
  } catch (err) {
    result.error = err as Error;
  }
  return result;
}

const relabel = (text: string): string => text.replace('app: kubia', 'app: edited');

describe('editLoop', () => {
  it('shows the header and the object, and cancels an unchanged save', async () => {
    const r = await edit([(t) => `${t}# a new comment\n`]);
    expect(r.shown[0]).toMatch(/^# Please edit the object below\. Lines beginning with a '#' will be ignored,\n/);
    expect(r.shown[0]).toContain('\napiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    app: kubia\n');
    expect(r).toMatchObject({ code: 0, error: undefined, stdout: '', stderr: 'Edit cancelled, no changes made.\n', sent: [] });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('cancels an empty save', async () => {
    const r = await edit([() => '# nothing\n']);
    expect(r).toMatchObject({ code: 0, stderr: 'Edit cancelled, saved file was empty.\n', sent: [] });
  });

  it('patches what changed with the resourceVersion it showed, and prints the patch when asked', async () => {
    const r = await edit([relabel], { outputPatch: true });
    expect(r.sent).toEqual([{ rv: '7', patch: { metadata: { labels: { app: 'edited' } } } }]);
    expect(r).toMatchObject({ code: 0, stdout: 'Patch: {"metadata":{"labels":{"app":"edited"}}}\npod/kubia edited\n', stderr: '' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reopens a file the server refused with the failure on top and the edit kept, then gives up on an unchanged save', async () => {
    const invalid = newInvalid({ group: '', kind: 'Pod' }, 'kubia', [{ field: 'spec.containers[0].image', text: 'spec.containers[0].image: Required value', type: 'FieldValueRequired' }]);
    const r = await edit([(t) => relabel(t).replace('image: luksa/kubia', 'image: ""'), (t) => t], { answers: [invalid] });
    expect(r.shown[1]).toContain('#\n# pods "kubia" was not valid:\n# * spec.containers[0].image: Required value\n#\n');
    expect(r.shown[1]).toContain('app: edited');
    expect(r.error?.message).toBe('Edit cancelled, no valid changes were saved.');
    const kept = /A copy of your changes has been stored to "(.+)"\n$/.exec(r.stderr)?.[1] ?? '';
    expect(r.stderr).toBe(`error: pods "kubia" is invalid\nA copy of your changes has been stored to "${kept}"\n`);
    expect(readFileSync(kept, 'utf8')).toContain('app: edited');
    expect(readdirSync(dir)).toEqual([kept.slice(dir.length + 1)]);
  });

  it('reopens on a syntax error and patches once it is fixed', async () => {
    const r = await edit([(t) => `${relabel(t)}  bad: [\n`, (t) => t.replace('  bad: [\n', '')]);
    expect(r.shown[1]).toMatch(/# The edited file had a syntax error: error parsing .+\n/);
    expect(r.shown[1]).not.toContain('bad: [\n#');
    expect(r).toMatchObject({ code: 0, stdout: 'pod/kubia edited\n', stderr: '' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reopens a file that does not decode, naming the field', async () => {
    const r = await edit([(t) => t.replace('  containers:', '  nope: 1\n  containers:'), (t) => t]);
    expect(r.stderr).toMatch(/^error: pods "kubia" is invalid\n/);
    expect(r.shown[1]).toMatch(/# \* <nil>: Invalid value: "The edited file failed validation": error validating ".+": error validating data: unknown field "spec\.nope"/);
    expect(r.error?.message).toBe('Edit cancelled, no valid changes were saved.');
  });

  it('refuses to change the name, keeping the edit', async () => {
    const r = await edit([(t) => t.replace('name: kubia\n  namespace', 'name: other\n  namespace')]);
    expect(r.error?.message).toBe('At least one of apiVersion, kind and name was changed');
    expect(r.stderr).toMatch(/^A copy of your changes has been stored to ".+\.yaml"\n$/);
    expect(r.sent).toEqual([]);
  });

  it('points at replace -f after a Conflict', async () => {
    const conflict = new StatusError('Conflict', 'Operation cannot be fulfilled on pods "kubia": the object has been modified; please apply your changes to the latest version and try again');
    const r = await edit([relabel], { answers: [conflict] });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: pods "kubia" could not be patched: Operation cannot be fulfilled on pods "kubia": the object has been modified; please apply your changes to the latest version and try again\nYou can run `minictl replace -f .+\.yaml` to try this update again\.\n$/,
    );
  });
});
