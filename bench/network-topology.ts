import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { onCleanup } from './harness';

/**
 * The network the `network` suite measures in, made of namespaces it creates and removes:
 *
 *   client 192.168.77.2 ──veth── 192.168.77.1 node 10.244.1.1 (br0) ──veth── pod 10.244.1.2:8080
 *                                 (the proxy programs this namespace's iptables)
 *
 * The client reaches the pod either straight (routed through the node) or through a ClusterIP
 * the node's rules DNAT, so the two runs differ only by the proxy's rules.
 */
export const CLIENT_IP = '192.168.77.2';
export const NODE_IP = '192.168.77.1';
export const POD_IP = '10.244.1.2';
export const POD_PORT = 8080;

export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the network suite needs root (network namespaces and iptables)';
  for (const [cmd, args] of [['ip', ['netns', 'list']], ['iptables-restore', ['--version']]] as const) {
    const res = spawnSync(cmd, args, { encoding: 'utf8' });
    if (res.error || res.status !== 0) return `\`${cmd} ${args.join(' ')}\` is unavailable`;
  }
  return undefined;
}

function sh(cmd: string, args: readonly string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
}

export class BenchTopology {
  readonly prefix = `minik8s-netbench-${randomBytes(3).toString('hex')}`;
  readonly node = `${this.prefix}-node`;
  readonly client = `${this.prefix}-client`;
  readonly pod = `${this.prefix}-pod`;
  private readonly children: ChildProcess[] = [];
  private readonly created: string[] = [];

  exec(ns: string, cmd: string, ...args: string[]): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
  }

  /** Builds the namespaces and links; everything goes again on cleanup (also on error and Ctrl-C). */
  create(): void {
    onCleanup(() => this.destroy());
    for (const ns of [this.node, this.client, this.pod]) {
      sh('ip', ['netns', 'add', ns]);
      this.created.push(ns);
      this.exec(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    const link = (aNs: string, a: string, bNs: string, b: string): void => {
      sh('ip', ['link', 'add', a, 'netns', aNs, 'type', 'veth', 'peer', 'name', b, 'netns', bNs]);
      this.exec(aNs, 'ip', 'link', 'set', a, 'up');
      this.exec(bNs, 'ip', 'link', 'set', b, 'up');
    };
    this.exec(this.node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    this.exec(this.node, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    this.exec(this.node, 'ip', 'addr', 'add', '10.244.1.1/24', 'dev', 'br0');
    this.exec(this.node, 'ip', 'link', 'set', 'br0', 'up');
    link(this.node, 'veth-pod', this.pod, 'eth0');
    this.exec(this.node, 'ip', 'link', 'set', 'veth-pod', 'master', 'br0');
    this.exec(this.pod, 'ip', 'addr', 'add', `${POD_IP}/24`, 'dev', 'eth0');
    this.exec(this.pod, 'ip', 'route', 'add', 'default', 'via', '10.244.1.1');
    link(this.node, 'veth-client', this.client, 'eth0');
    this.exec(this.node, 'ip', 'addr', 'add', `${NODE_IP}/24`, 'dev', 'veth-client');
    this.exec(this.client, 'ip', 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0');
    this.exec(this.client, 'ip', 'route', 'add', 'default', 'via', NODE_IP);
  }

  /** Runs `args` in `ns` until cleanup; resolves once it prints `ready`. */
  async start(ns: string, args: readonly string[], timeoutMs = 20_000): Promise<ChildProcess> {
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${args.join(' ')} in ${ns} not ready in ${timeoutMs}ms: ${out}`)), timeoutMs);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${args.join(' ')} in ${ns} exited with ${code}: ${out}`));
      });
    });
    return child;
  }

  async destroy(): Promise<void> {
    for (const child of this.children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    for (const ns of this.created.splice(0).reverse()) spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** An HTTP server that answers every request with a short body, new connection or not. */
export const HTTP_SERVER = [
  process.execPath,
  '-e',
  `require('http').createServer((req, res) => res.end('ok')).listen(${POD_PORT}, '0.0.0.0', 511, () => console.log('ready'));`,
];

/**
 * The load: `concurrency` closed-loop workers, each request on a new TCP connection (so every
 * request passes the nat table's rules, as a new connection through a Service does), for
 * `durationMs`. Prints {count, errors, rps, p50, p99} in ms.
 */
const LOAD_SCRIPT = `
const http = require('http');
const [host, port, concurrency, durationMs] = process.argv.slice(1).map((v, i) => (i === 0 ? v : Number(v)));
const lat = [];
let errors = 0;
let firstError;
const started = process.hrtime.bigint();
const deadline = Date.now() + durationMs;
function one() {
  return new Promise((resolve) => {
    const t = process.hrtime.bigint();
    const req = http.get({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => { lat.push(Number(process.hrtime.bigint() - t) / 1e6); resolve(); });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => { errors++; firstError ??= e.code || e.message; resolve(); });
  });
}
async function worker() { while (Date.now() < deadline) await one(); }
Promise.all(Array.from({ length: concurrency }, worker)).then(() => {
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  lat.sort((a, b) => a - b);
  const pct = (p) => (lat.length ? lat[Math.max(0, Math.ceil((p / 100) * lat.length) - 1)] : NaN);
  console.log(JSON.stringify({ count: lat.length, errors, firstError, rps: (lat.length / wall) * 1000, p50: pct(50), p99: pct(99) }));
});
`;

export interface LoadResult {
  count: number;
  errors: number;
  firstError?: string;
  rps: number;
  p50: number;
  p99: number;
}

export function runLoad(ns: string, host: string, port: number, concurrency: number, durationMs: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', LOAD_SCRIPT, host, String(port), String(concurrency), String(durationMs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited with ${code}: ${err}`))));
  });
}
