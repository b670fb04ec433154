import { createLogger } from '@minik8s/logging';
import { FlagError, parseFlags } from '@minik8s/flags';
import { Conntrack } from './conntrack';
import { execRunner } from '@minik8s/exec';
import { Iptables } from './iptables';
import { FLAGS, validateFlags } from './options';
import { ProxyServer } from './proxier';

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags('minik8s proxy', "The minik8s network proxy: programs this node's iptables so Services' cluster IPs and node ports reach their endpoints.", FLAGS, argv);
  if (!flags) return;
  validateFlags(flags);
  const logger = createLogger({
    component: 'proxy',
    level: flags.logLevel || undefined,
    verbosity: flags.v,
    format: flags.logFormat === 'json' || flags.logFormat === 'pretty' ? flags.logFormat : undefined,
  });
  const runner = execRunner(flags.netns);
  const iptables = new Iptables(runner);
  if (flags.cleanup) {
    const removed = await iptables.cleanup();
    logger.info({ removed }, `removed ${removed.length} chains`);
    return;
  }
  logger.info({ server: flags.server, nodeName: flags.nodeName, nodeIP: flags.nodeIp || undefined, netns: flags.netns || undefined }, 'starting proxy');
  const server = new ProxyServer({
    server: flags.server,
    nodeName: flags.nodeName,
    clusterCIDR: flags.clusterCidr,
    masqueradeAll: flags.masqueradeAll,
    minSyncPeriodMs: flags.minSyncPeriod,
    syncPeriodMs: flags.iptablesSyncPeriod,
    iptables,
    conntrack: new Conntrack(runner, logger),
    logger,
  });
  const shutdown = (signal: string): void => {
    // Rules stay in place on exit, as kube-proxy's do: a restarted proxy replaces them.
    logger.info({ signal }, 'shutting down');
    void server.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await server.start();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`Error: ${err instanceof FlagError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
