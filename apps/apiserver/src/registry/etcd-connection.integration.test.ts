import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError } from '@minik8s/api';
import { ApiClient, ConfigMaps } from '@minik8s/client';
import { silentLogger } from '@minik8s/logging';
import { EtcdHarness, freePort, waitFor } from '@minik8s/testing';
import { startApiServer, type RunningApiServer } from '../apiserver';

/** A TCP relay in front of etcd whose connections the test cuts, as a network failure would. */
class Relay {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  /** When false, new connections are refused by closing them at once (etcd unreachable). */
  accepting = true;

  async start(target: URL): Promise<string> {
    this.server = createServer((inbound) => {
      this.track(inbound);
      if (!this.accepting) return void inbound.destroy();
      const outbound = this.track(connect(Number(target.port), target.hostname));
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    return socket;
  }

  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  stop(): void {
    this.cut();
    this.server?.close();
  }
}

let etcd: EtcdHarness;
let relay: Relay;
let server: RunningApiServer;
let client: ApiClient;

beforeAll(async () => {
  etcd = await EtcdHarness.start();
  relay = new Relay();
  const endpoint = await relay.start(new URL(etcd.endpoint));
  server = await startApiServer({
    etcdServers: [endpoint],
    etcdPrefix: '/registry',
    bindAddress: '127.0.0.1',
    securePort: await freePort(),
    healthPort: 0,
    watchCacheSize: 1000,
    bookmarkIntervalMs: 0,
    logger: silentLogger(),
  });
  client = new ApiClient(server.address, { timeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
  relay?.stop();
  await etcd?.stop();
});

describe('the connection to etcd', () => {
  it('refuses requests with ServiceUnavailable while etcd is unreachable, and serves again once it is back', async () => {
    const cms = client.resource(ConfigMaps).namespace('default');
    await cms.create({ metadata: { name: 'before' } });

    relay.accepting = false;
    relay.cut();
    const refused = await cms.create({ metadata: { name: 'during' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StatusError);
    expect((refused as StatusError).reason).toBe('ServiceUnavailable');

    relay.accepting = true;
    await waitFor(
      async () => {
        try {
          await cms.create({ metadata: { name: 'after' } });
          return true;
        } catch (err) {
          if (err instanceof StatusError && err.reason === 'ServiceUnavailable') return false;
          throw err;
        }
      },
      { timeoutMs: 30_000, intervalMs: 100, description: 'a create after etcd is reachable again' },
    );
    expect((await cms.get('before')).metadata?.name).toBe('before');
    expect((await cms.get('after')).metadata?.name).toBe('after');
    // The watch cache reconnected too: a watch from now sees a new write.
    const watch = cms.watch({ resourceVersion: (await cms.get('after')).metadata?.resourceVersion });
    await cms.create({ metadata: { name: 'watched' } });
    const next = await watch.next();
    watch.close();
    expect(next.done ? '' : `${next.value.type} ${next.value.object.metadata?.name}`).toBe('ADDED watched');
  }, 60_000);
});
