// rollout status, history and undo of a StatefulSet, against a real apiserver and etcd with the
// real StatefulSet controller (the controller-manager as a process, only that controller) and a
// stand-in kubelet that runs every pod Ready at once.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { corev1 } from '@minik8s/api';
import { ApiClient, ControllerRevisions, Pods, StatefulSets } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TestCluster } from '../test-support';

let cluster: TestCluster;
let client: ApiClient;
let controllerManager: ChildProcess | undefined;
let cmOutput = '';
let kubeletStopped = false;
let kubeletLoop: Promise<void> | undefined;
const NS = 'sts-rollout';

async function ok(...args: string[]): Promise<string> {
  const result = await cluster.minictl(['-n', NS, ...args]);
  expect(result, `${args.join(' ')}\n${cmOutput.slice(-2000)}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

/** Plays the kubelet: pods run and are Ready as soon as they exist; deleted pods go at once. */
async function fakeKubelet(): Promise<void> {
  const pods = client.resource(Pods).namespace(NS);
  while (!kubeletStopped) {
    try {
      for (const pod of (await pods.list()).items) {
        const name = pod.metadata?.name ?? '';
        if (pod.metadata?.deletionTimestamp) {
          await pods.delete(name, { gracePeriodSeconds: 0 }).catch(() => undefined);
          continue;
        }
        if (pod.status?.phase === 'Running') continue;
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        const status: corev1.PodStatus = {
          ...pod.status,
          phase: 'Running',
          podIP: '10.0.0.1',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
          containerStatuses: [{ name: 'web', ready: true, restartCount: 0, image: pod.spec?.containers?.[0]?.image, state: { running: { startedAt: now } } }],
        };
        await pods.updateStatus({ ...pod, status }).catch(() => undefined);
      }
    } catch {
      // The next round tries again.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stsYaml = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: web:1
`;

beforeAll(async () => {
  cluster = await TestCluster.start();
  client = new ApiClient(cluster.address, { waitForReady: false });
  expect((await cluster.minictl(['create', 'namespace', NS])).code).toBe(0);
  controllerManager = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'minik8s.js'), 'controller-manager', `--server=${cluster.address}`, '--controllers=statefulset', '--log-format=json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (d: Buffer): void => void (cmOutput = (cmOutput + d.toString()).slice(-20_000));
  controllerManager.stdout?.on('data', append);
  controllerManager.stderr?.on('data', append);
  kubeletLoop = fakeKubelet();
}, 120_000);

afterAll(async () => {
  kubeletStopped = true;
  await kubeletLoop;
  if (controllerManager && controllerManager.exitCode === null && controllerManager.signalCode === null) {
    const exited = new Promise<void>((resolve) => controllerManager?.once('exit', () => resolve()));
    controllerManager.kill('SIGTERM');
    const killer = setTimeout(() => controllerManager?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
  client?.close();
  await cluster?.stop();
});

/** The images the StatefulSet's live pods run, by pod name. */
async function images(): Promise<Record<string, string>> {
  const { items } = await client.resource(Pods).namespace(NS).list();
  return Object.fromEntries(items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => [p.metadata?.name ?? '', p.spec?.containers?.[0]?.image ?? '']));
}

/**
 * The revision all pods run once the controller has caught up: rollout status may finish (all
 * pods updated) a moment before the controller moves currentRevision to updateRevision.
 */
async function settledRevision(): Promise<string> {
  return waitFor(
    async () => {
      const s = (await client.resource(StatefulSets).namespace(NS).get('web')).status;
      return s?.currentRevision && s.currentRevision === s.updateRevision ? s.currentRevision : undefined;
    },
    { timeoutMs: 30_000, description: 'currentRevision = updateRevision' },
  );
}

describe('rollout of a StatefulSet run by its controller', () => {
  it('waits for the rollout, lists the revisions, and rolls back to the previous one', async () => {
    expect(await ok('apply', '-f', cluster.file('web.yaml', stsYaml))).toBe('statefulset.apps/web created\n');
    const first = await ok('rollout', 'status', 'statefulset/web', '--timeout=120s');
    const rev1 = await settledRevision();
    expect(rev1).toMatch(/^web-[a-z0-9]+$/);
    // As kubectl says it: a RollingUpdate strategy (partition defaulted to 0) reports the partitioned form.
    expect(first.trimEnd().split('\n').at(-1)).toBe('partitioned roll out complete: 2 new pods have been updated...');

    expect(await ok('set', 'image', 'sts/web', 'web=web:2')).toBe('statefulset.apps/web image updated\n');
    const second = await ok('rollout', 'status', 'sts/web', '--timeout=120s');
    const rev2 = await settledRevision();
    expect(rev2).not.toBe(rev1);
    expect(second.trimEnd().split('\n').at(-1)).toBe('partitioned roll out complete: 2 new pods have been updated...');
    expect(await images()).toEqual({ 'web-0': 'web:2', 'web-1': 'web:2' });

    expect(await ok('rollout', 'history', 'statefulset/web')).toBe('statefulset.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    expect(await ok('rollout', 'history', 'sts/web', '--revision=1')).toMatch(/^statefulset\.apps\/web with revision #1\nPod Template:\n  Labels:\tapp=web\n  Containers:\n   web:\n    Image:\tweb:1\n/);

    expect(await ok('rollout', 'undo', 'sts/web')).toBe('statefulset.apps/web rolled back\n');
    const third = await ok('rollout', 'status', 'sts/web', '--timeout=120s');
    // Rolling back re-uses revision 1's template, which becomes revision 3.
    expect(await settledRevision()).toBe(rev1);
    expect(third.trimEnd().split('\n').at(-1)).toBe('partitioned roll out complete: 2 new pods have been updated...');
    expect(await images()).toEqual({ 'web-0': 'web:1', 'web-1': 'web:1' });
    const revisions = (await client.resource(ControllerRevisions).namespace(NS).list()).items.map((r) => [r.metadata?.name, r.revision]);
    expect(revisions.sort()).toEqual(
      [
        [rev1, 3],
        [rev2, 2],
      ].sort(),
    );
    expect(await ok('rollout', 'history', 'sts/web')).toBe('statefulset.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');
    await waitFor(async () => (await images())['web-0'] === 'web:1', { timeoutMs: 5_000, description: 'web-0 back at web:1' });
  });
});
