import { createLogger } from '@minik8s/logging';
import { FlagError, parseFlags } from '@minik8s/flags';
import { FLAGS } from './options';
import { startSchedulerServer } from './server';

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags('minik8s scheduler', 'The minik8s scheduler: assigns pending pods to nodes.', FLAGS, argv);
  if (!flags) return;
  const logger = createLogger({
    component: 'scheduler',
    level: flags.logLevel || undefined,
    verbosity: flags.v,
    format: flags.logFormat === 'json' || flags.logFormat === 'pretty' ? flags.logFormat : undefined,
  });
  const server = await startSchedulerServer(flags, logger);
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    void server.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  const { lostLeadership } = await server.done;
  if (lostLeadership) {
    logger.error('leaderelection lost');
    process.exit(1);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`Error: ${err instanceof FlagError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
