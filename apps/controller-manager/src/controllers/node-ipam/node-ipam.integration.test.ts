import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { ApiClient, EventRecorder, InformerFactory, Nodes, realClock } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { ApiServerHarness, EtcdHarness, waitFor } from '@minik8s/testing';
import type { ControllerContext } from '../../controller';
import { parseCidr } from './cidr-set';
import { newNodeIpamController } from './node-ipam-controller';

let etcd: EtcdHarness;
let apiserver: ApiServerHarness;
let client: ApiClient;
let controller: { stop(): Promise<void> } | undefined;

/** A node that had its range before the controller started, as after a controller-manager restart. */
const PRESET = { name: 'preset', podCIDR: '10.244.0.0/24' };

/** Runs the controller in-process on its own informers, as one controller-manager would. */
async function startController(): Promise<{ stop(): Promise<void> }> {
  const informers = new InformerFactory(client);
  const context: ControllerContext = {
    client,
    informers,
    recorder: (component) => new EventRecorder(client, { component, host: 'integration-test' }),
    logger: silentLogger(),
    clock: realClock,
    options: { clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24, nodeMonitorGracePeriodMs: 40_000, podEvictionTimeoutMs: 300_000, concurrentSyncs: 3 },
  };
  const ipam = newNodeIpamController(context);
  informers.start();
  expect(await informers.waitForCacheSync(10_000)).toBe(true);
  const abort = new AbortController();
  const running = ipam.run(abort.signal);
  return {
    stop: async () => {
      abort.abort();
      await running;
      await informers.stop();
    },
  };
}

beforeAll(async () => {
  etcd = await EtcdHarness.start();
  apiserver = await ApiServerHarness.start({ etcdEndpoint: etcd.endpoint });
  client = new ApiClient(apiserver.address, { timeoutMs: 5000 });
  await client.resource(Nodes).create({ metadata: { name: PRESET.name }, spec: { podCIDR: PRESET.podCIDR } });
  controller = await startController();
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  client?.close();
  await apiserver?.stop();
  await etcd?.stop();
});

async function createNode(name: string): Promise<void> {
  await client.resource(Nodes).create({ metadata: { name }, spec: {} });
}

async function waitForCidr(name: string): Promise<corev1.Node> {
  return waitFor(
    async () => {
      const node = await client.resource(Nodes).get(name);
      return node.spec?.podCIDR ? node : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50, description: `a podCIDR on node ${name}` },
  );
}

async function allCidrs(): Promise<string[]> {
  return (await client.resource(Nodes).list()).items.map((n) => n.spec?.podCIDR ?? '').filter((c) => c !== '');
}

describe('node IPAM controller against a real apiserver', () => {
  it('gives each node its own /24 of 10.244.0.0/16, never one a node already holds', async () => {
    const names = ['n1', 'n2', 'n3', 'n4', 'n5'];
    await Promise.all(names.map(createNode));
    const nodes = await Promise.all(names.map(waitForCidr));
    for (const node of nodes) {
      expect(parseCidr(node.spec?.podCIDR ?? '')?.prefixLength).toBe(24);
      expect(node.spec?.podCIDR).toMatch(/^10\.244\.\d{1,3}\.0\/24$/);
      expect(node.spec?.podCIDRs).toEqual([node.spec?.podCIDR]);
    }
    const cidrs = await allCidrs();
    expect(cidrs).toHaveLength(6);
    expect(new Set(cidrs).size).toBe(6);
    expect((await client.resource(Nodes).get(PRESET.name)).spec?.podCIDR).toBe(PRESET.podCIDR);
  });

  it('rebuilds what is used after a restart, and frees a deleted node\'s range', async () => {
    await controller?.stop();
    const freed = (await client.resource(Nodes).get('n2')).spec?.podCIDR;
    await client.resource(Nodes).delete('n2');
    controller = await startController();
    // A fresh allocator starts from the first range again, skips every one nodes hold, and so
    // hands out the range n2 had (all lower ones are held) and the next unused one.
    await Promise.all(['r1', 'r2'].map(createNode));
    const fresh = await Promise.all(['r1', 'r2'].map(waitForCidr));
    expect(fresh.map((n) => n.spec?.podCIDR)).toContain(freed);
    const cidrs = await allCidrs();
    expect(cidrs).toHaveLength(7);
    expect(new Set(cidrs).size).toBe(7);
  });
});
