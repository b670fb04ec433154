import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = join(__dirname, '..', '..', '..');

/** The compose cluster's fixed addresses (deploy/compose/docker-compose.yml). */
export const COMPOSE = {
  apiserver: '172.31.250.6:6443',
  nodeIp: (k: number): string => `172.31.250.${10 + k}`,
} as const;

/** Runs docker-compose on the cluster (scripts/compose.sh), with the state dir `npm run up` used. */
export async function compose(args: string[], minik8sHome?: string): Promise<string> {
  const env = minik8sHome ? { ...process.env, MINIK8S_HOME: minik8sHome } : process.env;
  const { stdout } = await run('bash', [join(ROOT, 'scripts', 'compose.sh'), ...args], { env, timeout: 180_000 });
  return stdout;
}

/** Runs minictl against `server`, returning its stdout; a non-zero exit rejects with its stderr. */
export async function minictl(server: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'minictl.js'), `--server=${server}`, ...args], { timeout: 60_000 });
  return stdout;
}
