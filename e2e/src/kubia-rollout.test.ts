import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { appsv1 } from '@minik8s/api';
import { Deployments, Namespaces, Pods } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ensureImages, LocalCluster } from './local-cluster';

const run = promisify(execFile);
const MINICTL = join(__dirname, '..', '..', 'bin', 'minictl.js');
const NS = 'kubia-e2e';

const cluster = new LocalCluster('10.247.0.0/16');

beforeAll(async () => {
  ensureImages(['minik8s/pause:3.9', 'minik8s/kubia:v1', 'minik8s/kubia:v2'], 'pause,kubia');
  await cluster.start();
});

afterAll(async () => {
  await cluster.stop();
});

async function minictl(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [MINICTL, `--server=${cluster.apiserver.address}`, '-n', NS, ...args]);
  return stdout;
}

function deployment(): appsv1.Deployment {
  return {
    metadata: { name: 'kubia', labels: { app: 'kubia' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'kubia' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { type: 0, intVal: 1 }, maxUnavailable: { type: 0, intVal: 0 } } },
      template: {
        metadata: { labels: { app: 'kubia' } },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'kubia',
              image: 'minik8s/kubia:v1',
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/', port: { type: 1, strVal: 'http' } }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

/** Waits until the Deployment runs `image` on all its replicas, every one ready, old pods gone. */
async function rolledOutTo(image: string): Promise<void> {
  await waitFor(
    async () => {
      const d = await cluster.client.resource(Deployments).namespace(NS).get('kubia');
      const s = d.status ?? {};
      if (s.observedGeneration !== d.metadata?.generation || s.updatedReplicas !== 3 || s.availableReplicas !== 3 || s.replicas !== 3) return false;
      const pods = (await cluster.client.resource(Pods).namespace(NS).list()).items.filter((p) => !p.metadata?.deletionTimestamp);
      return pods.length === 3 && pods.every((p) => p.spec?.containers?.[0]?.image === image && p.status?.podIP);
    },
    { timeoutMs: 150_000, intervalMs: 500, description: `the rollout to ${image}` },
  );
}

/** What each running pod answers on its IP, straight from this host to the pod bridge. */
async function answers(): Promise<string[]> {
  const pods = (await cluster.client.resource(Pods).namespace(NS).list()).items.filter((p) => !p.metadata?.deletionTimestamp);
  return Promise.all(
    pods.map(async (p) => {
      const res = await fetch(`http://${p.status?.podIP}:8080/`, { signal: AbortSignal.timeout(5_000) });
      return (await res.text()).trim();
    }),
  );
}

describe('kubia on a real node', () => {
  it('runs v1, rolls to v2 through restarts of the controller-manager and the apiserver, and rolls back', async () => {
    await cluster.client.resource(Namespaces).create({ metadata: { name: NS } });
    await cluster.client.resource(Deployments).namespace(NS).create(deployment());
    await rolledOutTo('minik8s/kubia:v1');
    const v1 = await answers();
    expect(v1).toHaveLength(3);
    for (const line of v1) expect(line).toMatch(/^You've hit kubia-[a-z0-9]+-[a-z0-9]{5}$/);

    expect(await minictl('set', 'image', 'deployment/kubia', 'kubia=minik8s/kubia:v2')).toContain('deployment.apps/kubia image updated');
    // Mid-rollout, the controller-manager goes away and the apiserver restarts under everyone.
    await cluster.stopComponent('controller-manager');
    await cluster.apiserver.restart();
    cluster.startComponent('controller-manager', [`--cluster-cidr=${cluster.clusterCidr}`]);
    await rolledOutTo('minik8s/kubia:v2');
    for (const line of await answers()) expect(line).toMatch(/^This is v2 running in pod kubia-/);

    expect(await minictl('rollout', 'undo', 'deployment/kubia')).toContain('deployment.apps/kubia rolled back');
    await rolledOutTo('minik8s/kubia:v1');
    for (const line of await answers()) expect(line).toMatch(/^You've hit kubia-/);
    expect(await minictl('rollout', 'history', 'deployment/kubia')).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s.*\n3\s/);
  });
});
