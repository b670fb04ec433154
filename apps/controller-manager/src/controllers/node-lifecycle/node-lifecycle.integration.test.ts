import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlreadyExists, type corev1 } from '@minik8s/api';
import { Events, Leases, Namespaces, Nodes, Pods, realClock, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { getOrUndefined } from '../../test-support/get-or-undefined';
import { formatTime, NODE_LEASE_NAMESPACE } from './node-health';
import { newNodeLifecycleControllers } from './node-lifecycle';

const GRACE_MS = 2_000;
const EVICTION_MS = 2_000;
const NS = 'lifecycle';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

let harness: ControllerHarness;
let client: ApiClient;

// ---- a stand-in kubelet per node: renews the Lease, and posts Ready when the node says otherwise ----

const beating = new Set<string>();
let kubelets: Promise<void> | undefined;
const stopKubelets = new AbortController();

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function readyConditions(): corev1.NodeCondition[] {
  const now = formatTime(Date.now());
  return [
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: now, lastTransitionTime: now },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', lastHeartbeatTime: now, lastTransitionTime: now },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', lastHeartbeatTime: now, lastTransitionTime: now },
  ];
}

async function beat(name: string): Promise<void> {
  const leases = client.resource(Leases).namespace(NODE_LEASE_NAMESPACE);
  const lease = await leases.get(name);
  await leases.update({ ...lease, spec: { ...lease.spec, renewTime: microTime(Date.now()) } });
  // As a kubelet that is back: its status sync finds the node not Ready and posts Ready.
  const node = await client.resource(Nodes).get(name);
  if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') {
    await client.resource(Nodes).updateStatus({ ...node, status: { ...node.status, conditions: readyConditions() } });
  }
}

async function runKubelets(signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    // A failed beat (a Conflict with the controller's own write, say) is just a missed one.
    await Promise.all([...beating].map((name) => beat(name).catch(() => undefined)));
    await realClock.sleep(300, signal);
  }
}

async function registerNode(name: string): Promise<void> {
  const node = await client.resource(Nodes).create({ metadata: { name }, spec: {} });
  await client.resource(Nodes).updateStatus({ ...node, status: { conditions: readyConditions() } });
  await client.resource(Leases).create({
    metadata: { name, namespace: NODE_LEASE_NAMESPACE },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(Date.now()) },
  });
  beating.add(name);
}

/** A running pod bound to `nodeName` (as the scheduler binds), with its Ready condition True. */
async function runningPod(name: string, nodeName: string, tolerations?: corev1.Toleration[]): Promise<void> {
  const pods = client.resource(Pods).namespace(NS);
  await pods.create({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], tolerations } });
  await client.bind(NS, name, nodeName);
  const bound = await pods.get(name);
  const now = formatTime(Date.now());
  await pods.updateStatus({ ...bound, status: { ...bound.status, phase: 'Running', conditions: [...(bound.status?.conditions ?? []), { type: 'Ready', status: 'True', lastTransitionTime: now }] } });
}

async function getPod(name: string): Promise<corev1.Pod | undefined> {
  return getOrUndefined(() => client.resource(Pods).namespace(NS).get(name));
}

const podReady = (pod: corev1.Pod | undefined): string | undefined => pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
const isEvicted = (pod: corev1.Pod | undefined): boolean => !pod || !!pod.metadata?.deletionTimestamp;
const taintKeys = (node: corev1.Node): string[] => (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

beforeAll(async () => {
  harness = await ControllerHarness.start({
    factories: [newNodeLifecycleControllers],
    options: { nodeMonitorGracePeriodMs: GRACE_MS, podEvictionTimeoutMs: EVICTION_MS },
    startControllers: false,
  });
  client = harness.client;
  for (const name of [NS, NODE_LEASE_NAMESPACE]) {
    await client
      .resource(Namespaces)
      .create({ metadata: { name } })
      .catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
  }
  await registerNode('steady');
  await registerNode('flaky');
  kubelets = runKubelets(stopKubelets.signal);
  await harness.startControllers();
}, 60_000);

afterAll(async () => {
  stopKubelets.abort();
  await kubelets;
  await harness?.stop();
});

describe('node lifecycle controller against a real apiserver', () => {
  it('marks a node whose lease stops Unknown, taints it, evicts its pods after the timeout, and untaints it when it is back', async () => {
    // The apiserver's DefaultTolerationSeconds gives a pod 300 s; this one says how long itself.
    await runningPod('evicted', 'flaky', [
      { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: EVICTION_MS / 1000 },
    ]);
    await runningPod('tolerant', 'flaky', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 }]);
    await runningPod('bystander', 'steady');

    // flaky's kubelet goes silent.
    beating.delete('flaky');
    const unknown = await waitFor(
      async () => {
        const node = await client.resource(Nodes).get('flaky');
        return taintKeys(node).includes(`${UNREACHABLE}:NoExecute`) ? node : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, description: 'flaky tainted unreachable' },
    );
    const taintedAt = Date.now();
    expect(taintKeys(unknown)).toEqual([`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(unknown.status?.conditions?.find((c) => c.type === type)).toMatchObject({
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
      });
    }

    // Its pods are marked not ready at once, so endpoints drop them.
    await waitFor(async () => podReady(await getPod('tolerant')) === 'False', { timeoutMs: 5_000, description: 'pods on flaky not ready' });

    // The pod whose toleration runs out goes after its tolerationSeconds; the tolerant one stays.
    const evicted = await waitFor(
      async () => {
        const pod = await getPod('evicted');
        return isEvicted(pod) ? { pod, at: Date.now() } : undefined;
      },
      { timeoutMs: EVICTION_MS + 8_000, intervalMs: 50, description: 'the untolerating pod deleted' },
    );
    expect(evicted.at - taintedAt).toBeGreaterThanOrEqual(EVICTION_MS - 1_000);
    expect(evicted.pod?.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager' });
    expect(isEvicted(await getPod('tolerant'))).toBe(false);
    const bystander = await getPod('bystander');
    expect(isEvicted(bystander)).toBe(false);
    expect(podReady(bystander)).toBe('True');
    // The node whose lease kept being renewed was left alone, though its status heartbeat (posted
    // once, at registration) is older than the grace period: the lease alone keeps a node healthy.
    const steady = await client.resource(Nodes).get('steady');
    const steadyReady = steady.status?.conditions?.find((c) => c.type === 'Ready');
    expect(steadyReady).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(Date.now() - Date.parse(steadyReady?.lastHeartbeatTime ?? '')).toBeGreaterThan(GRACE_MS);
    expect(taintKeys(steady)).toEqual([]);

    const events = (await client.resource(Events).namespace('default').list()).items;
    expect(events.some((e) => e.reason === 'NodeNotReady' && e.involvedObject?.name === 'flaky')).toBe(true);

    // The kubelet is back: the lease renews, the node reports Ready, the taints go.
    beating.add('flaky');
    await waitFor(
      async () => {
        const node = await client.resource(Nodes).get('flaky');
        return taintKeys(node).length === 0 && node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      },
      { timeoutMs: 10_000, intervalMs: 50, description: 'flaky untainted and Ready' },
    );
    // The tolerant pod's pending eviction is cancelled, and it is still there.
    await waitFor(
      async () => {
        const podEvents = (await client.resource(Events).namespace(NS).list()).items;
        return podEvents.some((e) => e.reason === 'TaintManagerEviction' && e.message === `Cancelling deletion of Pod ${NS}/tolerant`);
      },
      { timeoutMs: 5_000, description: "the tolerant pod's eviction cancelled" },
    );
    expect(isEvicted(await getPod('tolerant'))).toBe(false);
  });
});
