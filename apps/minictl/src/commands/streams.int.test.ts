// logs, exec, attach, port-forward and cp end to end: minictl (in-process and as the real binary,
// under a real pseudo-terminal for -it) against a real apiserver and a real kubelet on Docker.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { ApiClient, Deployments, Pods } from '@minik8s/client';
import { buildBusyboxImage, buildPauseImage, ensureDockerEngine, freePort, removeDockerObjectsByLabel, TEST_LABEL, waitFor } from '@minik8s/testing';
import { MINICTL_BIN, TestCluster, TestComponent, type CliResult } from '../test-support';

const run = Math.random().toString(36).slice(2, 8);
const node = `minictl-streams-${run}`;
const busybox = `minik8s-minictl-test/busybox:${run}`;
const pause = `minik8s-minictl-test/pause:${run}`;
const imageLabel = `${TEST_LABEL}=minictl-streams-${run}`;
let cluster: TestCluster;
let client: ApiClient;
let kubelet: TestComponent | undefined;
const rootDir = mkdtempSync(join(tmpdir(), 'minictl-streams-'));

const POD = `apiVersion: v1
kind: Pod
metadata: {name: shell, labels: {app: shell}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${busybox}
    imagePullPolicy: Never
    command: [sh, -c, 'echo first; echo second; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done']
  - name: web
    image: ${busybox}
    imagePullPolicy: Never
    ports: [{name: http, containerPort: 8080}]
    command: [sh, -c, 'mkdir -p /www && echo served > /www/index.html && exec httpd -f -p 8080 -h /www']
`;

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

/** GETs / from a local port over a fresh connection and resolves with the body. */
function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

/**
 * Runs `minictl port-forward TARGET LOCAL:REMOTE` on a free local port, GETs / through it once
 * minictl says it listens (every target here ends at the pod's httpd on 8080), then interrupts
 * minictl, also when the GET fails, so no forward outlives its test.
 */
async function forwardAndFetch(target: string, remote: string): Promise<{ local: number; body: string; result: CliResult }> {
  const local = await freePort();
  const abort = new AbortController();
  let out = '';
  const forwarding = cluster.minictl(['port-forward', target, `${local}:${remote}`], { signal: abort.signal, stdout: { write: (t) => void (out += t) } });
  let body: string;
  try {
    await waitFor(async () => out.includes(`Forwarding from 127.0.0.1:${local} -> 8080`), { timeoutMs: 20_000, description: `${target} forwarded from ${local}` });
    body = await httpGet(local);
  } finally {
    abort.abort();
  }
  return { local, body, result: await forwarding };
}

beforeAll(async () => {
  await ensureDockerEngine();
  const testLabelValue = `minictl-streams-${run}`;
  await Promise.all([buildBusyboxImage(busybox, { testLabelValue }), buildPauseImage(pause, { testLabelValue })]);
  cluster = await TestCluster.start();
  client = new ApiClient(cluster.address, { timeoutMs: 10_000 });
  const port = await freePort();
  kubelet = TestComponent.kubelet(cluster, { node, podCidr: '10.244.236.0/24', networkName: `minik8s-minictl-${run}`, pauseImage: pause, rootDir, port });
  const applied = await cluster.minictl(['apply', '-f', cluster.file('pod.yaml', POD)]);
  expect(applied.stderr).toBe('');
  try {
    await waitFor(
      async () => {
        const pod = (await client.resource(Pods).namespace('default').get('shell')) as corev1.Pod;
        return pod.status?.phase === 'Running' && (pod.status.containerStatuses ?? []).every((c) => c.ready) ? pod : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200, description: 'pod shell Running' },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nkubelet output:\n${(kubelet?.output ?? '')}`);
  }
}, 180_000);

afterAll(async () => {
  await kubelet?.stop();
  client?.close();
  await removeDockerObjectsByLabel(`io.minik8s.node=${node}`).catch(() => undefined);
  await removeDockerObjectsByLabel(imageLabel).catch(() => undefined);
  await cluster?.stop();
  rmSync(rootDir, { recursive: true, force: true });
}, 60_000);

describe('minictl streams', () => {
  it('logs: default container, -c, --tail, --timestamps, -l with --prefix', async () => {
    const plain = await cluster.minictl(['logs', 'shell']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe('Defaulted container "main" out of: main, web\n');
    expect(plain.stdout.startsWith('first\nsecond\n')).toBe(true);
    const tail = await cluster.minictl(['logs', 'pod/shell', '-c', 'main', '--tail=1', '--timestamps']);
    expect(tail.stdout).toMatch(/^\S+Z tick \d+\n$/);
    const selected = await cluster.minictl(['logs', '-l', 'app=shell', '-c', 'main', '--prefix', '--tail=-1']);
    expect(selected.stdout.split('\n')[0]).toBe('[pod/shell/main] first');
    const missing = await cluster.minictl(['logs', 'shell', '-c', 'nope']);
    // kubectl checks the container against the pod before asking the server.
    expect(missing).toMatchObject({ code: 1, stderr: 'error: container nope is not valid for pod shell\n' });
    const previous = await cluster.minictl(['logs', 'shell', '-c', 'main', '-p']);
    expect(previous.stderr).toBe('Error from server (BadRequest): previous terminated container "main" in pod "shell" not found\n');
  });

  it("logs of a container that has not started answers at once with the kubelet's reason, as Kubernetes does", async () => {
    const pending = `apiVersion: v1
kind: Pod
metadata: {name: pending}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: minik8s-minictl-test/absent:${run}, imagePullPolicy: Never}
`;
    expect((await cluster.minictl(['apply', '-f', cluster.file('pending.yaml', pending)])).code).toBe(0);
    await waitFor(
      async () => {
        const pod = (await client.resource(Pods).namespace('default').get('pending')) as corev1.Pod;
        return pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull';
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 'pod pending waiting in ErrImageNeverPull' },
    );
    const message = 'Error from server (BadRequest): container "main" in pod "pending" is waiting to start: ErrImageNeverPull\n';
    expect(await cluster.minictl(['logs', 'pending'])).toEqual({ code: 1, stdout: '', stderr: message });
    expect(await cluster.minictl(['logs', '-f', 'pending'])).toEqual({ code: 1, stdout: '', stderr: message });
    expect((await cluster.minictl(['delete', 'pod', 'pending', '--grace-period=0', '--force'])).code).toBe(0);
  });

  it('logs -f follows new lines until interrupted', async () => {
    const abort = new AbortController();
    const lines: string[] = [];
    const following = cluster.minictl(['logs', '-f', 'shell', '-c', 'main', '--tail=0'], {
      signal: abort.signal,
      stdout: {
        write: (text) => {
          lines.push(...text.split('\n').filter(Boolean));
          if (lines.length >= 3) abort.abort();
        },
      },
    });
    const result = await following;
    expect(result.code).toBe(0);
    expect(lines.slice(0, 3).every((l) => /^tick \d+$/.test(l))).toBe(true);
  });

  it("exec: output, and the command's exit code becomes minictl's", async () => {
    const ok = await cluster.minictl(['exec', 'shell', '-c', 'main', '--', 'sh', '-c', 'echo hi; echo oops >&2']);
    expect(ok).toEqual({ code: 0, stdout: 'hi\n', stderr: 'oops\n' });
    const failed = await cluster.minictl(['exec', 'shell', '-c', 'main', '--', 'sh', '-c', 'exit 3']);
    expect(failed).toEqual({ code: 3, stdout: '', stderr: 'command terminated with exit code 3\n' });
    const bad = await cluster.minictl(['exec', 'shell', '-c', 'nope', '--', 'true']);
    expect(bad.stderr).toBe('Error from server (BadRequest): container nope is not valid for pod shell\n');
    // A workload or Service names its first pod.
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: shell-svc}\nspec: {selector: {app: shell}, ports: [{port: 80}]}\n';
    expect((await cluster.minictl(['apply', '-f', cluster.file('svc.yaml', svc)])).code).toBe(0);
    expect(await cluster.minictl(['exec', 'svc/shell-svc', '-c', 'main', '--', 'echo', 'via-service'])).toEqual({ code: 0, stdout: 'via-service\n', stderr: '' });
    const old = await cluster.minictl(['exec', 'shell', 'true']);
    expect(old.stderr).toBe('error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n');
  });

  it('exec -it runs a shell on a real terminal and exits with its code (the real binary)', async () => {
    const { code, output } = await underPty(`${process.execPath} ${MINICTL_BIN} exec -it shell -c main -- sh`, 'tty; echo "cols=$COLUMNS"; exit 7\n');
    expect(output).toMatch(/\/dev\/pts\/\d+/);
    expect(code).toBe(7);
    expect(output).toContain('command terminated with exit code 7');
  });

  it('exec -i without a terminal passes stdin and says a TTY cannot be used', async () => {
    const child = spawn(process.execPath, [MINICTL_BIN, 'exec', '-it', 'shell', '-c', 'main', '--', 'wc', '-l'], { env: { ...process.env, ...cluster.env() } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end('a\nb\nc\n');
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('3');
    expect(stderr).toBe('Unable to use a TTY - input is not a terminal or the right kind of file\n');
  });

  it('port-forward LOCAL:REMOTE carries connections to the pod', async () => {
    const { local, body, result } = await forwardAndFetch('pod/shell', 'http');
    expect(body).toBe('served\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Handling connection for ${local}`);
  });

  it('cp copies a directory into the pod and back out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minictl-cp-'));
    try {
      mkdirSync(join(dir, 'src', 'sub'), { recursive: true });
      writeFileSync(join(dir, 'src', 'a.txt'), 'alpha\n');
      writeFileSync(join(dir, 'src', 'sub', 'b.txt'), 'beta\n');
      const up = await cluster.minictl(['cp', join(dir, 'src'), 'default/shell:/tmp/copied', '-c', 'main']);
      expect(up).toMatchObject({ code: 0, stderr: '' });
      const listed = await cluster.minictl(['exec', 'shell', '-c', 'main', '--', 'cat', '/tmp/copied/a.txt', '/tmp/copied/sub/b.txt']);
      expect(listed.stdout).toBe('alpha\nbeta\n');
      const down = await cluster.minictl(['cp', 'shell:/tmp/copied', join(dir, 'back'), '-c', 'main']);
      expect(down).toMatchObject({ code: 0, stderr: '' });
      expect(readFileSync(join(dir, 'back', 'sub', 'b.txt'), 'utf8')).toBe('beta\n');
      const file = await cluster.minictl(['cp', 'shell:/tmp/copied/a.txt', join(dir, 'single.txt'), '-c', 'main']);
      expect(file.code).toBe(0);
      expect(readFileSync(join(dir, 'single.txt'), 'utf8')).toBe('alpha\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('minictl exec, attach and port-forward: the pod they pick, and waiting for it to run', () => {
  const pods = () => client.resource(Pods).namespace('default');
  let steadyWatchers = 0;

  /** How many watches of pods the apiserver serves now (its apiserver_registered_watchers gauge). */
  async function podWatchers(): Promise<number> {
    const text = await (await fetch(`${cluster.healthUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('apiserver_registered_watchers{') && l.includes('resource="pods"'));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /** Runs minictl, and `then` once minictl is seen watching pods (beyond the kubelet's own watches). */
  async function whileWatching(args: string[], then: () => Promise<unknown>): Promise<{ code: number; stdout: string; stderr: string }> {
    // An earlier minictl's watch may take a moment to be let go.
    await waitFor(async () => (await podWatchers()) === steadyWatchers, { timeoutMs: 20_000, intervalMs: 100, description: 'only the kubelet watching pods' });
    const running = cluster.minictl(args);
    await waitFor(async () => (await podWatchers()) > steadyWatchers, { timeoutMs: 30_000, intervalMs: 100, description: 'minictl watching pods' });
    await then();
    return running;
  }

  function unboundPod(name: string, labels: Record<string, string> = {}): corev1.Pod {
    return {
      metadata: { name, namespace: 'default', labels },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: busybox, imagePullPolicy: 'Never', command: ['sh', '-c', 'while true; do sleep 1; done'] }],
      },
    };
  }

  beforeAll(async () => {
    // The kubelet's own watches of pods, with no minictl running.
    steadyWatchers = await podWatchers();
  }, 30_000);

  it("exec deploy/NAME picks the workload's running pod, not a pending one", async () => {
    await client.resource(Deployments).namespace('default').create({
      metadata: { name: 'shell-deploy', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'shell' } }, template: { metadata: { labels: { app: 'shell' } }, spec: { containers: [{ name: 'main', image: busybox }] } } },
    });
    // Newer, and on no node: kubectl's order puts the running pod first all the same.
    await pods().create(unboundPod('shell-pending', { app: 'shell' }));
    try {
      expect(await cluster.minictl(['exec', 'deploy/shell-deploy', '-c', 'main', '--', 'hostname'])).toEqual({ code: 0, stdout: 'shell\n', stderr: '' });
      // attach takes TYPE NAME too; its Running pod is the same one (its main container allocated no TTY).
      const attached = await cluster.minictl(['attach', 'deployment', 'shell-deploy', '-c', 'nope']);
      expect(attached).toEqual({ code: 1, stdout: '', stderr: 'error: cannot attach to the container: container nope not found in pod shell\n' });
    } finally {
      await pods().delete('shell-pending', { gracePeriodSeconds: 0 });
    }
  }, 60_000);

  it("port-forward svc/NAME forwards the Service's port to its targetPort on the picked pod", async () => {
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: shell-web}\nspec: {selector: {app: shell}, ports: [{name: web, port: 80, targetPort: http}]}\n';
    expect((await cluster.minictl(['apply', '-f', cluster.file('shell-web.yaml', svc)])).code).toBe(0);
    const { body, result } = await forwardAndFetch('svc/shell-web', 'web');
    expect(body).toBe('served\n');
    expect(result.code).toBe(0);
  }, 60_000);

  it('exec into a pending pod waits for it to run, then runs the command', async () => {
    await pods().create(unboundPod('late'));
    try {
      // Bound to the node (and so started by its kubelet) only once minictl is waiting for it.
      const result = await whileWatching(['exec', 'late', '--pod-running-timeout=3m', '--', 'echo', 'ran'], () => client.bind('default', 'late', node));
      expect(result).toEqual({ code: 0, stdout: 'ran\n', stderr: '' });
    } finally {
      await pods().delete('late', { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  }, 240_000);

  it("gives up after --pod-running-timeout with kubectl's message for the pod's state", async () => {
    await pods().create(unboundPod('never'));
    try {
      let started = Date.now();
      const exec = await cluster.minictl(['exec', 'never', '--pod-running-timeout=2s', '--', 'true']);
      expect(exec).toEqual({ code: 1, stdout: '', stderr: 'Error from server (BadRequest): pod never does not have a host assigned\n' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
      started = Date.now();
      const forward = await cluster.minictl(['port-forward', 'pod/never', '--pod-running-timeout=1s', '8080']);
      expect(forward).toEqual({ code: 1, stdout: '', stderr: 'error: unable to forward port because pod is not running. Current status=Pending\n' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      // A workload without pods: kubectl's GetFirstPod times out.
      const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: nobody}\nspec: {selector: {app: nobody}, ports: [{port: 80}]}\n';
      expect((await cluster.minictl(['apply', '-f', cluster.file('nobody.yaml', svc)])).code).toBe(0);
      expect(await cluster.minictl(['attach', 'svc/nobody', '--pod-running-timeout=1s'])).toEqual({ code: 1, stdout: '', stderr: 'error: timed out waiting for the condition\n' });
      expect(await cluster.minictl(['exec', 'never', '--pod-running-timeout=0', '--', 'true'])).toEqual({
        code: 1,
        stdout: '',
        stderr: "error: --pod-running-timeout must be higher than zero\nSee 'minictl exec --help' for usage.\n",
      });
    } finally {
      await pods().delete('never', { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  }, 120_000);

  it("refuses to exec into a completed pod with kubectl's message, also when it completes while waited for", async () => {
    const done = await pods().create(unboundPod('done'));
    try {
      const result = await whileWatching(['exec', 'done', '--', 'true'], () => pods().updateStatus({ ...done, status: { ...done.status, phase: 'Succeeded' } }));
      expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: cannot exec into a container in a completed pod; current phase is Succeeded\n' });
      // Already completed: refused at once, by exec and by attach.
      expect((await cluster.minictl(['exec', 'done', '--', 'true'])).stderr).toBe('error: cannot exec into a container in a completed pod; current phase is Succeeded\n');
      expect((await cluster.minictl(['attach', 'done'])).stderr).toBe('error: cannot attach a container in a completed pod; current phase is Succeeded\n');
    } finally {
      await pods().delete('done', { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  }, 120_000);
});
