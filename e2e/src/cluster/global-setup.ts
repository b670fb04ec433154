import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ApiClient, Nodes } from '@minik8s/client';
import { serverFromConfig } from './cluster-config';
import { COMPOSE, ROOT } from './compose';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The apiserver (host:port) of the cluster the scenarios run against. */
    e2eServer: string;
    /** MINIK8S_HOME of the compose cluster this setup started ('' when it reused one). */
    e2eComposeHome: string;
  }
}

/** Whether `server` answers with at least two Ready nodes: a cluster the scenarios can run on. */
async function multiNodeCluster(server: string): Promise<boolean> {
  const client = new ApiClient(server, { timeoutMs: 5_000 });
  try {
    const nodes = await client.resource(Nodes).list();
    return nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length >= 2;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/**
 * Picks the cluster for the scenarios: MINIK8S_E2E_SERVER, else the one ~/.minik8s/config names,
 * else a running compose cluster; when none answers with two Ready nodes (a fresh CI machine), it
 * brings the compose cluster up with `npm run up`'s own script, in a state dir of its own so the
 * user's config is untouched, and removes it after the run. MINIK8S_E2E_NO_START=1 (`npm run e2e`)
 * fails instead of starting one.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const candidates = [process.env.MINIK8S_E2E_SERVER, serverFromConfig(), COMPOSE.apiserver].filter((s): s is string => !!s);
  for (const server of candidates) {
    if (await multiNodeCluster(server)) {
      project.provide('e2eServer', server);
      project.provide('e2eComposeHome', '');
      return undefined;
    }
  }
  if (process.env.MINIK8S_E2E_NO_START === '1' || process.env.MINIK8S_E2E_SERVER) {
    throw new Error(`no multi-node cluster answers at ${candidates.join(', ')} (start one with npm run up)`);
  }
  const home = mkdtempSync(join(tmpdir(), 'minik8s-e2e-cluster-'));
  const env = { ...process.env, MINIK8S_HOME: home };
  const started = Date.now();
  const up = spawnSync('bash', [join(ROOT, 'scripts', 'up-compose.sh'), '--no-demo'], { env, stdio: ['ignore', 'inherit', 'inherit'], timeout: 1_500_000 });
  if (up.status !== 0) {
    spawnSync('bash', [join(ROOT, 'scripts', 'down.sh')], { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
    throw new Error(`bringing the compose cluster up failed (exit ${up.status ?? up.signal})`);
  }
  process.stderr.write(`e2e: compose cluster up in ${Math.round((Date.now() - started) / 1000)}s\n`);
  project.provide('e2eServer', COMPOSE.apiserver);
  project.provide('e2eComposeHome', home);
  // Asynchronous, so vitest can wind its workers down while the cluster goes.
  return async () => {
    if (process.env.MINIK8S_E2E_KEEP !== '1') {
      await new Promise<void>((resolve) => spawn('bash', [join(ROOT, 'scripts', 'down.sh')], { env, stdio: 'inherit' }).on('close', () => resolve()));
    }
    rmSync(home, { recursive: true, force: true });
  };
}
