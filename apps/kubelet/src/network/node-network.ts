import type { corev1 } from '@minik8s/api';
import { Informer, Nodes, type ApiClient } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import type { CommandRunner } from '@minik8s/exec';
import { mustRun } from './commands';
import { SyncLoop } from './sync-loop';
import {
  FORWARD_CHAIN,
  POSTROUTING_CHAIN,
  ROUTE_PROTO,
  desiredRoutes,
  internalIP,
  networkJumps,
  parseRoutes,
  renderNetworkCleanup,
  renderNetworkRules,
  routeChanges,
  routeDeleteArgs,
  routeReplaceArgs,
  type NetworkJump,
} from './host-gw';

export interface NodeNetworkOptions {
  client: ApiClient;
  nodeName: string;
  /** The cluster's pod CIDR (10.244.0.0/16): inside it no NAT, leaving it masquerade. */
  clusterCIDR: string;
  /** The interface other nodes are reached through ('' lets the kernel pick by the node IP). */
  iface: string;
  /** Runs ip/iptables/sysctl (on the host, or in a netns in tests). */
  run: CommandRunner;
  logger: Logger;
  /** A full resync (routes re-read, rules and jumps rewritten) at least this often; 0: never. */
  resyncMs?: number;
}

const RETRY_MS = 2_000;

/**
 * The host-gw pod network, kubenet-style: the pod bridge itself is the runtime's (a Docker
 * network on the podCIDR); this keeps a route to every other node's podCIDR via its InternalIP in
 * step with the Node objects, and the iptables rules that keep pod-to-pod traffic un-NATed,
 * masquerade traffic leaving the cluster, and let forwarded pod traffic past Docker's FORWARD
 * policy. Syncs never overlap; changes arriving during one make exactly one more.
 */
export class NodeNetwork {
  private readonly informer: Informer<corev1.Node>;
  private readonly loop: SyncLoop;
  private rulesWritten = false;
  /** Counters for tests and logs. */
  readonly stats = { syncs: 0, routeChanges: 0, failures: 0 };

  constructor(private readonly options: NodeNetworkOptions) {
    this.loop = new SyncLoop({
      sync: (force) => this.sync(force),
      retryMs: RETRY_MS,
      onError: (err, retryMs) => {
        this.stats.failures++;
        this.rulesWritten = false;
        options.logger.warn({ err: err.message, retryMs }, 'node network sync failed; retrying');
      },
    });
    this.informer = new Informer<corev1.Node>(options.client, options.client.kindInfo(Nodes), { logger: options.logger });
    const changed = (): void => this.requestSync();
    // Heartbeats update every Node every few seconds; only a route's inputs matter here.
    const routeInputs = (n: corev1.Node): string => `${n.spec?.podCIDR ?? ''} ${internalIP(n) ?? ''} ${n.metadata?.deletionTimestamp ?? ''}`;
    this.informer.addEventHandler({
      onAdd: changed,
      onUpdate: (old, cur) => {
        if (routeInputs(old) !== routeInputs(cur)) changed();
      },
      onDelete: changed,
    });
  }

  /** Starts watching Nodes and syncs once the cache is filled. */
  async start(timeoutMs = 60_000): Promise<void> {
    this.informer.start();
    if (!(await this.informer.waitForCacheSync(timeoutMs))) throw new Error('the Node cache did not sync');
    this.loop.request(true);
    this.loop.resyncEvery(this.options.resyncMs ?? 30_000);
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.informer.stop();
  }

  /** Asks for a sync; `force` also rewrites the rules and re-checks the jumps. */
  requestSync(force = false): void {
    this.loop.request(force);
  }

  /** Resolves once no sync is running (tests). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  private async sync(force: boolean): Promise<void> {
    const { run, logger, nodeName } = this.options;
    this.stats.syncs++;
    if (!this.rulesWritten || force) await this.writeRules();

    const nodes = this.informer.list();
    const self = nodes.find((n) => n.metadata?.name === nodeName);
    const desired = desiredRoutes(nodes, nodeName, self?.spec?.podCIDR ?? '');
    const current = parseRoutes(await mustRun(run, 'ip', ['-4', 'route', 'show', 'proto', String(ROUTE_PROTO)]));
    const { replace, remove } = routeChanges(desired, current);
    for (const route of remove) {
      await mustRun(run, 'ip', routeDeleteArgs(route));
      logger.info({ cidr: route.cidr, via: route.via }, 'removed the route to a node that is gone');
    }
    for (const route of replace) {
      await mustRun(run, 'ip', routeReplaceArgs(route, this.options.iface));
      logger.info({ cidr: route.cidr, via: route.via, node: route.node }, 'added the route to a node\'s pods');
    }
    this.stats.routeChanges += replace.length + remove.length;
  }

  private async writeRules(): Promise<void> {
    const { run } = this.options;
    // Routing between nodes needs forwarding on; Docker turns it on too, a bare host may not.
    // A node in a container may have /proc/sys read-only with forwarding already on: read first.
    const forwarding = await run('sysctl', ['-n', 'net.ipv4.ip_forward']);
    if (forwarding.code !== 0 || forwarding.stdout.trim() !== '1') await mustRun(run, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    await mustRun(run, 'iptables-restore', ['-w', '5', '--noflush'], renderNetworkRules(this.options.clusterCIDR));
    const dockerUser = (await run('iptables', ['-w', '5', '-t', 'filter', '-S', 'DOCKER-USER'])).code === 0;
    for (const jump of networkJumps(dockerUser ? 'DOCKER-USER' : 'FORWARD')) await this.ensureFirst(jump);
    this.rulesWritten = true;
  }

  /**
   * Makes `jump` the first rule of its chain: our nat ACCEPT must come before Docker's MASQUERADE
   * for the bridge subnet, which Docker inserts at the top whenever it (re)creates a network.
   */
  private async ensureFirst(jump: NetworkJump): Promise<void> {
    const { run, logger } = this.options;
    const target = jump.args[jump.args.length - 1];
    const listing = await mustRun(run, 'iptables', ['-w', '5', '-t', jump.table, '-S', jump.chain]);
    const rules = listing.split('\n').filter((l) => l.startsWith(`-A ${jump.chain} `));
    const ours = rules.filter((l) => l.endsWith(`-j ${target}`));
    if (ours.length === 1 && rules[0] === ours[0]) return;
    for (let i = 0; i < ours.length; i++) await mustRun(run, 'iptables', ['-w', '5', '-t', jump.table, '-D', jump.chain, ...jump.args]);
    await mustRun(run, 'iptables', ['-w', '5', '-t', jump.table, '-I', jump.chain, '1', ...jump.args]);
    logger.info({ table: jump.table, chain: jump.chain, target }, 'put the pod network jump first');
  }
}

/** Removes every route, jump and chain the node network made (the kubelet's cleanup flag). */
export async function cleanupNodeNetwork(run: CommandRunner): Promise<{ routes: number; jumps: number }> {
  const routes = parseRoutes(await mustRun(run, 'ip', ['-4', 'route', 'show', 'proto', String(ROUTE_PROTO)]));
  for (const route of routes) await mustRun(run, 'ip', routeDeleteArgs(route));
  let jumps = 0;
  const present = { nat: false, filter: false };
  for (const [table, chain] of [['nat', POSTROUTING_CHAIN], ['filter', FORWARD_CHAIN]] as const) {
    const save = await mustRun(run, 'iptables-save', ['-t', table]);
    present[table] = save.split('\n').some((l) => l.startsWith(`:${chain} `));
    for (const line of save.split('\n')) {
      const m = /^-A (\S+) (.*)$/.exec(line);
      if (!m || m[1] === chain || !line.endsWith(`-j ${chain}`)) continue;
      // iptables-save quotes the comment; -D wants it as one argument.
      const args = m[2].match(/"[^"]*"|\S+/g)?.map((a) => a.replace(/^"(.*)"$/, '$1')) ?? [];
      await mustRun(run, 'iptables', ['-w', '5', '-t', table, '-D', m[1], ...args]);
      jumps++;
    }
  }
  const text = renderNetworkCleanup(present);
  if (text) await mustRun(run, 'iptables-restore', ['-w', '5', '--noflush'], text);
  return { routes: routes.length, jumps };
}
