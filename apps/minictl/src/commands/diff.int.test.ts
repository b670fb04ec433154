// minictl diff against a real apiserver and etcd, running the real diff(1).

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestCluster, type CliResult } from '../test-support';

let cluster: TestCluster;
const NS = 'diff';
let dir: string;

function configMap(name: string, value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels:\n    app: web\ndata:\n  color: ${value}\n  size: big\n`;
}

beforeAll(async () => {
  cluster = await TestCluster.start();
  expect((await cluster.minictl(['create', 'namespace', NS])).code).toBe(0);
  const applied = await cluster.minictl(['-n', NS, 'apply', '-f', '-'], {
    stdin: `${configMap('web', 'blue')}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: hunter2\n`,
  });
  expect(applied).toMatchObject({ code: 0, stderr: '' });
});

afterAll(async () => {
  await cluster?.stop();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'minictl-diff-it-'));
});

afterEach(() => {
  // Every LIVE and MERGED dir the command made must be gone.
  expect(readdirSync(dir)).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

async function diff(manifest: string, env: Record<string, string> = {}): Promise<CliResult> {
  return cluster.minictl(['-n', NS, 'diff', '-f', '-'], { stdin: manifest, env: cluster.env({ PATH: process.env.PATH ?? '', TMPDIR: dir, ...env }) });
}

describe('diff', () => {
  it('shows what apply would change as a unified diff of LIVE against MERGED, and exits 1', async () => {
    const result = await diff(configMap('web', 'green'));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const live = join(dir, 'LIVE-');
    const merged = join(dir, 'MERGED-');
    expect(result.stdout).toMatch(new RegExp(`^diff -u -N ${live}\\w+/v1\\.ConfigMap\\.diff\\.web ${merged}\\w+/v1\\.ConfigMap\\.diff\\.web\\n`));
    expect(result.stdout).toMatch(new RegExp(`\\n--- ${live}\\w+/v1\\.ConfigMap\\.diff\\.web\\t`));
    expect(result.stdout).toMatch(new RegExp(`\\n\\+\\+\\+ ${merged}\\w+/v1\\.ConfigMap\\.diff\\.web\\t`));
    expect(result.stdout).toContain('\n-  color: blue\n+  color: green\n   size: big\n');
    // Only the applied configuration, the changed field and what the server's dry run says it
    // would store with them (minik8s counts a ConfigMap's generation too) differ.
    expect(result.stdout.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l))).toEqual([
      '-  color: blue',
      '+  color: green',
      '-      {"apiVersion":"v1","data":{"color":"blue","size":"big"},"kind":"ConfigMap","metadata":{"labels":{"app":"web"},"name":"web","namespace":"diff"}}',
      '+      {"apiVersion":"v1","data":{"color":"green","size":"big"},"kind":"ConfigMap","metadata":{"labels":{"app":"web"},"name":"web","namespace":"diff"}}',
      '-  generation: 1',
      '+  generation: 2',
    ]);
    expect((await cluster.minictl(['-n', NS, 'get', 'cm', 'web', '-o', 'jsonpath={.data.color}'])).stdout).toBe('blue');
  });

  it('prints nothing and exits 0 when apply would change nothing', async () => {
    expect(await diff(configMap('web', 'blue'))).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('shows a new object as added in full, without creating it', async () => {
    const result = await diff(configMap('fresh', 'red'));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\n--- .+\/LIVE-\w+\/v1\.ConfigMap\.diff\.fresh\t/);
    const body = result.stdout.split('\n').filter((l) => !/^(diff|---|\+\+\+|@@) /.test(l) && l !== '');
    expect(body.every((l) => l.startsWith('+'))).toBe(true);
    expect(body).toEqual(expect.arrayContaining(['+apiVersion: v1', '+kind: ConfigMap', '+  name: fresh', '+  namespace: diff', '+  color: red']));
    expect((await cluster.minictl(['-n', NS, 'get', 'cm', 'fresh'])).code).toBe(1);
  });

  it('masks Secret data, still showing that a value changed', async () => {
    const result = await diff('apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: swordfish\n');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('-  password: "*** (before)"\n+  password: "*** (after)"\n');
    expect(result.stdout).not.toContain('stringData:\n');
    // The values never show; like kubectl, the applied configuration in the annotation still does.
    expect(result.stdout).not.toMatch(/aHVudGVyMg|c3dvcmRmaXNo/);
  });

  it('shows a Deployment change as the server would store it, defaults included', async () => {
    const deployment = (image: string, extra = ''): string =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: ${image}\n${extra}`;
    expect(await cluster.minictl(['-n', NS, 'apply', '-f', '-'], { stdin: deployment('nginx:1') })).toMatchObject({ code: 0, stderr: '' });
    const result = await diff(deployment('nginx:2', '      - name: sidecar\n        image: busybox\n'));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\n--- .+\/LIVE-\w+\/apps\.v1\.Deployment\.diff\.web\t/);
    expect(result.stdout).toContain('\n-      - image: nginx:1\n+      - image: nginx:2\n');
    expect(result.stdout).toContain('\n-  generation: 1\n+  generation: 2\n');
    // The added container carries the defaults the server fills in.
    expect(result.stdout).toMatch(/\n\+      - image: busybox\n\+        imagePullPolicy: Always\n[^]*\n\+        terminationMessagePath: \/dev\/termination-log\n/);
  });

  it('exits above 1 with the field the server refuses, and shows no diff', async () => {
    const result = await diff('apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n');
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'The Pod "bad" is invalid: spec.containers[0].image: Required value\n' });
  });

  it('exits above 1 for a manifest that does not decode, naming the field', async () => {
    const result = await diff('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndatta:\n  k: v\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: error validating "STDIN": error validating data: unknown field "datta"\n');
  });

  it('runs KUBECTL_EXTERNAL_DIFF with the two dirs and passes its status through', async () => {
    const result = await diff(configMap('web', 'green'), { KUBECTL_EXTERNAL_DIFF: 'diff -q' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Files .+\/LIVE-\w+\/v1\.ConfigMap\.diff\.web and .+\/MERGED-\w+\/v1\.ConfigMap\.diff\.web differ\n$/);
    const failed = await diff(configMap('web', 'green'), { KUBECTL_EXTERNAL_DIFF: 'diff --no-such-flag' });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/no-such-flag/);
  });
});
