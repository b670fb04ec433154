// minictl wait against a real apiserver and etcd: conditions and JSONPath values written while it
// waits, deletions, creations, selectors, timeouts and the errors kubectl gives.

import type { corev1 } from '@minik8s/api';
import { ApiClient, Deployments, Pods } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, type CliResult } from '../test-support';

let cluster: TestCluster;
let client: ApiClient;
const NS = 'waiting';


beforeAll(async () => {
  cluster = await TestCluster.start();
  client = new ApiClient(cluster.address, { waitForReady: false });
  expect((await cluster.minictl(['create', 'namespace', NS])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

function pods() {
  return client.resource(Pods).namespace(NS);
}

function wait(...args: string[]): Promise<CliResult> {
  return cluster.minictl(['-n', NS, 'wait', ...args]);
}

/** A pod; one on a node (`nodeName`) is deleted gracefully, keeping it until a second, immediate delete. */
async function createPod(name: string, labels: Record<string, string> = {}, nodeName?: string): Promise<corev1.Pod> {
  return pods().create({ metadata: { name, namespace: NS, labels }, spec: { nodeName, containers: [{ name: 'main', image: 'busybox' }] } });
}

async function deletePod(name: string, gracePeriodSeconds?: number): Promise<void> {
  await pods().delete(name, { gracePeriodSeconds });
}

/** Writes the pod's status (as a kubelet would). */
async function setStatus(name: string, status: corev1.PodStatus): Promise<void> {
  const pod = await pods().get(name);
  await pods().updateStatus({ ...pod, status: { ...pod.status, ...status } });
}

function ready(value: 'True' | 'False' = 'True'): corev1.PodStatus {
  return { conditions: [{ type: 'Ready', status: value, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }] };
}

/** How many watches of `resource` the apiserver serves now (its apiserver_registered_watchers gauge). */
async function watchers(resource = 'pods'): Promise<number> {
  const text = await (await fetch(`${cluster.healthUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('apiserver_registered_watchers{') && l.includes(`resource="${resource}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/**
 * Starts `minictl wait ...` and resolves once it is watching, so that what the test writes next
 * happens while it waits; `running` is the command's result.
 */
async function waiting(args: string[], resource = 'pods'): Promise<{ running: Promise<CliResult> }> {
  const before = await watchers(resource);
  const running = wait(...args);
  let settled = false;
  void running.then(() => (settled = true));
  await waitFor(async () => settled || (await watchers(resource)) > before, { timeoutMs: 20_000, description: 'minictl wait watching' });
  expect(settled, 'minictl wait ended before it watched').toBe(false);
  return { running };
}

describe('minictl wait --for=condition', () => {
  it('waits for a condition written while it waits', async () => {
    await createPod('web-0');
    const { running } = await waiting(['pod/web-0', '--for=condition=Ready', '--timeout=30s']);
    await setStatus('web-0', ready());
    expect(await running).toEqual({ code: 0, stdout: 'pod/web-0 condition met\n', stderr: '' });
  });

  it('compares name and value ignoring case, checks once with --timeout=0, and prints -o name', async () => {
    await createPod('web-1');
    await setStatus('web-1', ready('False'));
    expect(await wait('pods', 'web-1', '--for=condition=ready=FALSE', '--timeout=0')).toEqual({ code: 0, stdout: 'pod/web-1 condition met\n', stderr: '' });
    expect(await wait('pod/web-1', '--for=condition=Ready', '--timeout=0')).toEqual({ code: 1, stdout: '', stderr: 'error: condition not met for pods/web-1\n' });
    await setStatus('web-1', ready());
    expect(await wait('pod/web-1', '--for=condition=Ready', '-o', 'name')).toEqual({ code: 0, stdout: 'pod/web-1\n', stderr: '' });
  });

  it('times out with kubectl\'s error and exit code 1', async () => {
    await createPod('stuck');
    const started = Date.now();
    expect(await wait('pod/stuck', '--for=condition=Ready', '--timeout=1s')).toEqual({ code: 1, stdout: '', stderr: 'error: timed out waiting for the condition on pods/stuck\n' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('reports a missing object as the server does, and no objects as kubectl does', async () => {
    expect(await wait('pod/nope', '--for=condition=Ready', '--timeout=1s')).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    expect(await wait('pods', '-l', 'app=none', '--for=condition=Ready')).toEqual({ code: 1, stdout: '', stderr: 'error: no matching resources found\n' });
    expect(await wait('pods', '--all', '-n', 'empty-ns', '--for=condition=Ready')).toEqual({ code: 1, stdout: '', stderr: 'error: no matching resources found\n' });
  });

  it('waits for every object a selector picks, in turn, and prints each as it is met', async () => {
    for (const name of ['batch-a', 'batch-b', 'batch-c']) await createPod(name, { group: 'batch' });
    await createPod('other', { group: 'other' });
    await setStatus('batch-a', ready());
    await setStatus('batch-b', ready());
    let output = '';
    const before = await watchers();
    const running = cluster.minictl(['-n', NS, 'wait', 'pods', '-l', 'group=batch', '--for=condition=Ready'], { stdout: { write: (t) => void (output += t) } });
    // a and b are met at once; then it watches c.
    await waitFor(async () => (await watchers()) > before, { timeoutMs: 20_000, description: 'minictl wait watching batch-c' });
    expect(output).toBe('pod/batch-a condition met\npod/batch-b condition met\n');
    await setStatus('batch-c', ready());
    expect(await running).toEqual({ code: 0, stdout: 'pod/batch-a condition met\npod/batch-b condition met\npod/batch-c condition met\n', stderr: '' });
  });

  it('lists every object that timed out, one per line, after those that were met', async () => {
    for (const name of ['slow-a', 'slow-b', 'slow-c']) await createPod(name, { group: 'slow' });
    await setStatus('slow-b', ready());
    expect(await wait('pods', '-l', 'group=slow', '--for=condition=Ready', '--timeout=1s')).toEqual({
      code: 1,
      stdout: 'pod/slow-b condition met\n',
      stderr: 'timed out waiting for the condition on pods/slow-a\ntimed out waiting for the condition on pods/slow-c\n',
    });
  });

  it('names objects of a group kubectl\'s way', async () => {
    const deployments = client.resource(Deployments).namespace(NS);
    const created = await deployments.create({
      metadata: { name: 'web', namespace: NS },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
    });
    expect(await wait('deploy/web', '--for=condition=Available', '--timeout=0')).toEqual({ code: 1, stdout: '', stderr: 'error: condition not met for deployments/web\n' });
    const { running } = await waiting(['deployment/web', '--for=condition=Available'], 'deployments');
    await deployments.updateStatus({
      ...created,
      status: { observedGeneration: created.metadata?.generation, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }] },
    });
    expect(await running).toEqual({ code: 0, stdout: 'deployment.apps/web condition met\n', stderr: '' });
  });
});

describe('minictl wait --for=jsonpath', () => {
  it('waits for a value written while it waits', async () => {
    await createPod('phase-0');
    const { running } = await waiting(['pod/phase-0', '--for=jsonpath={.status.phase}=Running']);
    await setStatus('phase-0', { phase: 'Running' });
    expect(await running).toEqual({ code: 0, stdout: 'pod/phase-0 condition met\n', stderr: '' });
  });

  it('accepts a filter with ==, the relaxed path forms, and a path alone', async () => {
    await createPod('phase-1');
    await setStatus('phase-1', { phase: 'Pending', ...ready() });
    expect(await wait('pod/phase-1', '--for=jsonpath={.status.conditions[?(@.type=="Ready")].status}=True', '--timeout=0')).toMatchObject({ code: 0, stdout: 'pod/phase-1 condition met\n' });
    expect(await wait('pod/phase-1', "--for=jsonpath=.status.phase='Pending'", '--timeout=0')).toMatchObject({ code: 0, stdout: 'pod/phase-1 condition met\n' });
    expect(await wait('pod/phase-1', '--for=jsonpath={.status.phase}', '--timeout=0')).toMatchObject({ code: 0, stdout: 'pod/phase-1 condition met\n' });
    expect(await wait('pod/phase-1', '--for=jsonpath={.status.podIP}', '--timeout=0')).toEqual({ code: 1, stdout: '', stderr: 'error: condition not met for pods/phase-1\n' });
    expect(await wait('pod/phase-1', '--for=jsonpath={.status.conditions}=x', '--timeout=0')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: jsonpath leads to a nested object or list which is not supported\n',
    });
  });
});

describe('minictl wait --for=delete', () => {
  it('waits for an object deleted while it waits', async () => {
    await createPod('gone-0');
    const { running } = await waiting(['pod/gone-0', '--for=delete']);
    await deletePod('gone-0', 0);
    expect(await running).toEqual({ code: 0, stdout: 'pod/gone-0 condition met\n', stderr: '' });
  });

  it('waits through graceful deletion until each object a selector picks is gone', async () => {
    await createPod('gone-a', { group: 'gone' }, 'node-1');
    await createPod('gone-b', { group: 'gone' }, 'node-1');
    // On a node, the pods only get a deletionTimestamp; the wait goes on until they are removed.
    await deletePod('gone-a');
    await deletePod('gone-b');
    expect((await pods().get('gone-a')).metadata?.deletionTimestamp).toBeTruthy();
    let output = '';
    const before = await watchers();
    const running = cluster.minictl(['-n', NS, 'wait', 'pods', '-l', 'group=gone', '--for=delete'], { stdout: { write: (t) => void (output += t) } });
    await waitFor(async () => (await watchers()) > before, { timeoutMs: 20_000, description: 'minictl wait watching gone-a' });
    expect(output).toBe('');
    await deletePod('gone-a', 0);
    await waitFor(() => output === 'pod/gone-a condition met\n', { timeoutMs: 20_000, description: 'gone-a reported' });
    await deletePod('gone-b', 0);
    expect(await running).toEqual({ code: 0, stdout: 'pod/gone-a condition met\npod/gone-b condition met\n', stderr: '' });
  });

  it('is done at once, printing nothing, when the object is already gone; fails on a timeout', async () => {
    expect(await wait('pod/never-was', '--for=delete')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await wait('pods', '-l', 'group=none', '--for=delete')).toEqual({ code: 0, stdout: '', stderr: '' });
    await createPod('staying');
    expect(await wait('pod/staying', '--for=delete', '--timeout=0')).toEqual({ code: 1, stdout: '', stderr: 'error: condition not met for pods/staying\n' });
    expect(await wait('pod/staying', '--for=delete', '--timeout=500ms')).toEqual({ code: 1, stdout: '', stderr: 'error: timed out waiting for the condition on pods/staying\n' });
  });
});

describe('minictl wait --for=create', () => {
  it('waits for the object to exist', async () => {
    const running = wait('pod/later', '--for=create', '--timeout=20s');
    await createPod('later');
    expect(await running).toEqual({ code: 0, stdout: 'pod/later condition met\n', stderr: '' });
    expect(await wait('pod/never', '--for=create', '--timeout=0')).toEqual({ code: 1, stdout: '', stderr: 'error: timed out waiting for the condition\n' });
  });
});
