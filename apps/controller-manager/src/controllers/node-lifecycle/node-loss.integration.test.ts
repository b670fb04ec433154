import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, type appsv1, type corev1 } from '@minik8s/api';
import { DaemonSets, Leases, Namespaces, Nodes, Pods, ReplicaSets } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerTestCluster } from '../../test-support/controller-cluster';
import type { ComponentProcess } from '../../test-support/component-process';
import { podGcControllerFactoryWith } from '../pod-gc';
import { NODE_LEASE_NAMESPACE } from './node-health';

// Node loss on hollow nodes: real hollow-nodes processes register, heartbeat and run the pods the
// real scheduler binds to them; the controller-manager runs in-process. Stopping a hollow-nodes
// process leaves its Nodes in place, silent, as a lost machine's are.

const NS = 'node-loss';
const GRACE_MS = 6_000;
const TOLERATION_SECONDS = 3;
const UNREACHABLE = 'node.kubernetes.io/unreachable';
const WAIT = { timeoutMs: 60_000, intervalMs: 250 };

let cluster: ControllerTestCluster;
let doomed: ComponentProcess;

beforeAll(async () => {
  cluster = await ControllerTestCluster.start({
    controllers: ['replicaset', 'daemonset', 'node-lifecycle', 'pod-gc'],
    options: { nodeMonitorGracePeriodMs: GRACE_MS },
    // The pods of a deleted Node go after a short quarantine instead of 40 s.
    factories: { 'pod-gc': podGcControllerFactoryWith({ gcPeriodMs: 1_000, quarantineMs: 1_000 }) },
  });
  await cluster.client.resource(Namespaces).create({ metadata: { name: NS } });
  await cluster.startScheduler();
  doomed = await cluster.startHollowNodes({ prefix: 'doomed-', count: 2 });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

const pods = () => cluster.client.resource(Pods).namespace(NS);
const nodeNames = (list: readonly corev1.Pod[]): string[] => [...new Set(list.map((p) => p.spec?.nodeName ?? ''))].sort();
const isReady = (pod: corev1.Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function podsOf(app: string): Promise<corev1.Pod[]> {
  return (await pods().list({ labelSelector: `app=${app}` })).items;
}

function replicaSet(name: string, replicas: number): appsv1.ReplicaSet {
  const labels = { app: name };
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'app', image: 'registry.example.com/web:1.0' }],
          // Short, so that the eviction of a lost node's pods is seen within the test.
          tolerations: [
            { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_SECONDS },
            { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_SECONDS },
          ],
        },
      },
    },
  };
}

function daemonSet(name: string): appsv1.DaemonSet {
  const labels = { app: name };
  return {
    metadata: { name },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'agent', image: 'registry.example.com/agent:1.0' }] } },
    },
  };
}

/** The DaemonSet's status once it has settled on `count` nodes, all scheduled and ready. */
async function daemonSetOn(count: number): Promise<appsv1.DaemonSetStatus> {
  return waitFor(
    async () => {
      const s = (await cluster.client.resource(DaemonSets).namespace(NS).get('agent')).status;
      const settled = s?.desiredNumberScheduled === count && s.currentNumberScheduled === count && s.numberReady === count && s.numberMisscheduled === 0;
      return settled ? s : undefined;
    },
    { ...WAIT, description: `the DaemonSet on ${count} nodes, all ready` },
  );
}

describe('hollow nodes come, go silent, come back and go', () => {
  it('a ReplicaSet and a DaemonSet run on the first hollow nodes', async () => {
    await cluster.client.resource(ReplicaSets).namespace(NS).create(replicaSet('web', 4));
    await cluster.client.resource(DaemonSets).namespace(NS).create(daemonSet('agent'));
    const web = await waitFor(
      async () => {
        const list = await podsOf('web');
        return list.length === 4 && list.every(isReady) ? list : undefined;
      },
      { ...WAIT, description: '4 web pods ready' },
    );
    expect(nodeNames(web).every((n) => n.startsWith('doomed-'))).toBe(true);
    await daemonSetOn(2);
    expect(nodeNames(await podsOf('agent'))).toEqual(['doomed-0', 'doomed-1']);
  }, 120_000);

  it('the DaemonSet follows a second hollow-nodes process onto its nodes', async () => {
    await cluster.startHollowNodes({ prefix: 'survivor-', count: 3 });
    await daemonSetOn(5);
    expect(nodeNames(await podsOf('agent'))).toEqual(['doomed-0', 'doomed-1', 'survivor-0', 'survivor-1', 'survivor-2']);
  }, 120_000);

  it('a stopped hollow-nodes process: Unknown, unreachable taints, eviction after tolerationSeconds, replacements on the survivors', async () => {
    const lost = (await podsOf('web')).map((p) => p.metadata?.name ?? '');
    await doomed.stop();
    // The silent nodes' last heartbeats.
    const leases = cluster.client.resource(Leases).namespace(NODE_LEASE_NAMESPACE);
    const lastRenew = new Map<string, number>();
    for (const name of ['doomed-0', 'doomed-1']) lastRenew.set(name, Date.parse((await leases.get(name)).spec?.renewTime ?? ''));

    const tainted = await waitFor(
      async () => {
        const nodes = (await cluster.client.resource(Nodes).list()).items.filter((n) => n.metadata?.name?.startsWith('doomed-'));
        const done = nodes.length === 2 && nodes.every((n) => n.spec?.taints?.some((t) => t.key === UNREACHABLE && t.effect === 'NoExecute'));
        return done ? nodes : undefined;
      },
      { ...WAIT, description: 'the silent nodes tainted unreachable:NoExecute' },
    );
    for (const node of tainted) {
      // Not before the grace period had passed since the last renewal (timeAdded is in whole seconds).
      const taintedAt = Date.parse(node.spec?.taints?.find((t) => t.effect === 'NoExecute')?.timeAdded ?? '');
      expect(taintedAt - (lastRenew.get(node.metadata?.name ?? '') ?? NaN)).toBeGreaterThanOrEqual(GRACE_MS - 1_000);
      expect(node.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
      expect((node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort()).toEqual([`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
    }

    // Nobody finishes a lost node's deletions: the evicted pods stay Terminating, and the
    // ReplicaSet replaces them on the nodes that still answer.
    const replaced = await waitFor(
      async () => {
        const list = await podsOf('web');
        const evicted = list.filter((p) => lost.includes(p.metadata?.name ?? '') && p.metadata?.deletionTimestamp);
        const fresh = list.filter((p) => !lost.includes(p.metadata?.name ?? '') && !p.metadata?.deletionTimestamp && isReady(p));
        return evicted.length === lost.length && fresh.length === 4 ? { evicted, fresh } : undefined;
      },
      { ...WAIT, description: 'the lost pods evicted and 4 replacements ready' },
    );
    const taintTime = new Map(tainted.map((n) => [n.metadata?.name, Date.parse(n.spec?.taints?.find((t) => t.effect === 'NoExecute')?.timeAdded ?? '')]));
    for (const pod of replaced.evicted) {
      const disruption = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
      expect(disruption).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager' });
      // Evicted once its tolerationSeconds ran out, not before (both times are whole seconds).
      const waited = Date.parse(disruption?.lastTransitionTime ?? '') - (taintTime.get(pod.spec?.nodeName) ?? NaN);
      expect(waited).toBeGreaterThanOrEqual((TOLERATION_SECONDS - 1) * 1000);
    }
    expect(nodeNames(replaced.fresh).every((n) => n.startsWith('survivor-'))).toBe(true);
    // The status follows the pods; terminating ones are not counted.
    await waitFor(
      async () => {
        const s = (await cluster.client.resource(ReplicaSets).namespace(NS).get('web')).status;
        return s?.replicas === 4 && s.readyReplicas === 4;
      },
      { ...WAIT, description: 'the ReplicaSet status at 4 ready replicas' },
    );

    // DaemonSet pods tolerate unreachable nodes: they stay bound to the silent nodes.
    const agents = await podsOf('agent');
    expect(agents.filter((p) => p.spec?.nodeName?.startsWith('doomed-') && !p.metadata?.deletionTimestamp)).toHaveLength(2);
  }, 180_000);

  it('the hollow nodes come back: Ready, untainted, and the evicted pods finally go', async () => {
    doomed = await cluster.startHollowNodes({ prefix: 'doomed-', count: 2 });
    await waitFor(
      async () => {
        const nodes = (await cluster.client.resource(Nodes).list()).items.filter((n) => n.metadata?.name?.startsWith('doomed-'));
        return nodes.length === 2 && nodes.every((n) => (n.spec?.taints ?? []).length === 0);
      },
      { ...WAIT, description: 'the returned nodes untainted' },
    );
    // The returned kubelets finish the graceful deletions nobody could finish while they were away.
    await waitFor(async () => (await podsOf('web')).every((p) => !p.spec?.nodeName?.startsWith('doomed-')), {
      ...WAIT,
      description: 'the evicted pods gone',
    });
    const web = await podsOf('web');
    expect(web.filter(isReady)).toHaveLength(4);
    expect(nodeNames(web).every((n) => n.startsWith('survivor-'))).toBe(true);
    await daemonSetOn(5);
  }, 120_000);

  it('deleting the lost Nodes takes their pods away and shrinks the DaemonSet', async () => {
    await doomed.stop();
    for (const name of ['doomed-0', 'doomed-1']) await cluster.client.resource(Nodes).delete(name);
    // The pod GC deletes pods bound to Nodes that no longer exist, Terminating ones included.
    await waitFor(async () => (await pods().list()).items.every((p) => !p.spec?.nodeName?.startsWith('doomed-')), {
      ...WAIT,
      description: "the lost nodes' pods deleted",
    });
    await daemonSetOn(3);
    expect(nodeNames(await podsOf('agent'))).toEqual(['survivor-0', 'survivor-1', 'survivor-2']);
    const web = await podsOf('web');
    expect(web).toHaveLength(4);
    await expect(cluster.client.resource(Nodes).get('doomed-0')).rejects.toSatisfy(isNotFound);
  }, 120_000);
});
