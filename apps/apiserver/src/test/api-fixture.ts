import { ApiClient } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { EtcdHarness, freePort } from '@minik8s/testing';
import { EtcdStore } from '@minik8s/storage';
import { startApiServer, type RunningApiServer } from '../apiserver';

/** A real etcd and an in-process apiserver on free ports, for one test file. */
export class ApiFixture {
  etcd!: EtcdHarness;
  server!: RunningApiServer;
  client!: ApiClient;
  raw!: EtcdStore;
  grpcPort = 0;

  async start(options: { bookmarkIntervalMs?: number; watchCacheSize?: number } = {}): Promise<void> {
    this.etcd = await EtcdHarness.start();
    this.grpcPort = await freePort();
    this.server = await this.startServer(options);
    this.client = new ApiClient(this.server.address, { timeoutMs: 10_000 });
    this.raw = new EtcdStore({ hosts: this.etcd.endpoint });
  }

  startServer(
    options: { bookmarkIntervalMs?: number; watchCacheSize?: number; port?: number; serviceClusterIpRange?: string; etcdPrefix?: string } = {},
  ): Promise<RunningApiServer> {
    return startApiServer({
      etcdServers: [this.etcd.endpoint],
      etcdPrefix: options.etcdPrefix ?? '/registry',
      serviceClusterIpRange: options.serviceClusterIpRange,
      bindAddress: '127.0.0.1',
      securePort: options.port ?? this.grpcPort,
      healthPort: 0,
      watchCacheSize: options.watchCacheSize ?? 1000,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 0,
      logger: silentLogger(),
    });
  }

  async restartServer(): Promise<void> {
    await this.server.stop();
    this.server = await this.startServer();
  }

  /** Every key etcd holds under the registry, to prove a refused write left nothing. */
  async registryKeys(): Promise<string[]> {
    return (await this.raw.list('/registry/')).kvs.map((kv) => kv.key);
  }

  async stop(): Promise<void> {
    this.client?.close();
    this.raw?.close();
    await this.server?.stop();
    await this.etcd?.stop();
  }
}
