import { createLogger } from '@minik8s/logging';
import { FlagError, parseFlags } from '@minik8s/flags';
import { DnsServer } from './dns-server';
import { FLAGS, resolveOptions } from './options';

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags('minik8s dns', 'The minik8s cluster DNS: answers for Services and pods in the cluster domain and forwards other names upstream.', FLAGS, argv);
  if (!flags) return;
  const logger = createLogger({
    component: 'dns',
    level: flags.logLevel || undefined,
    verbosity: flags.v,
    format: flags.logFormat === 'json' || flags.logFormat === 'pretty' ? flags.logFormat : undefined,
  });
  const { domain, upstreams } = resolveOptions(flags);
  if (upstreams.length === 0) logger.warn('no upstream nameservers: names outside the cluster domain get SERVFAIL');
  logger.info({ server: flags.server, upstreams: upstreams.map((u) => `${u.host}:${u.port}`) }, 'starting DNS');
  const server = new DnsServer({
    server: flags.server,
    bindAddress: flags.bindAddress,
    port: flags.port,
    domain,
    upstreams,
    ttl: flags.ttl,
    healthPort: flags.healthPort,
    upstreamTimeoutMs: flags.upstreamTimeout,
    logger,
  });
  const shutdown = (signal: string): void => {
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
