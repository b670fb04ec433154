// minictl edit against a real apiserver and etcd, with EDITOR a shell script that edits the file.

import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestCluster, type CliResult } from '../test-support';

let cluster: TestCluster;
const NS = 'edit';
let dir: string;

beforeAll(async () => {
  cluster = await TestCluster.start();
  expect((await cluster.minictl(['create', 'namespace', NS])).code).toBe(0);
});

afterAll(async () => {
  await cluster?.stop();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'minictl-edit-it-'));
  const apply = await cluster.minictl(['-n', NS, 'apply', '-f', '-'], {
    stdin: `apiVersion: v1
kind: Pod
metadata:
  name: kubia
  labels:
    app: kubia
spec:
  containers:
  - name: kubia
    image: luksa/kubia
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
data: {k: v}
`,
  });
  expect(apply).toMatchObject({ code: 0, stderr: '' });
});

afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await cluster.minictl(['-n', NS, 'delete', 'pod/kubia', 'cm/one', 'cm/two', '--grace-period=0', '--force']);
});

/**
 * minictl edit with EDITOR a script that keeps a copy of each file it is shown (round-0, round-1,
 * ...) and then runs `sed` on it; temp files go to the test's own dir.
 */
async function edit(sed: string, ...args: string[]): Promise<CliResult> {
  const script = join(dir, 'editor.sh');
  writeFileSync(script, `#!/bin/sh\nn=$(ls "${dir}" | grep -c '^round-')\ncp "$1" "${dir}/round-$n"\nsed -i '${sed}' "$1"\n`);
  chmodSync(script, 0o755);
  return cluster.minictl(['-n', NS, 'edit', ...args], { env: cluster.env({ EDITOR: script, PATH: process.env.PATH ?? '', TMPDIR: dir }) });
}

async function get(ref: string, path: string): Promise<string> {
  return (await cluster.minictl(['-n', NS, 'get', ref, '-o', `jsonpath=${path}`])).stdout;
}

/** What is left in the test's dir besides the editor script and its copies. */
function leftovers(): string[] {
  return readdirSync(dir).filter((f) => f !== 'editor.sh' && !f.startsWith('round-'));
}

describe('edit', () => {
  it('patches the change made in the editor', async () => {
    expect(await edit('s/app: kubia/app: edited/', 'pod', 'kubia')).toEqual({ code: 0, stdout: 'pod/kubia edited\n', stderr: '' });
    expect(await get('pod/kubia', '{.metadata.labels.app}')).toBe('edited');
    expect(readFileSync(join(dir, 'round-0'), 'utf8')).toMatch(/^# Please edit the object below\. Lines beginning with a '#' will be ignored,\n/);
    expect(leftovers()).toEqual([]);
  });

  it('cancels when nothing but comments was changed', async () => {
    expect(await edit('1s/^# Please/# PLEASE/', 'pod/kubia')).toEqual({ code: 0, stdout: '', stderr: 'Edit cancelled, no changes made.\n' });
    expect(leftovers()).toEqual([]);
  });

  it('edits several objects as one List, and prints the patch with --output-patch', async () => {
    const result = await edit('s/k: v$/k: changed/', 'cm', 'one', 'two', '--output-patch');
    expect(result).toEqual({
      code: 0,
      stdout: 'Patch: {"data":{"k":"changed"}}\nconfigmap/one edited\nPatch: {"data":{"k":"changed"}}\nconfigmap/two edited\n',
      stderr: '',
    });
    expect(readFileSync(join(dir, 'round-0'), 'utf8')).toMatch(/\napiVersion: v1\nitems:\n- apiVersion: v1\n/);
    expect(await get('cm', '{.items[*].data.k}')).toBe('changed changed');
  });

  it('reopens an invalid edit with the server\'s error on top, and gives up when saved unchanged', async () => {
    const result = await edit('s/app: kubia/app: bad value!/', 'pod', 'kubia');
    const kept = /A copy of your changes has been stored to "(.+)"\n/.exec(result.stderr)?.[1] ?? '';
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: pods "kubia" is invalid\nA copy of your changes has been stored to "${kept}"\nerror: Edit cancelled, no valid changes were saved.\n`,
    });
    const second = readFileSync(join(dir, 'round-1'), 'utf8');
    expect(second).toMatch(/^# Please edit the object below\.[^]*#\n# pods "kubia" was not valid:\n# \* metadata\.labels: Invalid value: "bad value!"[^\n]*\n#\n/);
    expect(second).toContain('    app: bad value!\n');
    expect(readFileSync(kept, 'utf8')).toContain('app: bad value!');
    expect(leftovers()).toEqual([kept.slice(dir.length + 1)]);
    expect(await get('pod/kubia', '{.metadata.labels.app}')).toBe('kubia');
  });

  it('refuses to rename the object', async () => {
    const result = await edit('s/^  name: kubia$/  name: other/', 'pod', 'kubia');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^A copy of your changes has been stored to ".+\.yaml"\nerror: At least one of apiVersion, kind and name was changed\n$/);
  });
});
