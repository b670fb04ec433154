import type { CommandRunner } from '@minik8s/exec';
import type { Logger } from '@minik8s/logging';
import { mustRun } from './commands';
import { hairpinOnArgs, isPromiscuous, linkEventConcerns, parseBridgePorts, type HairpinMode } from './hairpin';
import type { LinkWatcher } from './link-monitor';
import { SyncLoop } from './sync-loop';

export interface BridgeHairpinOptions {
  mode: HairpinMode;
  /** The pod bridge's interface name, or undefined while the runtime has not made it yet. */
  resolveBridge: () => Promise<string | undefined>;
  /** Runs `ip` (on the host, or in a netns in tests). */
  run: CommandRunner;
  /** Link events that may need a sync; without it only the resyncs run. */
  watchLinks?: LinkWatcher;
  logger: Logger;
  /** A full sync at least this often, in case an event was missed; 0: never. */
  resyncMs?: number;
}

const RETRY_MS = 2_000;

/**
 * Keeps the kubelet's `--hairpin-mode` true on the node's pod bridge as pods come and go:
 * `hairpin-veth` puts every port of the bridge in hairpin mode, `promiscuous-bridge` puts the
 * bridge in promiscuous mode (Kubernetes' kubenet mode), `none` does nothing. A sync runs when a
 * port joins the bridge (a link event, so the pod start path makes no extra call), at start and
 * on a slow resync; syncs never overlap and changes arriving during one make exactly one more.
 */
export class BridgeHairpin {
  private bridge: string | undefined;
  private readonly loop: SyncLoop;
  private stopWatching: (() => void) | undefined;
  /** Counters for tests and logs. */
  readonly stats = { syncs: 0, portsChanged: 0, failures: 0 };

  constructor(private readonly options: BridgeHairpinOptions) {
    this.loop = new SyncLoop({
      sync: () => this.sync(),
      retryMs: RETRY_MS,
      onError: (err, retryMs) => {
        this.stats.failures++;
        this.bridge = undefined;
        options.logger.warn({ err: err.message, retryMs }, 'hairpin sync failed; retrying');
      },
    });
  }

  start(): void {
    this.options.logger.info({ hairpinMode: this.options.mode }, `Hairpin mode set to "${this.options.mode}"`);
    if (this.options.mode === 'none') return;
    this.stopWatching = this.options.watchLinks?.((line) => {
      if (linkEventConcerns(line, this.bridge)) this.requestSync();
    });
    this.requestSync();
    this.loop.resyncEvery(this.options.resyncMs ?? 30_000);
  }

  async stop(): Promise<void> {
    this.stopWatching?.();
    await this.loop.stop();
  }

  requestSync(): void {
    if (this.options.mode !== 'none') this.loop.request();
  }

  /** Resolves once no sync is running (tests). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  private async sync(): Promise<void> {
    const { run, logger, mode } = this.options;
    this.stats.syncs++;
    const promisc = mode === 'promiscuous-bridge';
    const show = (bridge: string): string[] => (promisc ? ['-o', 'link', 'show', 'dev', bridge] : ['-d', '-o', 'link', 'show', 'master', bridge]);
    let bridge = this.bridge ?? (await this.options.resolveBridge());
    if (!bridge) return;
    let listing = await run('ip', show(bridge));
    if (listing.code !== 0) {
      // The bridge goes when its Docker network is recreated (another podCIDR): look it up again.
      this.bridge = undefined;
      bridge = await this.options.resolveBridge();
      if (!bridge) return;
      listing = await run('ip', show(bridge));
      if (listing.code !== 0) throw new Error(`ip ${show(bridge).join(' ')} failed (exit ${listing.code}): ${listing.stderr.trim()}`);
    }
    this.bridge = bridge;
    if (promisc) {
      // Kubernetes' kubenet mode, kept for its flag's sake: on Docker's bridge with br_netfilter
      // (kernel 6.18 here) a promiscuous bridge still drops the hairpin reply; hairpin-veth works.
      if (isPromiscuous(listing.stdout)) return;
      await mustRun(run, 'ip', ['link', 'set', 'dev', bridge, 'promisc', 'on']);
      logger.info({ bridge }, 'put the pod bridge in promiscuous mode');
      return;
    }
    const ports = parseBridgePorts(listing.stdout);
    const off = ports.filter((p) => !p.hairpin);
    for (const port of off) {
      const res = await run('ip', hairpinOnArgs(port.name));
      // A pod that went away between the listing and now took its port with it.
      if (res.code !== 0 && (await run('ip', ['-o', 'link', 'show', 'dev', port.name])).code === 0) {
        throw new Error(`ip ${hairpinOnArgs(port.name).join(' ')} failed (exit ${res.code}): ${res.stderr.trim()}`);
      }
      if (res.code === 0) this.stats.portsChanged++;
    }
    if (off.length) logger.debug({ bridge, ports: off.map((p) => p.name) }, 'hairpin mode on for pod bridge ports');
  }
}
