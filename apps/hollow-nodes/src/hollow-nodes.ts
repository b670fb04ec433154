import type { corev1 } from '@minik8s/api';
import { ApiClient, InformerFactory, Nodes, Pods, realClock, type Clock, type Informer } from '@minik8s/client';
import { silentLogger, type Logger } from '@minik8s/logging';
import { resolveConfig, type HollowNodesConfig, type HollowNodesOptions } from './config';
import { NodeHeartbeats, type HeartbeatStats } from './heartbeat';
import { parseIpv4Cidr, PodIpAllocator, type Ipv4Cidr } from './ip-allocator';
import { ensureLease, hollowNodes, mapLimit, registerNode, type HollowNode } from './node-registration';
import { PodLifecycle, type NodeDirectory, type PodLifecycleStats } from './pod-lifecycle';

/** The pod cache index by spec.nodeName. */
export const NODE_NAME_INDEX = 'spec.nodeName';

export interface RegistrationReport {
  created: number;
  takenOver: number;
  durationMs: number;
}

export interface HollowNodesStats {
  registration: RegistrationReport | undefined;
  heartbeats: HeartbeatStats;
  pods: PodLifecycleStats;
}

/**
 * Many pretend nodes in one process, as kwok has them: registers `count` Nodes (or takes over
 * those already there), heartbeats their Leases and statuses, and plays the kubelet's part for
 * the pods bound to them without running anything. `stop` leaves Nodes and Leases in place, so the
 * nodes go silent the way lost nodes do.
 *
 * ```ts
 * const hollow = new HollowNodes({ server: '127.0.0.1:6443', count: 100 });
 * await hollow.start();
 * // … schedule pods onto hollow-0 … hollow-99 …
 * await hollow.stop();
 * ```
 */
export class HollowNodes implements NodeDirectory {
  readonly config: HollowNodesConfig;
  readonly nodes: readonly HollowNode[];
  readonly client: ApiClient;
  readonly allocator = new PodIpAllocator();
  private readonly byName: Map<string, HollowNode>;
  private readonly ownsClient: boolean;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly factory: InformerFactory;
  private readonly nodeInformer: Informer<corev1.Node>;
  private readonly podInformer: Informer<corev1.Pod>;
  private readonly heartbeats: NodeHeartbeats;
  private readonly lifecycle: PodLifecycle;
  private registration: RegistrationReport | undefined;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';

  constructor(options: HollowNodesOptions) {
    this.config = resolveConfig(options);
    if (!options.client && !options.server) throw new Error('HollowNodes needs a server address or a client');
    this.client = options.client ?? new ApiClient(options.server ?? '');
    this.ownsClient = !options.client;
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger();
    this.nodes = hollowNodes(this.config);
    this.byName = new Map(this.nodes.map((n) => [n.name, n]));
    this.factory = new InformerFactory(this.client, { logger: this.logger, clock: this.clock });
    this.nodeInformer = this.factory.informerFor(Nodes);
    // One informer over every pod, indexed by node, serves all our nodes at once.
    this.podInformer = this.factory.informerFor(Pods);
    this.podInformer.addIndex(NODE_NAME_INDEX, (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []));
    this.heartbeats = new NodeHeartbeats(this.client, this.config, this.nodeInformer, this.clock, this.logger.child({ part: 'heartbeat' }));
    this.lifecycle = new PodLifecycle(this.client, this.podInformer, this, this.allocator, this.config, this.clock, this.logger.child({ part: 'pods' }));
  }

  get(name: string): HollowNode | undefined {
    return this.byName.get(name);
  }

  podRange(node: HollowNode): Ipv4Cidr {
    const cidr = this.nodeInformer.get(undefined, node.name)?.spec?.podCIDR;
    return (cidr && parseIpv4Cidr(cidr)) || node.fallbackPodRange;
  }

  /** Pods bound to a node, from the cache. */
  podsOn(nodeName: string): corev1.Pod[] {
    return this.podInformer.byIndex(NODE_NAME_INDEX, nodeName);
  }

  get stats(): HollowNodesStats {
    return { registration: this.registration, heartbeats: { ...this.heartbeats.stats }, pods: { ...this.lifecycle.stats } };
  }

  /** Registers the nodes, then heartbeats them and runs their pods; resolves once all of that is going. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`HollowNodes cannot start: it is ${this.state}`);
    this.state = 'starting';
    const began = this.clock.now();
    const now = (): number => this.clock.now();
    const registered = await mapLimit(this.nodes, this.config.registrationConcurrency, async (node) => {
      const { node: obj, created } = await registerNode(this.client, this.config, node, now);
      const lease = await ensureLease(this.client, this.config, obj, now());
      return { node, created, lease };
    });
    const created = registered.filter((r) => r.created).length;
    this.registration = { created, takenOver: registered.length - created, durationMs: this.clock.now() - began };
    this.logger.info({ nodes: registered.length, ...this.registration }, 'hollow nodes registered');
    if (this.state !== 'starting') return;

    this.factory.start();
    if (!(await this.factory.waitForCacheSync(60_000))) throw new Error('timed out waiting for the node and pod caches to sync');
    if (this.state !== 'starting') return;
    for (const r of registered) this.heartbeats.add(r.node, r.lease);
    this.lifecycle.start();
    this.state = 'running';
    this.logger.info({ nodes: this.nodes.length, first: this.nodes[0]?.name, last: this.nodes[this.nodes.length - 1]?.name }, 'hollow nodes running');
  }

  /** Stops heartbeats and pod handling. Nodes and Leases stay: the nodes simply go silent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await this.heartbeats.stop();
    await this.lifecycle.stop();
    await this.factory.stop();
    if (this.ownsClient) this.client.close();
  }
}
