import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { onCleanup } from './harness';

/**
 * The network the `network` suite measures in, made of namespaces it creates and removes:
 *
 *   client pods 10.244.1.3, 10.244.1.4 ──veths──┐
 *                                 node 10.244.1.1 (br0) ──veth── pod 10.244.1.2:8080
 *   outside client 192.168.77.2 ──veth── 192.168.77.1
 *                                 (the proxy programs the node namespace's iptables)
 *
 * The client pods are the case Services are for: a pod reaching another pod on the same node's
 * bridge, straight (10.244.1.3) or through a ClusterIP the node DNATs (10.244.1.4), with no
 * masquerade (their source is in the cluster CIDR), as in Kubernetes. One client per target,
 * because one client alternating between the two would reuse, through the ClusterIP, the
 * 4-tuples its direct connections left in TIME_WAIT at the server (and the other way round):
 * their TCP timestamps come from unrelated per-connection offsets, so about half of those SYNs
 * fail the TIME_WAIT socket's PAWS check and wait a second to be sent again, in both runs.
 *
 * The outside client, routed through the node, is masqueraded to the node's address on its way
 * through a ClusterIP (kube-proxy's rule for sources outside the cluster CIDR); the suite reports
 * it as a second case.
 */
/** The client pod that connects straight to the pod IP. */
export const DIRECT_CLIENT_POD_IP = '10.244.1.3';
/** The client pod that connects through the ClusterIP. */
export const SERVICE_CLIENT_POD_IP = '10.244.1.4';
export const OUTSIDE_CLIENT_IP = '192.168.77.2';
export const NODE_IP = '192.168.77.1';
export const POD_IP = '10.244.1.2';
export const POD_PORT = 8080;

/** Namespaces are named `<prefix>-<pid of the bench>-<random>-<role>`. */
const NETNS_PREFIX = 'minik8s-netbench';

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the namespaces of earlier runs whose bench process is gone (killed with SIGKILL, so
 * its cleanup never ran). Their processes exit by themselves (see HTTP_SERVER), and the veths and
 * iptables rules live in the namespaces, so nothing else is left behind.
 */
function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  const pattern = new RegExp(`^${NETNS_PREFIX}-(\\d+)-`);
  for (const line of sh('ip', ['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0];
    const m = pattern.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    if (spawnSync('ip', ['netns', 'del', name]).status === 0) removed.push(name);
  }
  return removed;
}

export class BenchTopology {
  readonly prefix = `${NETNS_PREFIX}-${process.pid}-${randomBytes(2).toString('hex')}`;
  readonly node = `${this.prefix}-node`;
  /** The server pod. */
  readonly pod = `${this.prefix}-pod`;
  readonly directClientPod = `${this.prefix}-cpod1`;
  readonly serviceClientPod = `${this.prefix}-cpod2`;
  readonly outsideClient = `${this.prefix}-ext`;
  private readonly children = new Set<ChildProcess>();
  private readonly created: string[] = [];

  exec(ns: string, cmd: string, ...args: string[]): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
  }

  /** Builds the namespaces and links; everything goes again on cleanup (also on error and Ctrl-C). */
  create(): void {
    onCleanup(() => this.destroy());
    const stale = removeStaleNamespaces();
    if (stale.length > 0) process.stdout.write(`\n(removed ${stale.length} network namespaces left by an earlier run that was killed)\n`);
    for (const ns of [this.node, this.pod, this.directClientPod, this.serviceClientPod, this.outsideClient]) {
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
    // Kubernetes requires br_netfilter for the iptables proxy: the reply of a pod to a client pod
    // on the same bridge is bridged, and only with this does it pass conntrack to be un-DNATed.
    try {
      this.exec(this.node, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1');
    } catch {
      throw new Error('net.bridge.bridge-nf-call-iptables is missing: load the br_netfilter module (`modprobe br_netfilter`), as Kubernetes nodes do');
    }
    this.exec(this.node, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    this.exec(this.node, 'ip', 'addr', 'add', '10.244.1.1/24', 'dev', 'br0');
    this.exec(this.node, 'ip', 'link', 'set', 'br0', 'up');
    const pods = [
      [this.pod, 'veth-pod', POD_IP],
      [this.directClientPod, 'veth-cpod1', DIRECT_CLIENT_POD_IP],
      [this.serviceClientPod, 'veth-cpod2', SERVICE_CLIENT_POD_IP],
    ] as const;
    for (const [ns, veth, ip] of pods) {
      link(this.node, veth, ns, 'eth0');
      this.exec(this.node, 'ip', 'link', 'set', veth, 'master', 'br0');
      this.exec(ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
      this.exec(ns, 'ip', 'route', 'add', 'default', 'via', '10.244.1.1');
    }
    link(this.node, 'veth-ext', this.outsideClient, 'eth0');
    this.exec(this.node, 'ip', 'addr', 'add', `${NODE_IP}/24`, 'dev', 'veth-ext');
    this.exec(this.outsideClient, 'ip', 'addr', 'add', `${OUTSIDE_CLIENT_IP}/24`, 'dev', 'eth0');
    this.exec(this.outsideClient, 'ip', 'route', 'add', 'default', 'via', NODE_IP);
  }

  /**
   * Runs `args` in `ns` until cleanup; resolves once it prints `ready`. Its stdin is a pipe from
   * this process, so a program that exits when stdin closes (HTTP_SERVER) goes with the bench.
   */
  async start(ns: string, args: readonly string[], timeoutMs = 20_000): Promise<ChildProcess> {
    const child = this.track(spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
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

  /** Remembers `child` until it exits, to kill it on cleanup. */
  track(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  async destroy(): Promise<void> {
    for (const child of [...this.children]) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    this.children.clear();
    for (const ns of this.created.splice(0).reverse()) spawnSync('ip', ['netns', 'del', ns]);
  }
}

/**
 * An HTTP server that answers every request with a short body, new connection or not, and exits
 * when its stdin closes (the bench gone, however it ended).
 */
export const HTTP_SERVER = [
  process.execPath,
  '-e',
  `process.stdin.on('end', () => process.exit(0)).resume();
require('http').createServer((req, res) => res.end('ok')).listen(${POD_PORT}, '0.0.0.0', 511, () => console.log('ready'));`,
];

/** CPU seconds (user + system) process `pid` has used so far, from /proc; NaN if unknown. */
export function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/** The TcpExt counters in the text of /proc/net/netstat (a line of names, then one of values). */
export function parseTcpExt(netstat: string): Map<string, number> {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const out = new Map<string, number>();
  if (lines.length < 2) return out;
  const names = lines[0].trim().split(/\s+/).slice(1);
  const values = lines[1].trim().split(/\s+/).slice(1);
  names.forEach((n, i) => out.set(n, Number(values[i])));
  return out;
}

/**
 * The TcpExt counters of a namespace (/proc/net/netstat as seen from inside it), e.g.
 * TCPSynRetrans (SYNs sent again after a timeout) and PAWSTimewait (SYNs a TIME_WAIT socket
 * turned away because their timestamp was older than the last one it saw).
 */
export function tcpExtCounters(topo: BenchTopology, ns: string): Map<string, number> {
  return parseTcpExt(topo.exec(ns, 'cat', '/proc/net/netstat'));
}

/**
 * The load: `concurrency` closed-loop workers, each request on a new TCP connection (so every
 * request passes the nat table's rules, as a new connection through a Service does), for
 * `durationMs`. Prints {count, errors, rps, p50, p99, max} in ms, and its own CPU seconds. Exits
 * early when its stdin closes (the bench gone).
 */
const LOAD_SCRIPT = `
process.stdin.on('end', () => process.exit(1)).resume();
const http = require('http');
const [host, port, concurrency, durationMs] = process.argv.slice(1).map((v, i) => (i === 0 ? v : Number(v)));
const lat = [];
let errors = 0;
let firstError;
const cpu0 = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  const pct = (p) => (lat.length ? lat[Math.max(0, Math.ceil((p / 100) * lat.length) - 1)] : NaN);
  console.log(JSON.stringify({ count: lat.length, errors, firstError, rps: (lat.length / wall) * 1000, p50: pct(50), p99: pct(99), max: pct(100), cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
  process.exit(0);
});
`;

export interface LoadResult {
  count: number;
  errors: number;
  firstError?: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** CPU seconds the load generator used. */
  cpuSeconds: number;
}

export function runLoad(topo: BenchTopology, ns: string, host: string, port: number, concurrency: number, durationMs: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = topo.track(
      spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', LOAD_SCRIPT, host, String(port), String(concurrency), String(durationMs)], {
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited with ${code ?? signal}: ${err}`))));
  });
}
