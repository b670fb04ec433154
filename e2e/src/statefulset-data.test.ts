import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, type appsv1, type corev1 } from '@minik8s/api';
import { MERGE_PATCH, Namespaces, PersistentVolumeClaims, PersistentVolumes, Pods, Services, StatefulSets, StorageClasses } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ensureImages, LocalCluster } from './local-cluster';

const run = promisify(execFile);
const NS = 'sts-data-e2e';
const cluster = new LocalCluster('10.249.0.0/16');
/** The local-path class keeps this test's volumes here, not in /var/lib/minik8s. */
const basePath = mkdtempSync(join(tmpdir(), 'minik8s-local-path-'));

beforeAll(async () => {
  ensureImages(['minik8s/pause:3.9', 'minik8s/busybox:1.36'], 'pause,busybox');
  await cluster.start();
});

afterAll(async () => {
  await cluster.stop();
  rmSync(basePath, { recursive: true, force: true });
});

function statefulSet(): appsv1.StatefulSet {
  return {
    metadata: { name: 'web' },
    spec: {
      serviceName: 'web',
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'web',
              image: 'minik8s/busybox:1.36',
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } },
      ],
    },
  };
}

/** Waits until pods web-0 … web-(n-1), and only they, run Ready; returns them by name. */
async function runningPods(n: number): Promise<Map<string, corev1.Pod>> {
  const want = Array.from({ length: n }, (_, i) => `web-${i}`);
  return waitFor(
    async () => {
      const pods = (await cluster.client.resource(Pods).namespace(NS).list()).items;
      const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
      const ready = live.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (pods.length !== n || ready.length !== n) return undefined;
      if (ready.map((p) => p.metadata?.name ?? '').sort().join() !== want.join()) return undefined;
      return new Map(ready.map((p) => [p.metadata?.name ?? '', p]));
    },
    { timeoutMs: 150_000, intervalMs: 500, description: `web-0..web-${n - 1} running and Ready` },
  );
}

/** Runs a command in the pod's container on this machine's Docker (the node's engine). */
async function execIn(pod: corev1.Pod, script: string): Promise<string> {
  const { stdout: ids } = await run('docker', [
    'ps',
    '-q',
    '--filter',
    `label=io.kubernetes.pod.uid=${pod.metadata?.uid}`,
    '--filter',
    'label=io.kubernetes.container.name=web',
  ]);
  const id = ids.trim().split('\n')[0];
  if (!id) throw new Error(`no running container for pod ${pod.metadata?.name}`);
  const { stdout } = await run('docker', ['exec', id, 'sh', '-c', script]);
  return stdout;
}

async function claimUids(): Promise<Map<string, string>> {
  const { items } = await cluster.client.resource(PersistentVolumeClaims).namespace(NS).list();
  return new Map(items.map((c) => [c.metadata?.name ?? '', `${c.metadata?.uid}:${c.spec?.volumeName}:${c.status?.phase}`]));
}

describe('a StatefulSet keeps its data on a real node', () => {
  it('gives web-1 its file back after the pod is deleted, and keeps names and claims across scaling', async () => {
    const client = cluster.client;
    await client.resource(StorageClasses).create({
      metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'minik8s.io/local-path',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      parameters: { basePath },
    });
    await client.resource(Namespaces).create({ metadata: { name: NS } });
    // DefaultStorageClass admission reads the apiserver's watch cache: the claims the StatefulSet
    // controller makes count on the new default, so wait until admission sees it.
    await waitFor(
      async () =>
        (
          await client
            .resource(PersistentVolumeClaims)
            .namespace(NS)
            .create({ metadata: { name: 'probe' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }, { dryRun: true })
        ).spec?.storageClassName === 'local-path',
      { description: 'the default StorageClass to reach admission' },
    );
    await client.resource(Services).namespace(NS).create({
      metadata: { name: 'web' },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'web', port: 80 }] },
    });
    await client.resource(StatefulSets).namespace(NS).create(statefulSet());

    const first = await runningPods(3);
    const claims = await waitFor(
      async () => {
        const uids = await claimUids();
        return [...uids.values()].filter((v) => v.endsWith(':Bound')).length === 3 ? uids : undefined;
      },
      { timeoutMs: 30_000, description: 'three Bound claims' },
    );
    expect([...claims.keys()].sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    // Each claim got its own local-path volume, pinned to the node its pod runs on.
    for (const value of claims.values()) {
      const pv = await client.resource(PersistentVolumes).get(value.split(':')[1]);
      expect(pv.spec?.hostPath?.path).toBe(join(basePath, pv.metadata?.name ?? ''));
      expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.key).toBe('kubernetes.io/hostname');
    }

    const oldWeb1 = first.get('web-1') as corev1.Pod;
    await execIn(oldWeb1, 'echo "written by $(hostname)" > /data/hello');
    await client.resource(Pods).namespace(NS).delete('web-1');
    const again = await waitFor(
      async () => {
        const pods = await runningPods(3);
        const web1 = pods.get('web-1');
        return web1 && web1.metadata?.uid !== oldWeb1.metadata?.uid ? web1 : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500, description: 'a new web-1' },
    );
    expect((await execIn(again, 'cat /data/hello')).trim()).toBe('written by web-1');
    expect(await claimUids()).toEqual(claims);

    await client.resource(StatefulSets).namespace(NS).patch('web', MERGE_PATCH, { spec: { replicas: 1 } });
    await runningPods(1);
    // Scaling down keeps the claims (whenScaled: Retain).
    expect(await claimUids()).toEqual(claims);

    await client.resource(StatefulSets).namespace(NS).patch('web', MERGE_PATCH, { spec: { replicas: 3 } });
    const scaledUp = await runningPods(3);
    expect(await claimUids()).toEqual(claims);
    expect((await execIn(scaledUp.get('web-1') as corev1.Pod, 'cat /data/hello')).trim()).toBe('written by web-1');
    // Four rounds of pods starting one after another (OrderedReady): generous on a loaded machine.
  }, 420_000);

  it('removes a deleted claim’s directory from the node (reclaimPolicy Delete) through a helper pod', async () => {
    const client = cluster.client;
    const pvName = (await client.resource(PersistentVolumeClaims).namespace(NS).get('data-web-2')).spec?.volumeName ?? '';
    const dir = join(basePath, pvName);
    expect(existsSync(dir), `${dir} made by the kubelet`).toBe(true);
    await client.resource(StatefulSets).namespace(NS).patch('web', MERGE_PATCH, { spec: { replicas: 2 } });
    await runningPods(2);
    await client.resource(PersistentVolumeClaims).namespace(NS).delete('data-web-2');
    await waitFor(async () => client.resource(PersistentVolumes).get(pvName).then(() => false, isNotFound), {
      timeoutMs: 120_000,
      intervalMs: 500,
      description: `volume ${pvName} deleted after its directory`,
    });
    expect(existsSync(dir)).toBe(false);
    // The other claims' data stays where it was.
    expect(existsSync(join(basePath, (await client.resource(PersistentVolumeClaims).namespace(NS).get('data-web-1')).spec?.volumeName ?? '', 'hello'))).toBe(true);
  }, 300_000);
});
