import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Nodes, type ApiClient } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { ControllerHarness } from '../../test-support/controller-harness';
import { parseCidr } from './cidr-set';
import { newNodeIpamController } from './node-ipam-controller';

let harness: ControllerHarness;
let client: ApiClient;

/** A node that had its range before the controller started, as after a controller-manager restart. */
const PRESET = { name: 'preset', podCIDR: '10.244.0.0/24' };

beforeAll(async () => {
  // Three workers, so nodes created together get their ranges concurrently.
  harness = await ControllerHarness.start({ factories: [newNodeIpamController], options: { concurrentSyncs: 3 }, startControllers: false });
  client = harness.client;
  await client.resource(Nodes).create({ metadata: { name: PRESET.name }, spec: { podCIDR: PRESET.podCIDR } });
  await harness.startControllers();
}, 60_000);

afterAll(async () => {
  await harness?.stop();
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
    await harness.stopControllers();
    const freed = (await client.resource(Nodes).get('n2')).spec?.podCIDR;
    await client.resource(Nodes).delete('n2');
    await harness.startControllers();
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
