// The real binary: `get -w` printing rows as objects change, and exit codes scripts can use.

import type { ChildProcess } from 'node:child_process';
import { waitFor } from '@minik8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../test-support';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start();
  const created = await cluster.minictl(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  a: "1"\n' });
  expect(created.stdout).toBe('configmap/watched created\n');
});

afterAll(async () => {
  await cluster?.stop();
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

function rows(output: string, name: string): string[] {
  return output.split('\n').filter((line) => line.startsWith(`${name} `));
}

describe('get --watch', () => {
  it('prints the list, then a row for every change, until interrupted', async () => {
    const child = cluster.spawn(['get', 'configmaps', '--watch']);
    try {
      await waitFor(() => rows(child.output(), 'watched').length === 1, { timeoutMs: 20_000, description: 'the initial row' });
      expect(child.output()).toMatch(/^NAME      DATA   AGE\nwatched   1      \d+s\n$/);

      await cluster.minictl(['patch', 'cm', 'watched', '--type=merge', '-p', '{"data":{"b":"2"}}']);
      await waitFor(() => rows(child.output(), 'watched').length === 2, { timeoutMs: 10_000, description: 'a row for the change' });
      expect(rows(child.output(), 'watched')[1]).toMatch(/^watched   2      \d+s$/);

      await cluster.minictl(['create', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: newcomer\n' });
      await waitFor(() => rows(child.output(), 'newcomer').length === 1, { timeoutMs: 10_000, description: 'a row for the new object' });
      // A wider name widens its own row; the widths seen so far are kept (kubectl's tab writer does the same).
      expect(rows(child.output(), 'newcomer')[0]).toMatch(/^newcomer   0      \d+s$/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited(child)).toBe(0);
  });

  it('prints only changes with --watch-only, and ends cleanly when interrupted (in-process)', async () => {
    const interrupt = new AbortController();
    let output = '';
    const running = cluster.minictl(['get', 'cm', 'watched', '--watch-only', '-o', 'name'], {
      signal: interrupt.signal,
      stdout: { write: (text) => void (output += text) },
    });
    try {
      // The watch is open once a change made now shows up; keep changing until one does.
      let n = 0;
      await waitFor(
        async () => {
          await cluster.minictl(['label', 'cm', 'watched', `round=${n++}`, '--overwrite']);
          return output.includes('configmap/watched');
        },
        { timeoutMs: 20_000, intervalMs: 200, description: 'a watched change' },
      );
    } finally {
      interrupt.abort();
    }
    expect(await running).toMatchObject({ code: 0, stderr: '' });
    expect(output).not.toContain('NAME');
    expect(output).toMatch(/^(configmap\/watched\n)+$/);
  });
});

describe('the binary', () => {
  it('prints what it found on stdout, errors on stderr, and exits 1 when anything failed', async () => {
    expect(await cluster.exec(['get', 'cm', 'watched', 'missing', '-o', 'name'])).toEqual({
      code: 1,
      stdout: 'configmap/watched\n',
      stderr: 'Error from server (NotFound): configmaps "missing" not found\n',
    });
  });
});
