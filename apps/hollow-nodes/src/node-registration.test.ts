import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config';
import { buildLease, buildNode, buildNodeStatus, hollowNodeAt, hollowNodes, mapLimit } from './node-registration';

const T0 = Date.parse('2026-01-02T03:04:05.678Z');
const config = resolveConfig({
  count: 3,
  firstIndex: 5,
  namePrefix: 'hn-',
  nodeLabels: { 'example.com/pool': 'a' },
  taints: [{ key: 'dedicated', value: 'hollow', effect: 'NoSchedule' }],
});

describe('hollow nodes', () => {
  it('names and addresses nodes by index', () => {
    expect(hollowNodes(config).map((n) => [n.name, n.internalIP])).toEqual([
      ['hn-5', '10.200.0.6'],
      ['hn-6', '10.200.0.7'],
      ['hn-7', '10.200.0.8'],
    ]);
  });

  it('builds the Node a kubelet registers', () => {
    const node = buildNode(config, hollowNodeAt(config, 5), T0);
    expect(node.metadata).toEqual({
      name: 'hn-5',
      labels: {
        'kubernetes.io/hostname': 'hn-5',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'hollow',
        'example.com/pool': 'a',
      },
    });
    expect(node.spec).toEqual({ taints: [{ key: 'dedicated', value: 'hollow', effect: 'NoSchedule' }] });
    const status = node.status ?? {};
    expect(status.capacity).toEqual({ cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' });
    expect(status.allocatable).toEqual(status.capacity);
    expect(status.addresses).toEqual([
      { type: 'InternalIP', address: '10.200.0.6' },
      { type: 'Hostname', address: 'hn-5' },
    ]);
    expect(status.nodeInfo).toMatchObject({
      kubeletVersion: 'v1.31.0-minik8s-hollow',
      containerRuntimeVersion: 'hollow://0.1.0',
      operatingSystem: 'linux',
      architecture: 'amd64',
    });
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
    for (const c of status.conditions ?? []) {
      expect(c.lastHeartbeatTime).toBe('2026-01-02T03:04:05Z');
      expect(c.lastTransitionTime).toBe('2026-01-02T03:04:05Z');
    }
  });

  it('refreshes heartbeats, keeps unchanged transitions, and flips a Ready that was lost', () => {
    const node = hollowNodeAt(config, 5);
    const first = buildNodeStatus(config, node, T0);
    const later = buildNodeStatus(config, node, T0 + 60_000, first);
    const ready = later.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ lastHeartbeatTime: '2026-01-02T03:05:05Z', lastTransitionTime: '2026-01-02T03:04:05Z' });

    const lost = {
      ...first,
      conditions: [
        ...(first.conditions ?? []).filter((c) => c.type !== 'Ready'),
        { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' },
        { type: 'NetworkUnavailable', status: 'False' },
      ],
    };
    const back = buildNodeStatus(config, node, T0 + 120_000, lost);
    expect(back.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: '2026-01-02T03:06:05Z' });
    expect(back.conditions?.find((c) => c.type === 'NetworkUnavailable')).toEqual({ type: 'NetworkUnavailable', status: 'False' });
  });

  it('builds the Lease owned by its Node', () => {
    const lease = buildLease(config, { metadata: { name: 'hn-5', uid: 'u-5' } }, T0);
    expect(lease.metadata).toEqual({
      name: 'hn-5',
      namespace: 'kube-node-lease',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'hn-5', uid: 'u-5' }],
    });
    expect(lease.spec).toEqual({ holderIdentity: 'hn-5', leaseDurationSeconds: 40, renewTime: '2026-01-02T03:04:05.678000Z' });
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setImmediate(r));
      active--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
  });
});
