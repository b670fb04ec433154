import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, type appsv1, type corev1 } from '@minik8s/api';
import { ControllerRevisions, DaemonSets, Events, MERGE_PATCH, Nodes, Pods, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { getControllerOf } from '../../shared/controller-ref';
import { ControllerHarness } from '../../test-support/controller-harness';
import { targetNodeName } from './daemon-pods';
import { daemonSetControllerFactory } from './daemonset-controller';

// The DaemonSet controller in-process against a real apiserver and etcd. There is no scheduler
// and no kubelet: `kubeletStep` plays both — it binds each pending pod to the node named in its
// node affinity, marks bound pods Running and Ready, and finishes graceful deletions.

let harness: ControllerHarness;
let client: ApiClient;

beforeAll(async () => {
  harness = await ControllerHarness.start({ factories: [daemonSetControllerFactory] });
  client = harness.client;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

const WAIT = { timeoutMs: 20_000, intervalMs: 100 };

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A Node as a kubelet registers it: Ready, with labels and maybe taints. Nodes are cluster-wide, so each test labels its own. */
async function createNode(name: string, labels: Record<string, string>, taints: corev1.Taint[] = []): Promise<void> {
  await client.resource(Nodes).create({
    metadata: { name, labels },
    spec: { taints },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now(), lastTransitionTime: now() }],
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    },
  });
}

function daemonSet(name: string, nodeSelector: Record<string, string>, extra: { strategy?: appsv1.DaemonSetUpdateStrategy; tolerations?: corev1.Toleration[] } = {}): appsv1.DaemonSet {
  const labels = { app: name };
  return {
    metadata: { name },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'agent', image: 'agent:1' }], nodeSelector, tolerations: extra.tolerations },
      },
      updateStrategy: extra.strategy,
    },
  };
}

function isReady(pod: corev1.Pod): boolean {
  return pod.status?.phase === 'Running' && !!pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * One round of what the scheduler and the kubelets would do to the namespace's pods: finish
 * graceful deletions, bind pending pods to the node their affinity names, and start bound pods
 * (Running, Ready; status.qosClass, set by the apiserver, is kept).
 */
async function kubeletStep(ns: string): Promise<void> {
  const pods = client.resource(Pods).namespace(ns);
  for (const pod of (await pods.list()).items) {
    const name = pod.metadata?.name ?? '';
    try {
      if (pod.metadata?.deletionTimestamp) {
        await pods.delete(name, { gracePeriodSeconds: 0 });
        continue;
      }
      if (!pod.spec?.nodeName) {
        const target = targetNodeName(pod);
        if (target) await client.bind(ns, name, target, pod.metadata?.uid);
        continue;
      }
      if (!isReady(pod)) {
        const fresh = await pods.get(name);
        await pods.updateStatus({
          ...fresh,
          status: {
            ...fresh.status,
            phase: 'Running',
            startTime: now(),
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now() }],
          },
        });
      }
    } catch (err) {
      // The controller may have deleted it meanwhile; the next round sees the new state.
      if (!isNotFound(err)) throw err;
    }
  }
}

/** The DaemonSet's pods by the node they are for (terminating ones included). */
async function podsByNode(ns: string, uid: string | undefined): Promise<Map<string, corev1.Pod[]>> {
  const byNode = new Map<string, corev1.Pod[]>();
  for (const pod of (await client.resource(Pods).namespace(ns).list()).items) {
    if (getControllerOf(pod)?.uid !== uid) continue;
    const node = targetNodeName(pod) ?? '';
    byNode.set(node, [...(byNode.get(node) ?? []), pod]);
  }
  return byNode;
}

/** Runs kubelet rounds until `check` holds for the DaemonSet's pods by node. */
async function settle<T>(ns: string, uid: string | undefined, description: string, check: (byNode: Map<string, corev1.Pod[]>) => T | undefined | false): Promise<T> {
  return waitFor(
    async () => {
      await kubeletStep(ns);
      return check(await podsByNode(ns, uid));
    },
    { ...WAIT, description },
  );
}

/** Exactly one running, ready, not terminating pod on each of `nodes`, and none elsewhere. */
function oneReadyPodOn(nodes: string[], image?: string): (byNode: Map<string, corev1.Pod[]>) => Map<string, corev1.Pod> | undefined {
  return (byNode) => {
    if ([...byNode.keys()].sort().join() !== [...nodes].sort().join()) return undefined;
    const result = new Map<string, corev1.Pod>();
    for (const node of nodes) {
      const pods = byNode.get(node) ?? [];
      if (pods.length !== 1) return undefined;
      const [pod] = pods;
      if (pod.metadata?.deletionTimestamp || !isReady(pod) || pod.spec?.nodeName !== node) return undefined;
      if (image && pod.spec.containers?.[0]?.image !== image) return undefined;
      result.set(node, pod);
    }
    return result;
  };
}

async function statusOf(ns: string, name: string): Promise<appsv1.DaemonSet> {
  return client.resource(DaemonSets).namespace(ns).get(name);
}

describe('DaemonSet controller against a real apiserver', () => {
  it('runs one pod on every node, and on a node that joins later', async () => {
    const ns = await harness.createNamespace('ds-basic');
    await createNode('basic-1', { test: 'basic' });
    await createNode('basic-2', { test: 'basic' });
    const ds = await client.resource(DaemonSets).namespace(ns).create(daemonSet('agent', { test: 'basic' }));
    const uid = ds.metadata?.uid;

    const pods = await settle(ns, uid, 'a ready pod on each node', oneReadyPodOn(['basic-1', 'basic-2']));
    const hash = pods.get('basic-1')?.metadata?.labels?.['controller-revision-hash'];
    expect(hash).toBeTruthy();
    for (const pod of pods.values()) {
      expect(pod.metadata?.name).toMatch(/^agent-/);
      expect(pod.metadata?.labels).toEqual({ app: 'agent', 'controller-revision-hash': hash, 'pod-template-generation': '1' });
      expect(getControllerOf(pod)).toMatchObject({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid });
      expect(pod.spec?.tolerations?.map((t) => t.key)).toContain('node.kubernetes.io/not-ready');
    }
    const revisions = (await client.resource(ControllerRevisions).namespace(ns).list()).items;
    expect(revisions.map((r) => [r.metadata?.name, r.revision, r.metadata?.labels?.['controller-revision-hash']])).toEqual([[`agent-${hash}`, 1, hash]]);

    await waitFor(
      async () => {
        const s = (await statusOf(ns, 'agent')).status;
        return s?.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 && s.numberReady === 2 && s.numberAvailable === 2 && s.updatedNumberScheduled === 2 && s.observedGeneration === 1;
      },
      { ...WAIT, description: 'status of 2 ready pods' },
    );

    await createNode('basic-3', { test: 'basic' });
    await settle(ns, uid, 'a pod on the new node too', oneReadyPodOn(['basic-1', 'basic-2', 'basic-3']));
    await waitFor(async () => (await statusOf(ns, 'agent')).status?.numberAvailable === 3, { ...WAIT, description: 'status of 3 pods' });

    const events = (await client.resource(Events).namespace(ns).list()).items;
    expect(events.filter((e) => e.reason === 'SuccessfulCreate' && e.involvedObject?.uid === uid).length).toBeGreaterThanOrEqual(3);
  });

  it('deletes the pod of a node that loses the label its nodeSelector wants', async () => {
    const ns = await harness.createNamespace('ds-relabel');
    await createNode('relabel-1', { test: 'relabel' });
    await createNode('relabel-2', { test: 'relabel' });
    const ds = await client.resource(DaemonSets).namespace(ns).create(daemonSet('agent', { test: 'relabel' }));
    const uid = ds.metadata?.uid;
    const before = await settle(ns, uid, 'a pod on each node', oneReadyPodOn(['relabel-1', 'relabel-2']));

    await client.resource(Nodes).patch('relabel-2', MERGE_PATCH, { metadata: { labels: { test: null } } });
    const after = await settle(ns, uid, 'only the labelled node keeps its pod', oneReadyPodOn(['relabel-1']));
    expect(after.get('relabel-1')?.metadata?.name).toBe(before.get('relabel-1')?.metadata?.name);
    await waitFor(
      async () => {
        const s = (await statusOf(ns, 'agent')).status;
        return s?.desiredNumberScheduled === 1 && s.currentNumberScheduled === 1 && (s.numberMisscheduled ?? 0) === 0;
      },
      { ...WAIT, description: 'status of 1 desired pod' },
    );
  });

  it('leaves out a tainted node unless the template tolerates the taint', async () => {
    const ns = await harness.createNamespace('ds-taint');
    await createNode('taint-1', { test: 'taint' });
    await createNode('taint-2', { test: 'taint' }, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    const plain = await client.resource(DaemonSets).namespace(ns).create(daemonSet('plain', { test: 'taint' }));
    const tolerant = await client.resource(DaemonSets).namespace(ns).create(daemonSet('tolerant', { test: 'taint' }, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));

    await settle(ns, tolerant.metadata?.uid, 'the tolerant DaemonSet on both nodes', oneReadyPodOn(['taint-1', 'taint-2']));
    await waitFor(
      async () => {
        const s = (await statusOf(ns, 'plain')).status;
        return s?.desiredNumberScheduled === 1 && s.currentNumberScheduled === 1 && s.numberReady === 1 && s.observedGeneration === 1;
      },
      { ...WAIT, description: 'the plain DaemonSet wanting one node' },
    );
    const plainPods = await podsByNode(ns, plain.metadata?.uid);
    expect([...plainPods.keys()]).toEqual(['taint-1']);
  });

  it('rolls a new image out node by node with maxUnavailable 1', async () => {
    const ns = await harness.createNamespace('ds-rolling');
    const nodes = ['rolling-1', 'rolling-2', 'rolling-3'];
    for (const n of nodes) await createNode(n, { test: 'rolling' });
    const strategy: appsv1.DaemonSetUpdateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 0, intVal: 1 } } };
    const ds = await client.resource(DaemonSets).namespace(ns).create(daemonSet('agent', { test: 'rolling' }, { strategy }));
    const uid = ds.metadata?.uid;
    await settle(ns, uid, 'version 1 on every node', oneReadyPodOn(nodes, 'agent:1'));

    await client.resource(DaemonSets).namespace(ns).patch('agent', MERGE_PATCH, { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });

    // Watch every round: never more than one node without a ready pod, and nodes replaced one at a time.
    let worstUnavailable = 0;
    const replacedOrder: string[] = [];
    await settle(ns, uid, 'version 2 on every node', (byNode) => {
      let unavailable = 0;
      for (const n of nodes) {
        const live = (byNode.get(n) ?? []).filter((p) => !p.metadata?.deletionTimestamp && isReady(p));
        if (live.length === 0) unavailable++;
        if (live.some((p) => p.spec?.containers?.[0]?.image === 'agent:2') && !replacedOrder.includes(n)) replacedOrder.push(n);
      }
      worstUnavailable = Math.max(worstUnavailable, unavailable);
      return oneReadyPodOn(nodes, 'agent:2')(byNode);
    });
    expect(worstUnavailable).toBeLessThanOrEqual(1);
    expect(replacedOrder).toEqual(nodes);

    await waitFor(
      async () => {
        const cur = await statusOf(ns, 'agent');
        const s = cur.status;
        return s?.observedGeneration === cur.metadata?.generation && s?.updatedNumberScheduled === 3 && s.numberAvailable === 3 && s.numberUnavailable === 0;
      },
      { ...WAIT, description: 'status after the rollout' },
    );
    const revisions = (await client.resource(ControllerRevisions).namespace(ns).list()).items.map((r) => r.revision).sort();
    expect(revisions).toEqual([1, 2]);
  });

  it('with OnDelete, replaces only the pods the user deletes', async () => {
    const ns = await harness.createNamespace('ds-ondelete');
    const nodes = ['ondelete-1', 'ondelete-2'];
    for (const n of nodes) await createNode(n, { test: 'ondelete' });
    const ds = await client.resource(DaemonSets).namespace(ns).create(daemonSet('agent', { test: 'ondelete' }, { strategy: { type: 'OnDelete' } }));
    const uid = ds.metadata?.uid;
    const v1 = await settle(ns, uid, 'version 1 on every node', oneReadyPodOn(nodes, 'agent:1'));

    const updated = await client.resource(DaemonSets).namespace(ns).patch('agent', MERGE_PATCH, { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
    // Once the controller has acted on the new generation, nothing was deleted.
    await waitFor(
      async () => {
        const s = (await statusOf(ns, 'agent')).status;
        return s?.observedGeneration === updated.metadata?.generation && s?.updatedNumberScheduled === 0 && s.currentNumberScheduled === 2;
      },
      { ...WAIT, description: 'the new generation observed' },
    );
    const untouched = oneReadyPodOn(nodes, 'agent:1')(await podsByNode(ns, uid));
    expect(untouched && [...untouched.values()].map((p) => p.metadata?.name).sort()).toEqual([...v1.values()].map((p) => p.metadata?.name).sort());

    const victim = v1.get('ondelete-1')?.metadata?.name ?? '';
    await client.resource(Pods).namespace(ns).delete(victim);
    const after = await settle(ns, uid, 'a version 2 pod replacing the deleted one', (byNode) => {
      const first = byNode.get('ondelete-1') ?? [];
      const second = byNode.get('ondelete-2') ?? [];
      const ok =
        first.length === 1 &&
        isReady(first[0]) &&
        first[0].spec?.containers?.[0]?.image === 'agent:2' &&
        second.length === 1 &&
        second[0].metadata?.name === v1.get('ondelete-2')?.metadata?.name &&
        second[0].spec?.containers?.[0]?.image === 'agent:1';
      return ok ? byNode : undefined;
    });
    expect(after.get('ondelete-1')?.[0].metadata?.name).not.toBe(victim);
    await waitFor(async () => (await statusOf(ns, 'agent')).status?.updatedNumberScheduled === 1, { ...WAIT, description: 'one updated pod in status' });
  });
});
