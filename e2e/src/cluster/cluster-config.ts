import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

interface ClientConfig {
  clusters?: { name: string; cluster?: { server?: string } }[];
  contexts?: { name: string; context?: { cluster?: string } }[];
  'current-context'?: string;
}

/** ~/.minik8s/config, or the one under MINIK8S_HOME, as `npm run up` writes it. */
export function configPath(home = process.env.MINIK8S_HOME ?? join(homedir(), '.minik8s')): string {
  return join(home, 'config');
}

/** The apiserver address (host:port) the config's current context names, if there is one. */
export function serverFromConfig(path = configPath()): string | undefined {
  if (!existsSync(path)) return undefined;
  const config = parse(readFileSync(path, 'utf8')) as ClientConfig | null;
  const context = config?.contexts?.find((c) => c.name === config['current-context']);
  const cluster = config?.clusters?.find((c) => c.name === context?.context?.cluster);
  return cluster?.cluster?.server || undefined;
}
