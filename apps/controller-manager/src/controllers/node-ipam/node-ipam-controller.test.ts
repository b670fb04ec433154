import { describe, expect, it } from 'vitest';
import { StatusError, type ApiObject, type corev1 } from '@minik8s/api';
import { WorkQueue } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { FakeLister } from '../../test-support/fake-lister';
import { CidrSet } from './cidr-set';
import { NodeIpamController, type NodeCidrClient } from './node-ipam-controller';

// ---- a fake world: a node cache, the Node API behind it, an event sink ----

interface PodCidrPatch {
  metadata: { resourceVersion?: string };
  spec: { podCIDR: string; podCIDRs: string[] };
}

/** The apiserver's side: patches land in `stored` (and the cache, as a watch would deliver them). */
class FakeNodeApi implements NodeCidrClient {
  patches: { name: string; patch: PodCidrPatch }[] = [];
  /** Errors the next patches throw, first first. */
  patchErrors: Error[] = [];
  /** Runs before a patch is applied, e.g. to simulate a racing writer. */
  beforePatch: (name: string) => void = () => undefined;
  private revision = 100;

  constructor(readonly cache: FakeLister<corev1.Node>) {}

  stored = new Map<string, corev1.Node>();

  put(node: corev1.Node): corev1.Node {
    const stored: corev1.Node = { ...node, metadata: { ...node.metadata, resourceVersion: String(++this.revision) } };
    this.stored.set(stored.metadata?.name ?? '', stored);
    this.cache.indexer.set(stored);
    return stored;
  }

  async get(name: string): Promise<corev1.Node> {
    const node = this.stored.get(name);
    if (!node) throw new StatusError('NotFound', `nodes "${name}" not found`);
    return node;
  }

  async patch(name: string, patch: unknown): Promise<corev1.Node> {
    const p = patch as PodCidrPatch;
    this.patches.push({ name, patch: p });
    const err = this.patchErrors.shift();
    if (err) throw err;
    this.beforePatch(name);
    const current = await this.get(name);
    if (p.metadata.resourceVersion !== current.metadata?.resourceVersion) {
      throw new StatusError('Conflict', `Operation cannot be fulfilled on nodes "${name}": the object has been modified`);
    }
    return this.put({ ...current, spec: { ...current.spec, ...p.spec } });
  }
}

class FakeEvents {
  events: { name?: string; type: string; reason: string; message: string }[] = [];
  async event(obj: ApiObject, type: string, reason: string, message: string): Promise<void> {
    this.events.push({ name: obj.metadata?.name, type, reason, message });
  }
}

function node(name: string, podCIDR?: string, uid = `uid-${name}`): corev1.Node {
  return { metadata: { name, uid }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} };
}

function world(clusterCidr = '10.244.0.0/16', mask = 24, seed: corev1.Node[] = []) {
  const cache = new FakeLister<corev1.Node>();
  const api = new FakeNodeApi(cache);
  for (const n of seed) api.put(n);
  const events = new FakeEvents();
  const queue = new WorkQueue<string>();
  const controller = new NodeIpamController({
    nodes: cache,
    nodeClient: api,
    cidrSets: [new CidrSet(clusterCidr, mask)],
    recorder: events,
    logger: silentLogger(),
    queue,
  });
  const add = async (n: corev1.Node): Promise<void> => {
    api.put(n);
    await controller.sync(n.metadata?.name ?? '');
  };
  const remove = async (name: string): Promise<void> => {
    api.stored.delete(name);
    cache.indexer.delete(name);
    await controller.sync(name);
  };
  const cidrOf = (name: string): string | undefined => api.stored.get(name)?.spec?.podCIDR;
  return { controller, cache, api, events, queue, add, remove, cidrOf };
}

describe('NodeIpamController', () => {
  it('gives nodes consecutive /24s of the cluster CIDR, as podCIDR and podCIDRs', async () => {
    const w = world();
    for (const name of ['a', 'b', 'c']) await w.add(node(name));
    expect(['a', 'b', 'c'].map(w.cidrOf)).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    expect(w.api.stored.get('b')?.spec?.podCIDRs).toEqual(['10.244.1.0/24']);
    // A merge patch of the two fields only, pinned to the resourceVersion read.
    expect(w.api.patches[0].patch).toEqual({ metadata: { resourceVersion: '101' }, spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
  });

  it('is level-triggered: a node that has its range is left alone', async () => {
    const w = world();
    await w.add(node('a'));
    const patches = w.api.patches.length;
    await w.controller.sync('a');
    await w.controller.sync('a');
    expect(w.api.patches.length).toBe(patches);
    expect(w.cidrOf('a')).toBe('10.244.0.0/24');
  });

  it('rebuilds the used set from existing nodes before allocating', async () => {
    const w = world('10.244.0.0/16', 24, [node('old-1', '10.244.0.0/24'), node('old-2', '10.244.2.0/24')]);
    w.controller.rebuild();
    await w.add(node('new-1'));
    await w.add(node('new-2'));
    expect(w.cidrOf('new-1')).toBe('10.244.1.0/24');
    expect(w.cidrOf('new-2')).toBe('10.244.3.0/24');
  });

  it('frees the range of a deleted node and hands it out again once the rest are taken', async () => {
    const w = world('10.0.0.0/22', 24);
    for (const name of ['a', 'b', 'c']) await w.add(node(name));
    await w.remove('b');
    expect(w.controller.cidrsOf('b')).toBeUndefined();
    await w.add(node('d'));
    expect(w.cidrOf('d')).toBe('10.0.3.0/24');
    await w.add(node('e'));
    expect(w.cidrOf('e')).toBe('10.0.1.0/24');
  });

  it('reports CIDRNotAvailable when the range is exhausted, and allocates after a release', async () => {
    const w = world('10.0.0.0/23', 24);
    await w.add(node('a'));
    await w.add(node('b'));
    await w.add(node('c'));
    expect(w.cidrOf('c')).toBeUndefined();
    expect(w.events.events).toEqual([{ name: 'c', type: 'Normal', reason: 'CIDRNotAvailable', message: 'Node c status is now: CIDRNotAvailable' }]);

    await w.remove('a');
    // The release queues the waiting node again.
    expect(w.queue.length).toBe(1);
    const key = await w.queue.get();
    expect(key).toBe('c');
    await w.controller.sync(key ?? '');
    w.queue.done(key ?? '');
    expect(w.cidrOf('c')).toBe('10.0.0.0/24');
  });

  it('never gives two nodes the same range, however syncs interleave', async () => {
    const w = world('10.244.0.0/20', 24);
    const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
    for (const name of names) w.api.put(node(name));
    await Promise.all(names.map((name) => w.controller.sync(name)));
    const cidrs = names.map(w.cidrOf);
    expect(new Set(cidrs).size).toBe(12);
    expect(cidrs.every((c) => c?.startsWith('10.244.'))).toBe(true);
  });

  it('on Conflict reads the node again and retries with its resourceVersion', async () => {
    const w = world();
    w.api.put(node('a'));
    // A heartbeat lands between our read and our patch.
    let raced = false;
    w.api.beforePatch = (name) => {
      if (raced) return;
      raced = true;
      const cur = w.api.stored.get(name) as corev1.Node;
      w.api.stored.set(name, { ...cur, metadata: { ...cur.metadata, resourceVersion: '999' } });
    };
    await w.controller.sync('a');
    expect(w.api.patches.map((p) => p.patch.metadata.resourceVersion)).toEqual(['101', '999']);
    expect(w.cidrOf('a')).toBe('10.244.0.0/24');
  });

  it('keeps the range someone else set first and returns its own reservation', async () => {
    const w = world('10.0.0.0/23', 24);
    w.api.put(node('a'));
    w.api.beforePatch = (name) => {
      const cur = w.api.stored.get(name) as corev1.Node;
      w.api.stored.set(name, { ...cur, metadata: { ...cur.metadata, resourceVersion: '500' }, spec: { podCIDR: '10.0.1.0/24', podCIDRs: ['10.0.1.0/24'] } });
      w.api.beforePatch = () => undefined;
    };
    await w.controller.sync('a');
    expect(w.cidrOf('a')).toBe('10.0.1.0/24');
    expect(w.controller.cidrsOf('a')).toEqual(['10.0.1.0/24']);
    // The range it had reserved (10.0.0.0/24) went back to the pool: the next node gets it.
    await w.add(node('b'));
    expect(w.cidrOf('b')).toBe('10.0.0.0/24');
  });

  it('keeps its reservation across a failed patch, so the retry writes the same range', async () => {
    const w = world();
    w.api.put(node('a'));
    w.api.patchErrors.push(new StatusError('ServiceUnavailable', 'etcd is down'));
    await expect(w.controller.sync('a')).rejects.toThrow(/etcd is down/);
    await w.controller.sync('a');
    expect(w.cidrOf('a')).toBe('10.244.0.0/24');
    await w.add(node('b'));
    expect(w.cidrOf('b')).toBe('10.244.1.0/24');
  });

  it('does not free a range still held by another node that claims it too', async () => {
    const w = world('10.0.0.0/23', 24, [node('x', '10.0.0.0/24'), node('y', '10.0.0.0/24')]);
    w.controller.rebuild();
    await w.remove('x');
    await w.add(node('z'));
    expect(w.cidrOf('z')).toBe('10.0.1.0/24');
  });

  it('queues a node only when its podCIDR may need work', () => {
    const w = world();
    const handlers = w.controller.nodeHandlers();
    const a = node('a', '10.244.0.0/24');
    handlers.onUpdate?.(a, { ...a, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    expect(w.queue.length).toBe(0);
    handlers.onUpdate?.(node('b'), node('b'));
    handlers.onDelete?.(a);
    expect(w.queue.length).toBe(2);
  });
});
