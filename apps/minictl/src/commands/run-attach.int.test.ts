// run -i/--attach/--rm end to end: minictl (the real binary, for stdin) against a real apiserver,
// the scheduler (run's pods name no node) and a real kubelet on Docker, as streams.int.test.ts
// sets the kubelet up.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, type corev1 } from '@minik8s/api';
import { ApiClient, Pods } from '@minik8s/client';
import { buildBusyboxImage, buildPauseImage, ensureDockerEngine, freePort, removeDockerObjectsByLabel, TEST_LABEL, waitFor } from '@minik8s/testing';
import { MINICTL_BIN, TestCluster, TestComponent } from '../test-support';

const run = Math.random().toString(36).slice(2, 8);
const node = `minictl-run-attach-${run}`;
const busybox = `minik8s-minictl-test/busybox:${run}`;
const pause = `minik8s-minictl-test/pause:${run}`;
const imageLabel = `${TEST_LABEL}=minictl-run-attach-${run}`;
let cluster: TestCluster;
let client: ApiClient;
let kubelet: TestComponent | undefined;
let scheduler: TestComponent | undefined;
const rootDir = mkdtempSync(join(tmpdir(), 'minictl-run-attach-'));

/** Runs the real minictl binary with `input` on its stdin (a pipe, not a terminal). */
function minictlWithStdin(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MINICTL_BIN, ...args], { env: { ...process.env, ...cluster.env() } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(input);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs a command line under a pseudo-terminal (util-linux `script`), feeding it `input`. */
function underPty(command: string, input: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { ...process.env, ...cluster.env(), TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdin.write(input);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

async function podGone(name: string): Promise<boolean> {
  try {
    await client.resource(Pods).namespace('default').get(name);
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

beforeAll(async () => {
  await ensureDockerEngine();
  const testLabelValue = `minictl-run-attach-${run}`;
  await Promise.all([buildBusyboxImage(busybox, { testLabelValue }), buildPauseImage(pause, { testLabelValue })]);
  cluster = await TestCluster.start();
  client = new ApiClient(cluster.address, { timeoutMs: 10_000 });
  const port = await freePort();
  kubelet = TestComponent.kubelet(cluster, { node, podCidr: '10.244.237.0/24', networkName: `minik8s-minictl-ra-${run}`, pauseImage: pause, rootDir, port });
  scheduler = TestComponent.spawn('scheduler', [`--server=${cluster.address}`, '--health-port=-1', '--log-format=json']);
  await waitFor(async () => (await cluster.minictl(['get', 'node', node])).code === 0, { timeoutMs: 60_000, intervalMs: 200, description: `node ${node} registered` });
}, 180_000);

afterAll(async () => {
  await scheduler?.stop();
  await kubelet?.stop();
  client?.close();
  await removeDockerObjectsByLabel(`io.minik8s.node=${node}`).catch(() => undefined);
  await removeDockerObjectsByLabel(imageLabel).catch(() => undefined);
  await cluster?.stop();
  rmSync(rootDir, { recursive: true, force: true });
}, 60_000);

describe('minictl run attached', () => {
  it('run -i --rm --restart=Never passes stdin, exits with the container code and deletes the pod', async () => {
    const result = await minictlWithStdin(
      ['run', '-i', '--rm', '--restart=Never', 'probe', `--image=${busybox}`, '--image-pull-policy=Never', '--', 'sh', '-c', 'read line; echo got:$line; exit 3'],
      'hello\n',
    );
    // As kubectl: the session's output, the deletion on stdout, then the exit code's reason on stderr.
    expect(result, `${kubelet?.output ?? ''}${scheduler?.output ?? ''}`).toEqual({ code: 3, stdout: 'got:hello\npod "probe" deleted\n', stderr: 'pod default/probe terminated (Error)\n' });
    await waitFor(async () => podGone('probe'), { timeoutMs: 30_000, intervalMs: 200, description: 'pod probe deleted' });
  }, 120_000);

  it('run -it --rm runs a shell on a real terminal, exits with its code and deletes the pod (the real binary)', async () => {
    const { code, output } = await underPty(
      `${process.execPath} ${MINICTL_BIN} run -it --rm --restart=Never shell --image=${busybox} --image-pull-policy=Never -- sh`,
      'tty; exit 5\n',
    );
    expect(output, `${kubelet?.output ?? ''}${scheduler?.output ?? ''}`).toContain("If you don't see a command prompt, try pressing enter.");
    expect(output).toMatch(/\/dev\/pts\/\d+/);
    expect(output).toContain('pod "shell" deleted');
    expect(code).toBe(5);
    await waitFor(async () => podGone('shell'), { timeoutMs: 30_000, intervalMs: 200, description: 'pod shell deleted' });
  }, 120_000);

  it('run -it --rm without --restart (a pod that restarts Always) ends with the session, exit 0, as kubectl', async () => {
    const { code, output } = await underPty(`${process.execPath} ${MINICTL_BIN} run -it --rm always --image=${busybox} --image-pull-policy=Never -- sh`, 'exit 0\n');
    expect(output, `${kubelet?.output ?? ''}`).toContain('pod "always" deleted');
    expect(output).not.toContain('timed out');
    expect(code).toBe(0);
    // Deleted gracefully: the restarted shell, PID 1 of its container, ignores SIGTERM and may
    // hold the pod for its 30 s grace period, so what --rm owes is the deletion, not the end of it.
    await waitFor(async () => (await podGone('always')) || (await client.resource(Pods).namespace('default').get('always')).metadata?.deletionTimestamp !== undefined, {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: 'pod always deleted or terminating',
    });
  }, 120_000);

  it('run -it fed from a pipe warns, attaches without a terminal and still gets the output after stdin ends', async () => {
    const result = await minictlWithStdin(
      ['run', '-it', '--rm', '--restart=Never', 'piped', `--image=${busybox}`, '--image-pull-policy=Never', '--', 'sh', '-c', 'read line; echo got:$line; sleep 1; echo bye'],
      'hello\n',
    );
    expect(result.stderr, `${kubelet?.output ?? ''}`).toContain('Unable to use a TTY - input is not a terminal or the right kind of file');
    // The container has a terminal, so its output comes back with CRLF line ends.
    expect(result.stdout).toMatch(/got:hello\r?\n(.|\n)*bye\r?\n/);
    expect(result.code).toBe(0);
    await waitFor(async () => podGone('piped'), { timeoutMs: 30_000, intervalMs: 200, description: 'pod piped deleted' });
  }, 120_000);

  it('run --attach --restart=Never streams the output, exits 0 and leaves the pod', async () => {
    const result = await cluster.minictl(['run', '--attach', '--restart=Never', 'printer', `--image=${busybox}`, '--image-pull-policy=Never', '--', 'sh', '-c', 'sleep 1; echo printed-by-printer']);
    expect(result, `${kubelet?.output ?? ''}${scheduler?.output ?? ''}`).toEqual({ code: 0, stdout: 'printed-by-printer\n', stderr: '' });
    const pod = (await client.resource(Pods).namespace('default').get('printer')) as corev1.Pod;
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.spec?.containers?.[0]?.stdin).toBeFalsy();
    expect((await cluster.minictl(['delete', 'pod', 'printer'])).code).toBe(0);
    await waitFor(async () => podGone('printer'), { timeoutMs: 30_000, intervalMs: 200, description: 'pod printer deleted' });
  }, 120_000);
});
