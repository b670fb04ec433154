// minictl's kubeconfig-shaped file (`~/.minik8s/config`): clusters with a server address, contexts
// naming a cluster and a namespace, and the current context.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

export const DEFAULT_SERVER = '127.0.0.1:6443';
export const DEFAULT_NAMESPACE = 'default';

export interface NamedCluster {
  name: string;
  cluster: { server: string };
}

export interface NamedContext {
  name: string;
  context: { cluster: string; namespace?: string; user?: string };
}

export interface KubeConfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: NamedCluster[];
  contexts: NamedContext[];
  'current-context': string;
  preferences: Record<string, never>;
  users: { name: string; user: Record<string, unknown> }[];
}

/** A config file that cannot be read. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function emptyConfig(): KubeConfig {
  return { apiVersion: 'v1', kind: 'Config', clusters: [], contexts: [], 'current-context': '', preferences: {}, users: [] };
}

/** Which file to use: `--kubeconfig`, then `MINIK8S_CONFIG`, then `~/.minik8s/config`. */
export function configPath(flag: string, env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  return flag || env.MINIK8S_CONFIG || join(homeDir, '.minik8s', 'config');
}

function asArray<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** Reads the file; a missing file is an empty config. */
export function loadConfig(path: string): KubeConfig {
  if (!existsSync(path)) return emptyConfig();
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`error loading config file "${path}": ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return emptyConfig();
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`error loading config file "${path}": not a YAML map`);
  const raw = doc as Record<string, unknown>;
  return {
    ...emptyConfig(),
    clusters: asArray<NamedCluster>(raw.clusters).filter((c) => c && typeof c.name === 'string'),
    contexts: asArray<NamedContext>(raw.contexts).filter((c) => c && typeof c.name === 'string'),
    'current-context': typeof raw['current-context'] === 'string' ? raw['current-context'] : '',
    users: asArray(raw.users),
  };
}

export function saveConfig(path: string, config: KubeConfig): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringify(config, { indentSeq: false }), { mode: 0o600 });
}

export function findContext(config: KubeConfig, name: string): NamedContext | undefined {
  return config.contexts.find((c) => c.name === name);
}

export function findCluster(config: KubeConfig, name: string): NamedCluster | undefined {
  return config.clusters.find((c) => c.name === name);
}

export interface Connection {
  server: string;
  namespace: string;
  /** Whether the namespace was given with -n (commands refuse manifests for another namespace then). */
  namespaceFromFlag: boolean;
}

export interface ConnectionFlags {
  server: string;
  namespace: string;
  context: string;
}

/**
 * Where to connect and which namespace to use. Server: `--server`, then `MINIK8S_SERVER`, then the
 * context's cluster, then 127.0.0.1:6443. Namespace: `-n`, then the context's, then `default`.
 */
export function resolveConnection(config: KubeConfig, flags: ConnectionFlags, env: Readonly<Record<string, string | undefined>>): Connection {
  const contextName = flags.context || config['current-context'];
  if (flags.context && !findContext(config, flags.context)) {
    throw new ConfigError(`context was not found for specified context: ${flags.context}`);
  }
  const context = contextName ? findContext(config, contextName)?.context : undefined;
  const cluster = context ? findCluster(config, context.cluster)?.cluster : undefined;
  const server = flags.server || env.MINIK8S_SERVER || cluster?.server || DEFAULT_SERVER;
  return {
    server: stripScheme(server),
    namespace: flags.namespace || context?.namespace || DEFAULT_NAMESPACE,
    namespaceFromFlag: Boolean(flags.namespace),
  };
}

/** `https://host:port` and `grpc://host:port` both mean host:port to the gRPC client. */
export function stripScheme(server: string): string {
  return server.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '');
}
