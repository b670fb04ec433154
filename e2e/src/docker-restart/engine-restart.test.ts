import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { ConfigMaps, Deployments, Leases, Nodes, Pods, Services } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { COMPOSE } from '../cluster/compose';
import { kubiaDeployment, kubiaService, scriptPod } from '../cluster/manifests';
import { isReady, podReady, useScenario } from '../cluster/scenario';
import { bodiesFromEveryNodePort, kubiaByIpAndNameScript, waitForReadyEndpoints } from '../cluster/service-checks';
import { restartDockerEngine } from './docker-engine';
import { dockerRestartEnabled, SKIPPED_LINE } from './gate';

const run = promisify(execFile);
const TITLE = 'the compose cluster survives a restart of the host Docker engine';

/** What a pod's single container was before the restart. */
interface Before {
  ns: string;
  name: string;
  containerID: string;
  restartCount: number;
}

function firstContainer(pod: corev1.Pod): { containerID: string; restartCount: number } {
  const status = pod.status?.containerStatuses?.[0];
  return { containerID: status?.containerID ?? '', restartCount: status?.restartCount ?? 0 };
}

/** `name state` of every container of the compose project, as the host's engine lists them. */
async function composeContainers(): Promise<{ name: string; state: string }[]> {
  const project = process.env.MINIK8S_COMPOSE_PROJECT ?? 'minik8s';
  const { stdout } = await run('docker', ['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}} {{.State}}'], {
    timeout: 30_000,
  });
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [name, state] = l.trim().split(' ');
      return { name, state };
    });
}

function scenario(): void {
  const s = useScenario('docker-restart');

  it(TITLE, async () => {
    // Only the compose cluster lives on this engine; restarting it under another cluster proves nothing.
    expect(s.server).toBe(COMPOSE.apiserver);
    const containers = await composeContainers();
    expect(containers.length).toBeGreaterThanOrEqual(6);
    const nodes = await s.readyNodes();
    expect(nodes.length).toBeGreaterThanOrEqual(2);

    // Something to find again: data, a Service with backends on the nodes, and the DNS pods.
    await s.client.resource(ConfigMaps).namespace(s.ns).create({ metadata: { name: 'survivor' }, data: { written: 'before the restart' } });
    await s.client.resource(Deployments).namespace(s.ns).create(kubiaDeployment(2));
    const svc = await s.client.resource(Services).namespace(s.ns).create(kubiaService('NodePort'));
    const clusterIP = svc.spec?.clusterIP ?? '';
    const nodePort = svc.spec?.ports?.[0]?.nodePort ?? 0;
    const kubia = await waitFor(
      async () => {
        const pods = (await s.client.resource(Pods).namespace(s.ns).list({ labelSelector: 'app=kubia' })).items;
        return pods.length === 2 && pods.every(podReady) ? pods : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, description: 'two ready kubia pods' },
    );
    // `npm run up` deploys DNS without waiting for it.
    const dns = await waitFor(
      async () => {
        const pods = (await s.client.resource(Pods).namespace('kube-system').list({ labelSelector: 'k8s-app=kube-dns' })).items;
        return pods.length > 0 && pods.every(podReady) ? pods : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, description: 'the kube-dns pods ready' },
    );
    const before = new Map<string, Before>(
      [...kubia, ...dns].map((p) => [p.metadata?.uid ?? '', { ns: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '', ...firstContainer(p) }]),
    );

    const restart = await restartDockerEngine();
    process.stderr.write(
      `docker-restart: engine restarted (${restart.method}): old one gone in ${restart.stopSeconds}s, new one answering after ${restart.totalSeconds}s\n`,
    );
    const t0 = Date.now();
    const since = (): string => `${Math.round((Date.now() - t0) / 1000)}s after the engine answered`;

    // The restart policies bring back every container of the cluster.
    await waitFor(
      async () => {
        const now = await composeContainers();
        return now.length === containers.length && now.every((c) => c.state === 'running');
      },
      { timeoutMs: 120_000, intervalMs: 1_000, description: `the ${containers.length} compose containers running again` },
    );

    // Every node Ready again: Ready, and its kubelet has renewed its Lease since the engine came back.
    for (const node of nodes) {
      await waitFor(
        async () => {
          const lease = await s.client.resource(Leases).namespace('kube-node-lease').get(node.name);
          const renewed = Date.parse(lease.spec?.renewTime ?? '') >= restart.backAt;
          return renewed && isReady(await s.client.resource(Nodes).get(node.name));
        },
        { timeoutMs: 180_000, intervalMs: 1_000, description: `${node.name} Ready again with a renewed Lease` },
      );
    }
    process.stderr.write(`docker-restart: nodes Ready ${since()}\n`);

    // The same pods (the objects survived), their sandboxes and containers recreated by the kubelet
    // as Kubernetes does after a node reboot: a new container, restartCount up, Ready again.
    for (const [uid, was] of before) {
      const pod = await waitFor(
        async () => {
          const p = await s.client.resource(Pods).namespace(was.ns).get(was.name);
          const now = firstContainer(p);
          return podReady(p) && now.restartCount > was.restartCount && now.containerID !== was.containerID ? p : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 1_000, description: `pod ${was.ns}/${was.name} running again in a new container` },
      );
      expect(pod.metadata?.uid).toBe(uid);
      expect(pod.status?.phase).toBe('Running');
    }
    process.stderr.write(`docker-restart: pods Ready again ${since()}\n`);

    const cm = await s.client.resource(ConfigMaps).namespace(s.ns).get('survivor');
    expect(cm.data).toEqual({ written: 'before the restart' });

    // Services answer again: the proxies rebuilt their rules in the nodes' new network namespaces,
    // and DNS answers from its restarted pods. Retries in the pod ride out the catching up.
    await waitForReadyEndpoints(s, 'kubia', 2, 120_000);
    const name = `kubia.${s.ns}.svc.cluster.local`;
    const script = kubiaByIpAndNameScript(clusterIP, name);
    await s.client.resource(Pods).namespace(s.ns).create(scriptPod('client', script));
    const client = await s.waitForPod('client', (p) => ['Succeeded', 'Failed'].includes(p.status?.phase ?? ''), 'finished', 180_000);
    expect(client.status?.phase).toBe('Succeeded');
    const bodies = await bodiesFromEveryNodePort(nodes, nodePort);
    expect(bodies).toEqual(nodes.map(() => expect.stringMatching(/^You've hit kubia-/)));
    process.stderr.write(`docker-restart: Services answer again ${since()}\n`);
  });
}

describe('a restart of the host Docker engine', () => {
  if (dockerRestartEnabled()) scenario();
  else it.skip(`${TITLE} (${SKIPPED_LINE})`);
});
