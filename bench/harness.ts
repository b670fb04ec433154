import { ApiServerHarness, EtcdHarness } from '@minik8s/testing';

/** The prefix the benchmark's apiserver stores objects under. */
export const API_PREFIX = '/registry';

export interface BenchCluster {
  etcd: EtcdHarness;
  apiserver: ApiServerHarness;
  stop(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
let signalsHooked = false;

/** Runs every registered cleanup once, newest first; never throws. */
export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      await cleanup?.();
    } catch (err) {
      process.stderr.write(`cleanup failed: ${(err as Error).message}\n`);
    }
  }
}

/** On Ctrl-C or SIGTERM: stop what we started, then exit 130/143. */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    process.stderr.write(`\n${signal}: stopping the benchmark's etcd and apiserver...\n`);
    void runCleanups().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
}

/** Registers `cleanup` to run at the end, on error and on Ctrl-C. */
export function onCleanup(cleanup: () => Promise<void>): void {
  hookSignals();
  cleanups.push(cleanup);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops the apiserver politely, and with SIGKILL if it has not exited after 5 s. */
async function stopApiServer(apiserver: ApiServerHarness): Promise<void> {
  if ((await withTimeout(apiserver.stop(), 5000)) === 'timeout') await apiserver.kill('SIGKILL');
}

/** A fresh etcd (temp dir, free ports) and one apiserver on it; both stopped on exit. */
export async function startCluster(): Promise<BenchCluster> {
  hookSignals();
  const etcd = await EtcdHarness.start();
  onCleanup(() => etcd.stop());
  let apiserver: ApiServerHarness;
  try {
    apiserver = await ApiServerHarness.start({ etcdEndpoint: etcd.endpoint, etcdPrefix: API_PREFIX });
  } catch (err) {
    await runCleanups();
    throw err;
  }
  onCleanup(() => stopApiServer(apiserver));
  return { etcd, apiserver, stop: runCleanups };
}

/** Fetches a Prometheus text page. */
export async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.text();
}
