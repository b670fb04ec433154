import type { Logger } from '@minik8s/logging';
import type { CommandRunner } from '@minik8s/exec';
import { usableEndpoints, type ServicePortInfo } from './rules/model';

/** One conntrack flush the proxy wants after a sync. */
export interface ConntrackFlush {
  /** Why, for the log. */
  reason: string;
  args: string[];
}

function udpTargets(sp: ServicePortInfo): string[] {
  const ips = [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs];
  return ips;
}

/**
 * The UDP conntrack entries that would keep sending packets the wrong way after a change:
 * entries to a service IP created while it had no endpoints (they hold the REJECT verdict),
 * and entries DNATed to an endpoint that is gone. TCP needs none: its connections reset.
 */
export function staleUdpFlushes(before: readonly ServicePortInfo[], after: readonly ServicePortInfo[]): ConntrackFlush[] {
  const key = (sp: ServicePortInfo): string => `${sp.namespace}/${sp.name}:${sp.portName}/${sp.protocol}`;
  const old = new Map(before.filter((sp) => sp.protocol === 'UDP').map((sp) => [key(sp), sp]));
  const flushes: ConntrackFlush[] = [];
  for (const sp of after) {
    if (sp.protocol !== 'UDP') continue;
    const prev = old.get(key(sp));
    old.delete(key(sp));
    const prevEps = new Set(prev ? usableEndpoints(prev.endpoints).map((e) => `${e.ip}:${e.port}`) : []);
    const nowEps = usableEndpoints(sp.endpoints);
    if (prevEps.size === 0 && nowEps.length > 0) {
      for (const ip of udpTargets(sp)) {
        flushes.push({ reason: `${key(sp)} got endpoints`, args: ['-D', '-p', 'udp', '--orig-dst', ip, '--orig-port-dst', String(sp.port)] });
      }
      if (sp.nodePort > 0) flushes.push({ reason: `${key(sp)} got endpoints`, args: ['-D', '-p', 'udp', '--orig-port-dst', String(sp.nodePort)] });
    }
    const nowSet = new Set(nowEps.map((e) => `${e.ip}:${e.port}`));
    for (const ep of prevEps) if (!nowSet.has(ep)) flushes.push(...endpointGone(sp, ep));
  }
  for (const sp of old.values()) {
    for (const ep of usableEndpoints(sp.endpoints)) flushes.push(...endpointGone(sp, `${ep.ip}:${ep.port}`));
  }
  return flushes;
}

function endpointGone(sp: ServicePortInfo, ep: string): ConntrackFlush[] {
  const [ip] = ep.split(':');
  return udpTargets(sp).map((svcIP) => ({
    reason: `endpoint ${ep} of ${sp.namespace}/${sp.name} is gone`,
    args: ['-D', '-p', 'udp', '--orig-dst', svcIP, '--dst-nat', ip],
  }));
}

/** Runs conntrack flushes; without the conntrack tool it logs once and carries on. */
export class Conntrack {
  private missingLogged = false;

  constructor(
    private readonly run: CommandRunner,
    private readonly logger: Logger,
  ) {}

  async flush(flushes: readonly ConntrackFlush[]): Promise<void> {
    for (const f of flushes) {
      try {
        const res = await this.run('conntrack', f.args);
        // Exit 1 with "0 flow entries" just means nothing matched.
        if (res.code !== 0 && !/0 flow entries/.test(res.stderr)) {
          this.logger.warn({ args: f.args, stderr: res.stderr.trim() }, 'conntrack flush failed');
        } else {
          this.logger.debug({ args: f.args, reason: f.reason }, 'flushed stale UDP conntrack entries');
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          if (!this.missingLogged) {
            this.logger.warn('conntrack is not installed: stale UDP conntrack entries are not flushed (install the conntrack package)');
            this.missingLogged = true;
          }
          return;
        }
        throw err;
      }
    }
  }
}
