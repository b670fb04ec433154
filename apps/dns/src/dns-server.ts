/**
 * The DNS add-on in one object: informer caches, the resolver, UDP and TCP listeners on one
 * port, and the health port. `minik8s dns` runs one; tests start and stop them in-process.
 */
import type { Server } from 'node:http';
import { ApiClient } from '@minik8s/client';
import type { Logger } from '@minik8s/logging';
import { ClusterCache } from './cluster-cache';
import { Forwarder, type Forwarding, type Upstream } from './forwarder';
import { startHealthServer } from './health-server';
import { Resolver } from './resolver';
import { startTcpServer, type TcpDnsServer } from './tcp-server';
import { startUdpServer, type UdpDnsServer } from './udp-server';

export interface DnsServerOptions {
  /** The apiserver's address (host:port). */
  server: string;
  /** Where to listen for DNS and the health port. */
  bindAddress?: string;
  /** The DNS port, UDP and TCP; 0 picks a free one. */
  port?: number;
  /** The cluster domain. */
  domain?: string;
  /** Nameservers for names outside the cluster domain. */
  upstreams?: readonly Upstream[];
  /** Replaces the upstream forwarder (tests). */
  forwarder?: Forwarding;
  ttl?: number;
  /** /healthz and /ready over HTTP; 0 picks a free port, -1 turns it off. */
  healthPort?: number;
  /** How long `start` waits for the caches before it serves anyway (SERVFAIL in the zone until then). */
  syncTimeoutMs?: number;
  /** How long each upstream gets to answer. */
  upstreamTimeoutMs?: number;
  logger?: Logger;
}

export class DnsServer {
  readonly resolver: Resolver;
  private readonly client: ApiClient;
  private readonly cache: ClusterCache;
  private udp: UdpDnsServer | undefined;
  private tcp: TcpDnsServer | undefined;
  private health: Server | undefined;
  private listening = false;

  constructor(private readonly options: DnsServerOptions) {
    this.client = new ApiClient(options.server);
    this.cache = new ClusterCache(this.client, { logger: options.logger });
    const forwarder =
      options.forwarder ??
      (options.upstreams && options.upstreams.length > 0
        ? new Forwarder(options.upstreams, { timeoutMs: options.upstreamTimeoutMs, logger: options.logger })
        : undefined);
    this.resolver = new Resolver({
      zone: options.domain ?? 'cluster.local',
      ttl: options.ttl ?? 30,
      view: this.cache,
      ready: () => this.cache.hasSynced(),
      forwarder,
      logger: options.logger,
    });
  }

  /** The DNS port (UDP and TCP). */
  get port(): number {
    if (!this.udp) throw new Error('the DNS server is not started');
    return this.udp.port;
  }

  /** The health port, or -1 when it is off. */
  get healthPort(): number {
    const address = this.health?.address();
    return typeof address === 'object' && address ? address.port : -1;
  }

  /** Synced caches and open sockets: what /ready reports. */
  ready(): boolean {
    return this.listening && this.cache.hasSynced();
  }

  async start(): Promise<void> {
    const log = this.options.logger;
    const host = this.options.bindAddress ?? '0.0.0.0';
    this.cache.start();
    try {
      await this.listen(host, this.options.port ?? 53);
      const healthPort = this.options.healthPort ?? 8080;
      if (healthPort >= 0) this.health = await startHealthServer(host, healthPort, () => this.ready());
    } catch (err) {
      await this.stop();
      throw err;
    }
    log?.info({ address: host, port: this.port, zone: this.resolver.zone, healthPort: this.healthPort }, 'serving DNS');
    if (!(await this.cache.waitForCacheSync(this.options.syncTimeoutMs ?? 30_000))) {
      log?.warn('caches not synced yet; the cluster zone answers SERVFAIL until they are');
    }
  }

  private async listen(host: string, port: number): Promise<void> {
    const handler = (query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> => this.resolver.handle(query, transport);
    const logger = this.options.logger;
    // UDP and TCP share a port; with port 0 the TCP port may be taken already, so try again.
    for (let attempt = 0; ; attempt++) {
      const udp = await startUdpServer({ host, port, handler, logger });
      try {
        this.tcp = await startTcpServer({ host, port: udp.port, handler, logger });
        this.udp = udp;
        this.listening = true;
        return;
      } catch (err) {
        await udp.close();
        if (port !== 0 || attempt >= 10 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
  }

  async stop(): Promise<void> {
    this.listening = false;
    const closing: Promise<unknown>[] = [this.cache.stop()];
    if (this.udp) closing.push(this.udp.close());
    if (this.tcp) closing.push(this.tcp.close());
    if (this.health) {
      const health = this.health;
      closing.push(new Promise<void>((resolve) => health.close(() => resolve())));
      health.closeAllConnections();
    }
    this.udp = undefined;
    this.tcp = undefined;
    this.health = undefined;
    await Promise.allSettled(closing);
    this.client.close();
  }
}
