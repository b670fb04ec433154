import { ApiServerHarness, type ApiServerHarnessOptions } from './apiserver-harness';
import { EtcdHarness } from './etcd-harness';

export type ControlPlaneHarnessOptions = Omit<ApiServerHarnessOptions, 'etcdEndpoint'>;

/**
 * A real etcd and one apiserver on it, for integration tests that need the API and nothing else
 * of the cluster. A failed start stops what did start, so a test's `afterAll` only has to stop
 * what `start` returned.
 */
export class ControlPlaneHarness {
  private constructor(
    readonly etcd: EtcdHarness,
    readonly apiserver: ApiServerHarness,
  ) {}

  static async start(options: ControlPlaneHarnessOptions = {}): Promise<ControlPlaneHarness> {
    const etcd = await EtcdHarness.start();
    try {
      return new ControlPlaneHarness(etcd, await ApiServerHarness.start({ ...options, etcdEndpoint: etcd.endpoint }));
    } catch (err) {
      await etcd.stop();
      throw err;
    }
  }

  /** host:port of the apiserver's gRPC API. */
  get address(): string {
    return this.apiserver.address;
  }

  /** Stops the apiserver process and starts it again on the same ports; etcd keeps the data. */
  async restartApiServer(): Promise<void> {
    await this.apiserver.restart();
  }

  /** Stops the apiserver, then etcd, and removes etcd's data dir. */
  async stop(): Promise<void> {
    await this.apiserver.stop();
    await this.etcd.stop();
  }
}
