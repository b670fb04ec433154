// `minictl logs TYPE/NAME` against a real apiserver (no kubelet: the pods here are on no node,
// whose logs Kubernetes answers with an empty stream): which pod it reads, waiting for a
// workload's first pod within --pod-running-timeout, and the flag checks kubectl makes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { batchv1, corev1 } from '@minik8s/api';
import { ApiClient, Deployments, Jobs, Pods } from '@minik8s/client';
import { ControlPlaneHarness, waitFor } from '@minik8s/testing';
import { run } from '../cli';
import { BufferedOutput } from '../io';
import type { CliResult } from '../test-support';

let plane: ControlPlaneHarness;
let client: ApiClient;
const home = mkdtempSync(join(tmpdir(), 'minictl-logs-'));

function minictl(args: string[]): Promise<CliResult> {
  const stdout = new BufferedOutput();
  const stderr = new BufferedOutput();
  return run(args, {
    stdout,
    stderr,
    readStdin: async () => '',
    env: { MINIK8S_SERVER: plane.address, MINIK8S_CONFIG: join(home, 'config') },
    now: () => new Date(),
    signal: new AbortController().signal,
    homeDir: home,
  }).then((code) => ({ code, stdout: stdout.text, stderr: stderr.text }));
}

/** How many watches of pods the apiserver serves now (its apiserver_registered_watchers gauge). */
async function podWatchers(): Promise<number> {
  const text = await (await fetch(`${plane.apiserver.healthUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('apiserver_registered_watchers{') && l.includes('resource="pods"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

function pod(name: string, labels: Record<string, string>): corev1.Pod {
  return { metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'main', image: 'busybox' }] } };
}

beforeAll(async () => {
  plane = await ControlPlaneHarness.start();
  client = new ApiClient(plane.address, { timeoutMs: 10_000 });
  await client.resource(Deployments).namespace('default').create({
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
  });
}, 60_000);

afterAll(async () => {
  client?.close();
  await plane?.stop();
  rmSync(home, { recursive: true, force: true });
}, 30_000);

describe('minictl logs TYPE/NAME', () => {
  it('gives up after --pod-running-timeout when the workload has no pod, as kubectl does', async () => {
    const started = Date.now();
    const result = await minictl(['logs', 'deploy/web', '--pod-running-timeout=1s']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: timed out waiting for the condition\n' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("waits for a job's first pod to appear, then reads it", async () => {
    const job = (await client.resource(Jobs).namespace('default').create({
      metadata: { name: 'hello', namespace: 'default' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
    })) as batchv1.Job;
    // Earlier watches (the test before) may take a moment to be let go.
    await waitFor(async () => (await podWatchers()) === 0, { timeoutMs: 20_000, intervalMs: 100, description: 'no pod watches' });
    const reading = minictl(['logs', 'job/hello']);
    // The pod is created only once minictl has found none and is watching for one.
    await waitFor(async () => (await podWatchers()) > 0, { timeoutMs: 15_000, intervalMs: 100, description: 'minictl watching pods' });
    await client.resource(Pods).namespace('default').create(pod('hello-abcde', job.spec?.template?.metadata?.labels ?? {}));
    expect(await reading).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('reads the pod kubectl would, and says so when there are several', async () => {
    const pods = client.resource(Pods).namespace('default');
    await pods.create(pod('web-a', { app: 'web' }));
    const running = await pods.create(pod('web-b', { app: 'web' }));
    await pods.updateStatus({ ...running, status: { ...running.status, phase: 'Running' } });
    // Neither is on a node (whose logs would need a kubelet): the running one wins (ByLogging).
    const result = await minictl(['logs', 'deployment/web']);
    expect(result).toEqual({ code: 0, stdout: '', stderr: 'Found 2 pods, using pod/web-b\n' });
    // A pod on no node has no logs yet: Kubernetes answers with an empty stream, at once.
    expect(await minictl(['logs', 'web-a', '-f'])).toEqual({ code: 0, stdout: '', stderr: '' });
    const missing = await minictl(['logs', 'deploy/absent']);
    expect(missing).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): deployments.apps "absent" not found\n' });
  });

  it('follows several pods at once, and with --ignore-errors reports a failed stream and goes on', async () => {
    const pods = client.resource(Pods).namespace('default');
    await pods.create(pod('lost-a', { app: 'lost' }));
    await pods.create({ ...pod('lost-b', { app: 'lost' }), spec: { nodeName: 'nowhere', containers: [{ name: 'main', image: 'busybox' }] } });
    const failed = await minictl(['logs', '-l', 'app=lost', '-f']);
    expect(failed).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): nodes "nowhere" not found\n' });
    const ignored = await minictl(['logs', '-l', 'app=lost', '-f', '--ignore-errors']);
    expect(ignored).toEqual({ code: 0, stdout: 'error: nodes "nowhere" not found\n', stderr: '' });
  });

  it("checks its flags as kubectl does before reading or waiting", async () => {
    expect(await minictl(['logs', 'deploy/web', '--pod-running-timeout=0'])).toEqual({ code: 1, stdout: '', stderr: 'error: --pod-running-timeout must be higher than zero\n' });
    expect((await minictl(['logs', 'deploy/web', '--pod-running-timeout=soon'])).stderr).toBe(
      'error: invalid argument "soon" for "--pod-running-timeout" flag: time: invalid duration "soon"\n',
    );
    expect((await minictl(['logs', 'web-a', 'main', '-c', 'main'])).stderr).toBe('error: only one of -c or an inline [CONTAINER] arg is allowed\n');
    expect((await minictl(['logs', 'web-a', 'main', '--all-containers'])).stderr).toBe('error: --all-containers=true should not be specified with container name main\n');
  });
});
