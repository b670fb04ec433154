import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { appsv1 } from '@minik8s/api';
import { Deployments, Informer, Namespaces, Pods, ReplicaSets } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerTestCluster } from '../../test-support/controller-cluster';

// A 100-replica Deployment on hollow nodes: real hollow-nodes and scheduler processes, the
// Deployment and ReplicaSet controllers in-process. The rollover is watched through an informer,
// so every ReplicaSet size the controllers ever wrote is checked against maxSurge.

const NS = 'hollow-deploy';
const REPLICAS = 100;
/** maxSurge 25% of 100. */
const MAX_TOTAL = 125;
const V1 = 'registry.example.com/web:1.0';
const V2 = 'registry.example.com/web:2.0';
const WAIT = { timeoutMs: 120_000, intervalMs: 250 };

let cluster: ControllerTestCluster;
let replicaSets: Informer<appsv1.ReplicaSet>;
/** The highest sum of spec.replicas over the namespace's ReplicaSets, at any revision seen. */
let peakTotal = 0;
/** Every time a ReplicaSet of the v1 template grew after the rollover began: "from → to". */
const oldGrew: string[] = [];
let rolloverStarted = false;

beforeAll(async () => {
  cluster = await ControllerTestCluster.start({ controllers: ['deployment', 'replicaset'] });
  await cluster.client.resource(Namespaces).create({ metadata: { name: NS } });
  await cluster.startScheduler();
  await cluster.startHollowNodes({ prefix: 'pool-', count: 10 });
  replicaSets = new Informer(cluster.client, cluster.client.kindInfo(ReplicaSets), { namespace: NS });
  const total = (): number => replicaSets.list(NS).reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
  replicaSets.addEventHandler({
    onAdd: () => (peakTotal = Math.max(peakTotal, total())),
    onUpdate: (old, cur) => {
      peakTotal = Math.max(peakTotal, total());
      const isV1 = cur.spec?.template?.spec?.containers?.[0]?.image === V1;
      if (rolloverStarted && isV1 && (cur.spec?.replicas ?? 0) > (old.spec?.replicas ?? 0)) oldGrew.push(`${old.spec?.replicas} → ${cur.spec?.replicas}`);
    },
  });
  replicaSets.start();
  expect(await replicaSets.waitForCacheSync(30_000)).toBe(true);
}, 120_000);

afterAll(async () => {
  await replicaSets?.stop();
  await cluster?.stop();
});

function deployment(): appsv1.Deployment {
  const labels = { app: 'web' };
  return {
    metadata: { name: 'web' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { type: 1, strVal: '25%' }, maxUnavailable: { type: 1, strVal: '25%' } } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image: V1, resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
      },
    },
  };
}

const deployments = () => cluster.client.resource(Deployments).namespace(NS);
const condition = (d: appsv1.Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);
const rsWithImage = (image: string): appsv1.ReplicaSet | undefined => replicaSets.list(NS).find((rs) => rs.spec?.template?.spec?.containers?.[0]?.image === image);

describe('a 100-replica Deployment on hollow nodes', () => {
  it('becomes Available, its pods spread over the nodes', async () => {
    await deployments().create(deployment());
    const d = await waitFor(
      async () => {
        const current = await deployments().get('web');
        return current.status?.availableReplicas === REPLICAS && condition(current, 'Progressing')?.reason === 'NewReplicaSetAvailable' ? current : undefined;
      },
      { ...WAIT, description: `${REPLICAS} replicas available` },
    );
    expect(d.status).toMatchObject({ replicas: REPLICAS, updatedReplicas: REPLICAS, readyReplicas: REPLICAS, availableReplicas: REPLICAS });
    expect(condition(d, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    const pods = await waitFor(
      async () => {
        const live = (await cluster.client.resource(Pods).namespace(NS).list()).items.filter((p) => !p.metadata?.deletionTimestamp);
        return live.length === REPLICAS && live.every((p) => p.status?.phase === 'Running') ? live : undefined;
      },
      { ...WAIT, description: `${REPLICAS} pods Running` },
    );
    // The scheduler spreads them (least allocated first): all ten nodes, or nearly, get some.
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBeGreaterThanOrEqual(8);
    expect(peakTotal).toBe(REPLICAS);
  }, 180_000);

  it('rolls over within maxSurge, never growing the old ReplicaSet, through restarts of the controller-manager and the apiserver', async () => {
    const current = await deployments().get('web');
    const template = current.spec?.template ?? {};
    // New pods take a while to become ready, so the rollout is surely under way at the restarts.
    template.metadata = { ...template.metadata, annotations: { 'hollow.minik8s.io/ready-after': '5s' } };
    template.spec!.containers![0].image = V2;
    rolloverStarted = true;
    const updated = await deployments().update(current);
    const generation = updated.metadata?.generation ?? 0;

    await waitFor(() => (rsWithImage(V2)?.spec?.replicas ?? 0) > 0 && (rsWithImage(V1)?.spec?.replicas ?? REPLICAS) < REPLICAS, {
      ...WAIT,
      description: 'the rollout under way: the new ReplicaSet up, the old one down',
    });
    // Two waves of new pods, each 5 s from start to ready, are still to come.
    expect(rsWithImage(V1)?.spec?.replicas ?? 0).toBeGreaterThan(0);
    await cluster.restartControllerManager();
    await cluster.restartApiServer();

    const done = await waitFor(
      async () => {
        const d = await deployments().get('web');
        const old = rsWithImage(V1);
        const complete =
          (d.status?.observedGeneration ?? 0) >= generation &&
          d.status?.updatedReplicas === REPLICAS &&
          d.status?.availableReplicas === REPLICAS &&
          d.status?.replicas === REPLICAS &&
          condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
          old?.spec?.replicas === 0 &&
          (old?.status?.replicas ?? 0) === 0;
        return complete ? d : undefined;
      },
      { ...WAIT, description: 'the rollover complete' },
    );
    expect(done.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(rsWithImage(V2)?.spec?.replicas).toBe(REPLICAS);
    expect(peakTotal).toBeLessThanOrEqual(MAX_TOTAL);
    expect(oldGrew).toEqual([]);
  }, 240_000);
});
