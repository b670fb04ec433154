import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Indexer, WorkQueue, type Lister } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { IpPool } from './ip-pool';
import { ServiceLbController } from './service-lb-controller';

// A seeded Service cache; status writes land in it at once, as the watch would deliver them.
class World implements Lister<corev1.Service> {
  readonly indexer = new Indexer<corev1.Service>();
  readonly events: string[] = [];
  readonly writes: string[] = [];
  get(namespace: string | undefined, name: string): corev1.Service | undefined {
    return this.indexer.get(`${namespace}/${name}`);
  }
  list(): corev1.Service[] {
    return this.indexer.list();
  }
  byIndex(): corev1.Service[] {
    return [];
  }
  put(svc: corev1.Service): void {
    this.indexer.set(svc);
  }
  remove(name: string): void {
    this.indexer.delete(`default/${name}`);
  }
  ingress(name: string): string[] {
    return (this.get('default', name)?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
  }
}

function service(name: string, spec: corev1.ServiceSpec, ingress: string[] = []): corev1.Service {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { clusterIP: '10.96.0.50', ports: [{ port: 80, protocol: 'TCP' }], ...spec },
    status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip })) } },
  };
}

function setUp(range = '192.168.80.1-192.168.80.3'): { world: World; controller: ServiceLbController; queue: WorkQueue<string> } {
  const world = new World();
  const queue = new WorkQueue<string>();
  const controller = new ServiceLbController({
    services: world,
    pool: new IpPool(range),
    queue,
    logger: silentLogger(),
    recorder: { event: async (obj, type, reason, message) => void world.events.push(`${obj.metadata?.name} ${type} ${reason}: ${message}`) },
    statusClient: {
      updateStatus: async (svc) => {
        world.writes.push(svc.metadata?.name ?? '');
        world.put(svc);
        return svc;
      },
    },
  });
  return { world, controller, queue };
}

describe('ServiceLbController', () => {
  it('gives a LoadBalancer Service the next free address, with the service controller\'s events', async () => {
    const { world, controller } = setUp();
    world.put(service('a', { type: 'LoadBalancer' }));
    world.put(service('b', { type: 'LoadBalancer' }));
    await controller.sync('default/a');
    await controller.sync('default/b');
    expect(world.ingress('a')).toEqual(['192.168.80.1']);
    expect(world.ingress('b')).toEqual(['192.168.80.2']);
    expect(world.events.filter((e) => e.startsWith('a '))).toEqual(['a Normal EnsuringLoadBalancer: Ensuring load balancer', 'a Normal EnsuredLoadBalancer: Ensured load balancer']);
    // Level-triggered: syncing again writes nothing.
    await controller.sync('default/a');
    expect(world.writes).toEqual(['a', 'b']);
  });

  it('leaves ClusterIP Services and Services of another loadBalancerClass alone', async () => {
    const { world, controller } = setUp();
    world.put(service('plain', { type: 'ClusterIP' }));
    world.put(service('other', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' }));
    await controller.sync('default/plain');
    await controller.sync('default/other');
    expect(world.writes).toEqual([]);
    expect(world.events).toEqual([]);
  });

  it('honours spec.loadBalancerIP when the pool has it free, and reports why not otherwise', async () => {
    const { world, controller } = setUp();
    world.put(service('want', { type: 'LoadBalancer', loadBalancerIP: '192.168.80.3' }));
    world.put(service('same', { type: 'LoadBalancer', loadBalancerIP: '192.168.80.3' }));
    world.put(service('outside', { type: 'LoadBalancer', loadBalancerIP: '10.1.1.1' }));
    await controller.sync('default/want');
    await controller.sync('default/same');
    await controller.sync('default/outside');
    expect(world.ingress('want')).toEqual(['192.168.80.3']);
    expect(world.ingress('same')).toEqual([]);
    expect(world.ingress('outside')).toEqual([]);
    expect(world.events).toContain(
      'same Warning SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer: requested IP 192.168.80.3 is already allocated to default/want',
    );
    expect(world.events).toContain(
      'outside Warning SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer: requested IP 10.1.1.1 is not in the load balancer IP range',
    );
  });

  it('releases the address on delete and on a type change, clears the status, and serves a waiting Service', async () => {
    const { world, controller, queue } = setUp('192.168.80.1-192.168.80.2');
    for (const name of ['a', 'b', 'c']) world.put(service(name, { type: 'LoadBalancer' }));
    for (const name of ['a', 'b', 'c']) await controller.sync(`default/${name}`);
    expect(world.ingress('c')).toEqual([]);
    expect(world.events).toContain('c Warning SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer: no addresses left in the load balancer IP range (2 in use)');

    world.remove('a');
    await controller.sync('default/a');
    expect(controller.addressOf('default/a')).toBeUndefined();
    expect(queue.length).toBe(1);
    await controller.sync('default/c');
    expect(world.ingress('c')).toEqual(['192.168.80.1']);

    const b = world.get('default', 'b')!;
    world.put({ ...b, spec: { ...b.spec, type: 'ClusterIP' } });
    await controller.sync('default/b');
    expect(world.ingress('b')).toEqual([]);
    expect(world.events).toContain('b Normal DeletedLoadBalancer: Deleted load balancer');
    expect(controller.addressOf('default/b')).toBeUndefined();
  });

  it('keeps every Service on the address its status shows after a restart, even one now outside the order', async () => {
    const { world, controller } = setUp();
    world.put(service('old', { type: 'LoadBalancer' }, ['192.168.80.2']));
    world.put(service('dup', { type: 'LoadBalancer' }, ['192.168.80.2']));
    world.put(service('new', { type: 'LoadBalancer' }));
    controller.rebuild();
    await controller.sync('default/new');
    await controller.sync('default/dup');
    await controller.sync('default/old');
    expect(world.ingress('new')).toEqual(['192.168.80.1']);
    // Two Services showing one address: the first keeps it, the other is moved.
    const [first, second] = world.list().filter((s) => s.metadata?.name !== 'new').map((s) => s.metadata!.name!);
    expect(world.ingress(first)).toEqual(['192.168.80.2']);
    expect(world.ingress(second)).toEqual(['192.168.80.3']);
  });
});
