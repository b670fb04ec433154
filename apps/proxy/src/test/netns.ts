import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A throwaway network topology for integration tests: every namespace is named
 * `minik8s-proxy-test-<random>-<role>`, the veths are created directly inside those namespaces
 * (nothing appears in the host's namespace), and `destroy()` removes them all. The host's own
 * iptables and routes are never touched.
 */

/** Why the netns tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const [cmd, args] of [['ip', ['netns', 'list']], ['iptables-restore', ['--version']]] as const) {
    const res = spawnSync(cmd, args, { encoding: 'utf8' });
    if (res.error || res.status !== 0) return `\`${cmd} ${args.join(' ')}\` is unavailable: ${res.error?.message ?? res.stderr}`;
  }
  return undefined;
}

export function sh(cmd: string, args: readonly string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export class Topology {
  readonly prefix = `minik8s-proxy-test-${randomBytes(3).toString('hex')}`;
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  ns(role: string): string {
    return `${this.prefix}-${role}`;
  }

  addNamespace(role: string): string {
    const name = this.ns(role);
    sh('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.exec(name, 'ip', ['link', 'set', 'lo', 'up']);
    return name;
  }

  exec(ns: string, cmd: string, args: readonly string[], input?: string): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args], input);
  }

  /** A veth pair from `aNs` (`aName`) to `bNs` (`bName`), both ends up. */
  link(aNs: string, aName: string, bNs: string, bName: string): void {
    sh('ip', ['link', 'add', aName, 'netns', aNs, 'type', 'veth', 'peer', 'name', bName, 'netns', bNs]);
    this.exec(aNs, 'ip', ['link', 'set', aName, 'up']);
    this.exec(bNs, 'ip', ['link', 'set', bName, 'up']);
  }

  /** Starts a long-running process inside `ns`; killed by `destroy()`. Resolves once it prints `ready`. */
  async start(ns: string, args: readonly string[], timeoutMs = 10_000): Promise<ChildProcess> {
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${args.join(' ')} in ${ns} not ready in ${timeoutMs}ms: ${out}`)), timeoutMs);
      const onData = (d: Buffer): void => {
        out += d.toString();
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${args.join(' ')} in ${ns} exited with ${code}: ${out}`));
      });
    });
    return child;
  }

  async destroy(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      }
    }
    for (const ns of this.namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    this.namespaces.length = 0;
  }
}

/** A TCP server on `port` in its namespace that answers every connection with `name`. */
export const ECHO_SERVER = (name: string, port: number): string[] => [
  process.execPath,
  '-e',
  `require('net').createServer((s) => { s.on('error', () => {}); s.end(${JSON.stringify(name)}); }).listen(${port}, '0.0.0.0', () => console.log('ready'));`,
];

/** A TCP server on `port` that answers every connection with the address it came from. */
export const PEER_ECHO_SERVER = (port: number): string[] => [
  process.execPath,
  '-e',
  `require('net').createServer((s) => { s.on('error', () => {}); s.end(s.remoteAddress); }).listen(${port}, '0.0.0.0', () => console.log('ready'));`,
];

const CLIENT_SCRIPT = `
const net = require('net');
const [host, port, count, timeoutMs] = process.argv.slice(1);
(async () => {
  const out = [];
  for (let i = 0; i < Number(count); i++) {
    out.push(await new Promise((resolve) => {
      let data = '';
      const s = net.connect({ host, port: Number(port) });
      const t = setTimeout(() => { s.destroy(); resolve('TIMEOUT'); }, Number(timeoutMs));
      s.on('data', (d) => (data += d));
      s.on('end', () => { clearTimeout(t); resolve(data); });
      s.on('error', (e) => { clearTimeout(t); resolve(e.code || e.message); });
    }));
  }
  console.log(JSON.stringify(out));
})();
`;

/** Makes `count` TCP connections from inside `ns`, one after another; returns each answer or error code. */
export function connectMany(ns: string, host: string, port: number, count: number, timeoutMs = 2000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', CLIENT_SCRIPT, host, String(port), String(count), String(timeoutMs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`client exited with ${code}: ${err}`));
      else resolve(JSON.parse(out) as string[]);
    });
  });
}

/** A UDP server on `port` that answers every datagram with `name`. */
export const UDP_ECHO_SERVER = (name: string, port: number): string[] => [
  process.execPath,
  '-e',
  `const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => s.send(${JSON.stringify(name)}, r.port, r.address)); s.bind(${port}, '0.0.0.0', () => console.log('ready'));`,
];

/** A TCP server on `port` that echoes back whatever each connection sends, for as long as it stays open. */
export const TCP_ECHO_SERVER = (port: number): string[] => [
  process.execPath,
  '-e',
  `require('net').createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(${port}, '0.0.0.0', () => console.log('ready'));`,
];

/**
 * A UDP client in `ns` that sends to `host:port` every `everyMs` from one fixed source port, so
 * all its datagrams are one conntrack flow; `answers` collects the replies in order.
 */
export class UdpPinger {
  readonly answers: string[] = [];
  private readonly child: ChildProcess;

  constructor(ns: string, host: string, port: number, sourcePort: number, everyMs = 100) {
    const script = `const s = require('dgram').createSocket('udp4');
      s.on('message', (m) => console.log(m.toString()));
      s.bind(${sourcePort}, () => setInterval(() => s.send('ping', ${port}, ${JSON.stringify(host)}), ${everyMs}));`;
    this.child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      this.answers.push(...lines.filter(Boolean));
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** One long-lived TCP connection from `ns`: `send` writes a line and resolves with what comes back. */
export class HeldConnection {
  private readonly child: ChildProcess;
  private buf = '';
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;

  constructor(ns: string, host: string, port: number) {
    const script = `const s = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port} });
      s.on('connect', () => console.log('connected'));
      s.on('data', (d) => process.stdout.write(d));
      s.on('close', () => { console.log('closed'); process.exit(0); });
      s.on('error', (e) => console.log('error ' + (e.code || e.message)));
      process.stdin.on('data', (d) => s.write(d));`;
    this.child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        this.lines.push(line);
        this.waiter?.();
      }
    });
  }

  /** Resolves with the next line the connection prints (`connected`, an echo, `closed`, `error …`), or `TIMEOUT`. */
  next(timeoutMs = 5000): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve('TIMEOUT');
      }, timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(this.lines.shift() ?? '');
      };
    });
  }

  send(text: string, timeoutMs = 5000): Promise<string> {
    const answer = this.next(timeoutMs);
    this.child.stdin?.write(`${text}\n`);
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}
