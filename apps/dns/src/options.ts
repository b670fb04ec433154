import { readFileSync } from 'node:fs';
import { FlagError, type FlagSpec, type FlagValues } from '@minik8s/flags';
import { parseUpstream, resolvConfNameservers, type Upstream } from './forwarder';

/** The DNS add-on's flags. */
export const FLAGS = {
  server: { type: 'string', description: 'The address (host:port) of the apiserver.', default: '127.0.0.1:6443' },
  bindAddress: { type: 'string', description: 'The IP address on which to serve DNS (UDP and TCP) and the health port.', default: '0.0.0.0' },
  port: { type: 'number', description: 'The port on which to serve DNS over UDP and TCP (0 picks a free one).', default: 53 },
  domain: { type: 'string', description: 'The cluster domain this server is authoritative for.', default: 'cluster.local' },
  upstream: { type: 'list', description: 'Nameservers (ip or ip:port) for names outside the cluster domain, comma separated (default: the nameservers of --resolv-conf).' },
  resolvConf: { type: 'string', description: 'The resolv.conf whose nameservers are the upstreams when --upstream is not given.', default: '/etc/resolv.conf' },
  ttl: { type: 'number', description: 'The TTL, in seconds, of the cluster records and of negative answers.', default: 30 },
  upstreamTimeout: { type: 'number', description: 'Milliseconds each upstream gets to answer before the next is tried.', default: 2000 },
  healthPort: { type: 'number', description: 'The port on which to serve /healthz and /ready over HTTP (0 picks a free one, -1 disables).', default: 8080 },
  logLevel: { type: 'string', description: 'Log level: fatal, error, warn, info, debug, trace.' },
  v: { type: 'number', description: 'Log verbosity, klog style (2 = debug, 4 = trace).', default: 0 },
  logFormat: { type: 'string', description: 'Log format: json or pretty (default: pretty on a terminal).' },
} satisfies Record<string, FlagSpec>;

export type DnsFlags = FlagValues<typeof FLAGS>;

function checkPort(value: number, flag: string, min: number): void {
  if (!Number.isInteger(value) || value < min || value > 65535) {
    throw new FlagError(`invalid argument "${value}" for "--${flag}" flag: must be an integer from ${min} to 65535`);
  }
}

/** Checks the flags and works out the upstreams; `readFile` is replaceable for tests. */
export function resolveOptions(
  flags: DnsFlags,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): { domain: string; upstreams: Upstream[] } {
  checkPort(flags.port, 'port', 0);
  checkPort(flags.healthPort, 'health-port', -1);
  if (!Number.isInteger(flags.ttl) || flags.ttl < 0 || flags.ttl > 0x7fffffff) {
    throw new FlagError(`invalid argument "${flags.ttl}" for "--ttl" flag: must be a non-negative integer`);
  }
  const domain = flags.domain.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(domain)) {
    throw new FlagError(`invalid argument "${flags.domain}" for "--domain" flag: not a DNS domain`);
  }
  let sources = flags.upstream;
  if (sources.length === 0) {
    try {
      sources = resolvConfNameservers(readFile(flags.resolvConf));
    } catch (err) {
      throw new FlagError(`no --upstream given and ${flags.resolvConf} is unreadable: ${(err as Error).message}`);
    }
  }
  const upstreams: Upstream[] = [];
  for (const s of sources) {
    try {
      upstreams.push(parseUpstream(s));
    } catch (err) {
      throw new FlagError(`invalid argument "${s}" for "--upstream" flag: ${(err as Error).message}`);
    }
  }
  return { domain, upstreams };
}
