import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Nodes } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { Kubelet } from './kubelet';
import { KubeletFixture, statusOf } from './test/fixture';

const f = new KubeletFixture('10.244.251.0/24');

beforeAll(async () => {
  await f.setUp();
});

afterAll(async () => {
  await f.tearDown();
});

describe('kubelet restarts and Docker outages', () => {
  it('adopts running containers after a restart without restarting them, and keeps the Node', async () => {
    await f.startKubelet();
    const created = await f.pods().create(f.pod('survivor', { containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
    const uid = created.metadata?.uid ?? '';
    const before = await f.waitForPod('survivor', (p) => statusOf(p, 'c')?.ready === true);
    const nodeBefore = await f.client.resource(Nodes).get(f.nodeName);
    const idsBefore = (await f.containersOf(uid)).map((c) => c.Id).sort();

    await f.stopKubelet();
    await f.startKubelet();
    // Let the new kubelet sync the pod a few times.
    await waitFor(() => (f.kubelet?.podWorkers.syncCount(uid) ?? 0) >= 3, { timeoutMs: 15_000, description: 'three syncs by the new kubelet' });
    const after = await f.pods().get('survivor');
    expect(statusOf(after, 'c')?.containerID).toBe(statusOf(before, 'c')?.containerID);
    expect(statusOf(after, 'c')?.restartCount).toBe(0);
    expect(statusOf(after, 'c')?.state?.running?.startedAt).toBe(statusOf(before, 'c')?.state?.running?.startedAt);
    expect((await f.containersOf(uid)).map((c) => c.Id).sort()).toEqual(idsBefore);
    const nodeAfter = await f.client.resource(Nodes).get(f.nodeName);
    expect(nodeAfter.metadata?.uid).toBe(nodeBefore.metadata?.uid);
    expect(nodeAfter.metadata?.creationTimestamp).toBe(nodeBefore.metadata?.creationTimestamp);
  });

  it('removes the containers of a pod deleted while the kubelet was down', async () => {
    const created = await f.pods().create(f.pod('orphan', { containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
    const uid = created.metadata?.uid ?? '';
    await f.waitForPod('orphan', (p) => statusOf(p, 'c')?.ready === true);
    await f.stopKubelet();
    await f.pods().delete('orphan', { gracePeriodSeconds: 0 });
    expect((await f.containersOf(uid)).length).toBe(2);
    await f.startKubelet();
    await waitFor(async () => (await f.containersOf(uid)).length === 0, { timeoutMs: 15_000, description: 'orphaned containers removed' });
    // The other pod is untouched.
    expect(statusOf(await f.pods().get('survivor'), 'c')?.restartCount).toBe(0);
  });

  it('recreates a dead sandbox and restarts the pod\'s containers in it', async () => {
    const created = await f.pods().create(f.pod('phoenix', { containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
    const uid = created.metadata?.uid ?? '';
    await f.waitForPod('phoenix', (p) => statusOf(p, 'c')?.ready === true);
    const sandbox = (await f.containersOf(uid)).find((c) => c.Labels['io.kubernetes.container.name'] === 'POD');
    await f.docker.getContainer(sandbox?.Id ?? '').kill();
    const pod = await f.waitForPod('phoenix', (p) => statusOf(p, 'c')?.restartCount === 1 && statusOf(p, 'c')?.ready === true, { timeoutMs: 20_000 });
    const containers = await f.containersOf(uid);
    const running = containers.filter((c) => c.State === 'running');
    const newSandbox = running.find((c) => c.Labels['io.kubernetes.container.name'] === 'POD');
    expect(newSandbox?.Id).not.toBe(sandbox?.Id);
    expect(newSandbox?.Labels['io.kubernetes.container.restartCount']).toBe('1');
    const app = running.find((c) => c.Labels['io.kubernetes.container.name'] === 'c');
    expect((await f.docker.getContainer(app?.Id ?? '').inspect()).HostConfig.NetworkMode).toBe(`container:${newSandbox?.Id}`);
    expect(pod.status?.podIP).toBeTruthy();
  });

  it('runs static pods from --pod-manifest-path and mirrors them in the API', async () => {
    const dir = join(f.rootDir, 'manifests');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'static-web.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        '  name: static-web',
        '  labels: {tier: control}',
        'spec:',
        '  terminationGracePeriodSeconds: 1',
        '  containers:',
        '  - name: c',
        `    image: ${f.busybox}`,
        '    imagePullPolicy: IfNotPresent',
        '    command: [sleep, "3600"]',
        '',
      ].join('\n'),
    );
    await f.stopKubelet();
    await f.startKubelet({ podManifestPath: dir, staticPodIntervalMs: 300 });
    const name = `static-web-${f.nodeName}`;
    const mirror = await f.waitForPod(name, (p) => p.status?.phase === 'Running' && statusOf(p, 'c')?.ready === true, { timeoutMs: 20_000 });
    const hash = mirror.metadata?.annotations?.['kubernetes.io/config.mirror'];
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    expect(mirror.metadata?.annotations?.['kubernetes.io/config.source']).toBe('file');
    expect(mirror.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: f.nodeName });
    expect(mirror.metadata?.labels?.tier).toBe('control');
    // The containers belong to the static pod's UID, not the mirror's.
    const containers = await f.containersOf(hash ?? '');
    expect(containers).toHaveLength(2);
    const containerID = statusOf(mirror, 'c')?.containerID;

    // Deleting the mirror pod only recreates it; the pod keeps running.
    await f.pods().delete(name);
    const again = await f.waitForPod(name, (p) => p.metadata?.uid !== mirror.metadata?.uid && statusOf(p, 'c')?.ready === true, { timeoutMs: 20_000 });
    expect(statusOf(again, 'c')?.containerID).toBe(containerID);

    // Removing the manifest stops the pod and removes its mirror.
    rmSync(file);
    await waitFor(async () => (await f.containersOf(hash ?? '')).length === 0, { timeoutMs: 20_000, description: 'static pod containers removed' });
    await waitFor(
      async () => {
        try {
          await f.pods().get(name);
          return false;
        } catch (err) {
          return /not found/i.test((err as Error).message);
        }
      },
      { timeoutMs: 10_000, description: 'mirror pod deleted' },
    );
  });

  it('reports the node NotReady, naming Docker, when the engine is unreachable', async () => {
    const name = `${f.nodeName}-nodocker`;
    const kubelet = await Kubelet.start(f.config({ nodeName: name, dockerHost: 'unix:///tmp/minik8s-no-such-docker.sock', podCIDR: undefined }));
    try {
      const ready = await waitFor(
        async () => (await f.client.resource(Nodes).get(name)).status?.conditions?.find((c) => c.type === 'Ready'),
        { timeoutMs: 10_000, description: 'Ready condition' },
      );
      expect(ready.status).toBe('False');
      expect(ready.reason).toBe('KubeletNotReady');
      expect(ready.message).toContain('Docker');
      expect(ready.message).toContain('container runtime is down');
    } finally {
      await kubelet.stop();
    }
  });
});
