import type { corev1, discoveryv1 } from '@minik8s/api';
import { ApiClient, EndpointSlices, InformerFactory, Services } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import { Conntrack, staleUdpFlushes } from './conntrack';
import { JUMP_RULES, type Iptables, type SavedChains } from './iptables';
import { DYNAMIC_CHAIN_PREFIXES } from './rules/chains';
import { buildServicePorts, type ServicePortInfo } from './rules/model';
import { buildRuleset, renderRestore, type Ruleset } from './rules/ruleset';

/** Where the proxier reads the cluster's state: informer caches in production, arrays in tests. */
export interface ProxierSource {
  services(): corev1.Service[];
  endpointSlices(): discoveryv1.EndpointSlice[];
}

export interface ProxierOptions {
  nodeName: string;
  clusterCIDR: string;
  masqueradeAll?: boolean;
  iptables: Iptables;
  conntrack?: Conntrack;
  logger: Logger;
  /** Changes closer together than this are coalesced into one sync (kube-proxy's --min-sync-period). */
  minSyncPeriodMs?: number;
  /**
   * How often the tables are checked (--iptables-sync-period): if a canary chain is gone (someone
   * flushed a table) everything is rewritten at once; otherwise an ordinary sync. 0: never.
   */
  syncPeriodMs?: number;
  /** Every chain is rewritten at least this often, repairing edits no canary sees (kube-proxy: 1 h). */
  fullSyncPeriodMs?: number;
}

export type SyncResult = 'applied' | 'unchanged';

const MAX_RETRY_MS = 30_000;
const FULL_SYNC_PERIOD_MS = 3_600_000;
/** Chains of ours in each table whose absence means the table was flushed under us. */
const CANARIES = [
  { table: 'nat', chain: 'KUBE-MARK-MASQ' },
  { table: 'filter', chain: 'KUBE-FORWARD' },
] as const;

/**
 * kube-proxy's iptables proxier: on every change, works out the whole desired ruleset and, if it
 * differs from the last one written, writes it in one `iptables-restore --noflush` transaction.
 * Syncs never overlap; bursts of changes coalesce into one sync per min sync period.
 */
export class Proxier {
  private readonly minSyncPeriodMs: number;
  private readonly syncPeriodMs: number;
  private lastApplied: string | undefined;
  /** The ruleset the tables hold (as last written), for partial writes; undefined: write all. */
  private lastRuleset: Ruleset | undefined;
  private lastPorts: ServicePortInfo[] = [];
  /** Chains present in the tables, as far as we know; undefined means read them again. */
  private knownChains: SavedChains | undefined;
  private jumpsEnsured = false;
  private running: Promise<void> | undefined;
  private pendingForce = false;
  private timer: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private lastSyncStart = 0;
  private lastFullSync = 0;
  private failures = 0;
  private stopped = false;
  /** Counters for tests and logs. */
  readonly stats = { syncs: 0, writes: 0, failures: 0 };

  constructor(
    private readonly source: ProxierSource,
    private readonly options: ProxierOptions,
  ) {
    this.minSyncPeriodMs = options.minSyncPeriodMs ?? 1000;
    this.syncPeriodMs = options.syncPeriodMs ?? 30_000;
  }

  /** The ruleset text last written (without the stale-chain deletions). */
  get appliedRules(): string | undefined {
    return this.lastApplied;
  }

  /**
   * Starts the periodic check. Call after the first `sync`. A full rewrite of 1,000 Services'
   * rules takes seconds and delays every change queued behind it, so it runs only when a canary
   * chain is missing or the full sync period has passed, as kube-proxy does.
   */
  start(): void {
    if (this.syncPeriodMs > 0 && !this.periodic) {
      this.periodic = setInterval(() => void this.periodicCheck(), this.syncPeriodMs);
      this.periodic.unref?.();
    }
  }

  private async periodicCheck(): Promise<void> {
    let force = Date.now() - this.lastFullSync >= (this.options.fullSyncPeriodMs ?? FULL_SYNC_PERIOD_MS);
    if (!force && this.lastApplied !== undefined) {
      try {
        for (const { table, chain } of CANARIES) {
          if (!(await this.options.iptables.hasChain(table, chain))) {
            this.options.logger.warn({ table, chain }, 'a chain of ours is gone; rewriting every rule');
            force = true;
            break;
          }
        }
      } catch (err) {
        this.options.logger.warn({ err }, 'could not check the canary chains');
      }
    }
    this.requestSync(force);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.periodic) clearInterval(this.periodic);
    this.timer = undefined;
    this.periodic = undefined;
  }

  /** Asks for a sync soon; many requests within the min sync period make one sync. */
  requestSync(force = false): void {
    if (this.stopped) return;
    this.pendingForce ||= force;
    // A pending timer reads the state when it fires, so it covers this request too.
    if (this.timer) return;
    const wait = Math.max(0, this.lastSyncStart + this.minSyncPeriodMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runQueued();
    }, wait);
  }

  private async runQueued(): Promise<void> {
    const force = this.pendingForce;
    this.pendingForce = false;
    try {
      await this.sync(force);
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.stats.failures++;
      const retryMs = Math.min(MAX_RETRY_MS, this.minSyncPeriodMs * 2 ** Math.min(this.failures, 10));
      this.options.logger.error({ err, retryMs }, 'sync of proxy rules failed; retrying');
      if (!this.stopped) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.requestSync(true);
        }, retryMs);
      }
    }
  }

  /** One sync now (waiting for one in progress first). `force` rewrites even if unchanged. */
  async sync(force = false): Promise<SyncResult> {
    while (this.running) await this.running;
    let result: SyncResult = 'unchanged';
    const run = (async () => {
      this.lastSyncStart = Date.now();
      result = await this.syncOnce(force);
    })();
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      await run;
    } finally {
      this.running = undefined;
    }
    return result;
  }

  /** The ruleset the current state asks for. */
  desired(): { ports: ServicePortInfo[]; ruleset: Ruleset; text: string } {
    const ports = buildServicePorts(this.source.services(), this.source.endpointSlices(), this.options.nodeName);
    const ruleset = buildRuleset(ports, { clusterCIDR: this.options.clusterCIDR, masqueradeAll: this.options.masqueradeAll ?? false });
    return { ports, ruleset, text: renderRestore(ruleset) };
  }

  private async syncOnce(force: boolean): Promise<SyncResult> {
    const started = Date.now();
    this.stats.syncs++;
    const { ports, ruleset, text } = this.desired();
    if (!force && text === this.lastApplied) {
      this.options.logger.debug('proxy rules unchanged; nothing to write');
      return 'unchanged';
    }
    const { iptables, logger } = this.options;
    try {
      // Stale chains: per-service chains that exist but are no longer wanted.
      this.knownChains ??= await iptables.chains();
      const isDynamic = (c: string): boolean => DYNAMIC_CHAIN_PREFIXES.some((p) => c.startsWith(p));
      const stale = {
        filter: this.knownChains.filter.filter(isDynamic),
        nat: this.knownChains.nat.filter(isDynamic),
      };
      // A forced sync rewrites every chain (repairing outside edits); others only what changed.
      await iptables.restore(renderRestore(ruleset, stale, force ? undefined : this.lastRuleset));
      this.stats.writes++;
      this.lastRuleset = ruleset;
      if (force) this.lastFullSync = Date.now();
      this.knownChains = { filter: [...ruleset.filter.chains], nat: [...ruleset.nat.chains] };
      if (!this.jumpsEnsured || force) {
        for (const rule of JUMP_RULES) {
          if (await iptables.ensureJump(rule)) logger.info({ table: rule.table, chain: rule.chain, args: rule.args.join(' ') }, 'added jump rule');
        }
        this.jumpsEnsured = true;
      }
    } catch (err) {
      // Re-read what is there next time instead of trusting what we believe.
      this.knownChains = undefined;
      this.lastApplied = undefined;
      this.lastRuleset = undefined;
      this.jumpsEnsured = false;
      throw err;
    }
    this.lastApplied = text;
    const flushes = staleUdpFlushes(this.lastPorts, ports);
    this.lastPorts = ports;
    if (flushes.length > 0 && this.options.conntrack) await this.options.conntrack.flush(flushes);
    logger.info(
      { servicePorts: ports.length, natRules: ruleset.nat.rules.length, filterRules: ruleset.filter.rules.length, ms: Date.now() - started, force },
      'wrote proxy rules',
    );
    return 'applied';
  }
}

export interface ProxyServerOptions extends Omit<ProxierOptions, 'logger'> {
  server: string;
  logger: Logger;
  cacheSyncTimeoutMs?: number;
}

/** The running proxy: informers on Services and EndpointSlices feeding a Proxier. */
export class ProxyServer {
  readonly proxier: Proxier;
  private readonly client: ApiClient;
  private readonly factory: InformerFactory;
  private synced = false;

  constructor(private readonly options: ProxyServerOptions) {
    this.client = new ApiClient(options.server);
    this.factory = new InformerFactory(this.client, { logger: options.logger });
    const services = this.factory.informerFor(Services);
    const slices = this.factory.informerFor(EndpointSlices);
    this.proxier = new Proxier({ services: () => services.list(), endpointSlices: () => slices.list() }, options);
    // Until both caches have synced, events only fill them: a sync from a half-filled cache
    // (Services listed, slices not yet) would briefly REJECT every Service after a restart.
    const changed = (): void => {
      if (this.synced) this.proxier.requestSync();
    };
    const handlers = { onAdd: changed, onUpdate: changed, onDelete: changed };
    services.addEventHandler(handlers);
    slices.addEventHandler(handlers);
  }

  /**
   * Waits for both caches, then writes the full ruleset at once (never flushing first, so a
   * restarted proxy replaces its old rules in one transaction with no gap in service).
   */
  async start(): Promise<void> {
    this.factory.start();
    const synced = await this.factory.waitForCacheSync(this.options.cacheSyncTimeoutMs ?? 60_000);
    if (!synced) throw new Error(`caches of Services and EndpointSlices did not sync from ${this.options.server}`);
    this.synced = true;
    await this.proxier.sync(true);
    this.proxier.start();
  }

  async stop(): Promise<void> {
    this.proxier.stop();
    await this.factory.stop();
    this.client.close();
  }
}
