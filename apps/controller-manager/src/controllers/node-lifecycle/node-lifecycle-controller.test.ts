import { describe, expect, it } from 'vitest';
import { StatusError, type corev1 } from '@minik8s/api';
import { WorkQueue } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { formatTime } from './node-health';
import { monitorPeriodFor, NodeLifecycleController, startupGracePeriodFor } from './node-lifecycle-controller';
import { FakeClock, FakeCluster, FakeEvents, readyPod, T0 } from './test-support';

const GRACE = 40_000;
const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';
const HEALTHY = { Ready: 'True', MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False' };

function world() {
  const clock = new FakeClock(T0);
  const cluster = new FakeCluster(clock);
  const events = new FakeEvents();
  const queue = new WorkQueue<string>();
  const controller = new NodeLifecycleController({
    nodes: cluster.nodes,
    leases: cluster.leases,
    pods: cluster.pods,
    nodeClient: cluster.nodeClient,
    podClient: cluster.podClient,
    recorder: events,
    logger: silentLogger(),
    clock,
    gracePeriodMs: GRACE,
    queue,
  });
  /** A registered node that has posted a healthy status and renewed its lease at the current time. */
  const healthyNode = (name: string): void => {
    cluster.putNode({ metadata: { name }, spec: {} });
    cluster.postStatus(name, HEALTHY);
    cluster.renewLease(name);
  };
  const taints = (name: string): string[] => (cluster.node(name).spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
  const condition = (name: string, type: string): corev1.NodeCondition | undefined => cluster.node(name).status?.conditions?.find((c) => c.type === type);
  const podReady = (name: string): string | undefined => cluster.pod(name)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return { clock, cluster, events, queue, controller, healthyNode, taints, condition, podReady };
}

describe('NodeLifecycleController', () => {
  it('leaves a node alone while its lease keeps being renewed, without status heartbeats', async () => {
    const w = world();
    w.healthyNode('n1');
    await w.controller.sync('n1');
    for (let i = 0; i < 12; i++) {
      w.clock.advance(10_000);
      w.cluster.renewLease('n1');
      await w.controller.sync('n1');
    }
    expect(w.cluster.nodeStatusWrites).toHaveLength(0);
    expect(w.cluster.nodePatches).toHaveLength(0);
    expect(w.condition('n1', 'Ready')?.status).toBe('True');
    expect(w.events.reasons()).toEqual(['RegisteredNode']);
  });

  it('stays quiet for the grace period, then marks a silent node Unknown, taints it unreachable and its pods not ready', async () => {
    const w = world();
    w.healthyNode('n1');
    w.cluster.putPod(readyPod('web', 'n1'));
    w.cluster.putPod(readyPod('elsewhere', 'n2'));
    await w.controller.sync('n1');

    w.clock.advance(GRACE);
    await w.controller.sync('n1');
    expect(w.cluster.nodeStatusWrites).toHaveLength(0);
    expect(w.taints('n1')).toEqual([]);

    w.clock.advance(1);
    await w.controller.sync('n1');
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(w.condition('n1', type)).toMatchObject({
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastHeartbeatTime: formatTime(T0),
        lastTransitionTime: formatTime(w.clock.now()),
      });
    }
    expect(w.taints('n1')).toEqual([`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
    expect(w.cluster.node('n1').spec?.taints?.every((t) => t.timeAdded === formatTime(w.clock.now()))).toBe(true);
    expect(w.podReady('web')).toBe('False');
    expect(w.podReady('elsewhere')).toBe('True');
    expect(w.events.events).toContainEqual({ kind: 'Node', name: 'n1', type: 'Normal', reason: 'NodeNotReady', message: 'Node n1 status is now: NodeNotReady' });
    expect(w.events.events).toContainEqual({ kind: 'Pod', name: 'web', type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready' });

    // Level-triggered: another pass changes nothing and says nothing.
    const writes = [w.cluster.nodeStatusWrites.length, w.cluster.nodePatches.length, w.cluster.podStatusWrites.length, w.events.events.length];
    w.clock.advance(5_000);
    await w.controller.sync('n1');
    expect([w.cluster.nodeStatusWrites.length, w.cluster.nodePatches.length, w.cluster.podStatusWrites.length, w.events.events.length]).toEqual(writes);
  });

  it('adds the monitored conditions a kubelet never posted, as never updated', async () => {
    const w = world();
    w.cluster.putNode({ metadata: { name: 'n1' } });
    w.cluster.postStatus('n1', { Ready: 'True' });
    await w.controller.sync('n1');
    w.clock.advance(GRACE + 1);
    await w.controller.sync('n1');
    expect(w.condition('n1', 'Ready')?.reason).toBe('NodeStatusUnknown');
    expect(w.condition('n1', 'DiskPressure')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
  });

  it('removes the taints once the kubelet posts Ready again; a renewed lease alone does not', async () => {
    const w = world();
    w.healthyNode('n1');
    await w.controller.sync('n1');
    w.clock.advance(GRACE + 1);
    await w.controller.sync('n1');
    expect(w.taints('n1')).toEqual([`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);

    // The lease is back, but the node still says Unknown: as in Kubernetes, the taint stays
    // until the kubelet reports Ready (which it does on its next status sync).
    w.clock.advance(1_000);
    w.cluster.renewLease('n1');
    await w.controller.sync('n1');
    expect(w.taints('n1')).toEqual([`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);

    w.cluster.postStatus('n1', HEALTHY);
    await w.controller.sync('n1');
    expect(w.taints('n1')).toEqual([]);
    expect(w.condition('n1', 'Ready')?.status).toBe('True');
    // And it is healthy for a full grace period from here.
    w.clock.advance(GRACE);
    await w.controller.sync('n1');
    expect(w.condition('n1', 'Ready')?.status).toBe('True');
  });

  it('taints a node reporting Ready=False not-ready, and swaps that for unreachable when it goes silent', async () => {
    const w = world();
    w.healthyNode('n1');
    w.cluster.putPod(readyPod('web', 'n1'));
    await w.controller.sync('n1');

    w.clock.advance(1_000);
    w.cluster.postStatus('n1', { ...HEALTHY, Ready: 'False' });
    await w.controller.sync('n1');
    expect(w.taints('n1')).toEqual([`${NOT_READY}:NoExecute`, `${NOT_READY}:NoSchedule`]);
    expect(w.cluster.nodeStatusWrites).toHaveLength(0);
    expect(w.podReady('web')).toBe('False');

    w.clock.advance(GRACE + 1);
    await w.controller.sync('n1');
    expect(w.condition('n1', 'Ready')?.status).toBe('Unknown');
    expect(w.taints('n1')).toEqual([`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
  });

  it('keeps other taints, and sets the pressure and unschedulable NoSchedule taints', async () => {
    const w = world();
    w.cluster.putNode({ metadata: { name: 'n1' }, spec: { unschedulable: true, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } });
    w.cluster.postStatus('n1', { ...HEALTHY, MemoryPressure: 'True' });
    w.cluster.renewLease('n1');
    await w.controller.sync('n1');
    expect(w.taints('n1')).toEqual(['dedicated:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']);

    w.cluster.postStatus('n1', HEALTHY);
    const node = w.cluster.node('n1');
    w.cluster.putNode({ ...node, spec: { ...node.spec, unschedulable: false } });
    await w.controller.sync('n1');
    expect(w.taints('n1')).toEqual(['dedicated:NoSchedule']);
  });

  it('gives a node that never posted status the startup grace period from its creation', async () => {
    const w = world();
    w.cluster.putNode({ metadata: { name: 'n1', creationTimestamp: formatTime(T0) } });
    w.clock.advance(startupGracePeriodFor(GRACE));
    await w.controller.sync('n1');
    expect(w.cluster.nodeStatusWrites).toHaveLength(0);
    expect(w.taints('n1')).toEqual([]);

    w.clock.advance(1_000);
    await w.controller.sync('n1');
    expect(w.condition('n1', 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated', lastHeartbeatTime: formatTime(T0) });
    expect(w.taints('n1')).toEqual([`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
  });

  it("measures silence in its own clock, from when it first saw the node, not from the node's timestamps", async () => {
    const w = world();
    w.healthyNode('n1');
    // The controller starts ten minutes after the last heartbeat.
    w.clock.advance(600_000);
    await w.controller.sync('n1');
    expect(w.condition('n1', 'Ready')?.status).toBe('True');
    w.clock.advance(GRACE + 1);
    await w.controller.sync('n1');
    expect(w.condition('n1', 'Ready')?.status).toBe('Unknown');
  });

  it('retries the status write on a fresh read after a Conflict', async () => {
    const w = world();
    w.healthyNode('n1');
    await w.controller.sync('n1');
    w.clock.advance(GRACE + 1);
    const update = w.cluster.nodeClient.updateStatus;
    let conflicts = 1;
    w.cluster.nodeClient.updateStatus = async (node) => {
      if (conflicts-- > 0) throw new StatusError('Conflict', 'the object has been modified');
      return update(node);
    };
    await w.controller.sync('n1');
    expect(w.condition('n1', 'Ready')?.status).toBe('Unknown');
  });

  it('records RegisteredNode and RemovingNode, and its monitor pass queues known and cached nodes', async () => {
    const w = world();
    w.healthyNode('a');
    w.healthyNode('b');
    await w.controller.sync('a');
    w.cluster.nodes.indexer.delete('a');
    w.controller.monitorPass();
    expect(w.queue.length).toBe(2);
    await w.controller.sync('a');
    expect(w.events.events.filter((e) => e.name === 'a').map((e) => [e.reason, e.message])).toEqual([
      ['RegisteredNode', 'Registered Node a in Controller'],
      ['RemovingNode', 'Removing Node a from Controller'],
    ]);
    expect(w.controller.healthOf('a')).toBeUndefined();
  });

  it('queues the node for lease and pod events', () => {
    const w = world();
    w.controller.leaseHandlers().onUpdate?.({}, { metadata: { name: 'n1', namespace: 'kube-node-lease' } });
    w.controller.leaseHandlers().onUpdate?.({}, { metadata: { name: 'leader', namespace: 'kube-system' } });
    w.controller.podHandlers().onUpdate?.(readyPod('p', ''), readyPod('p', 'n2'));
    expect(w.queue.length).toBe(2);
  });

  it('derives its periods from the grace period as Kubernetes does by default', () => {
    expect(monitorPeriodFor(40_000)).toBe(5_000);
    expect(monitorPeriodFor(2_000)).toBe(250);
    expect(startupGracePeriodFor(40_000)).toBe(60_000);
  });
});
