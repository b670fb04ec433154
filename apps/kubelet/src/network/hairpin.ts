/**
 * The pure half of the kubelet's `--hairpin-mode`: how a pod's packet to its own Service, DNATed
 * back to the pod by the proxy, may leave the pod bridge by the port it came in on. With
 * br_netfilter on (Docker turns it on), such a packet is bridged straight back to the pod's veth,
 * and a bridge drops a frame going out of its ingress port unless that port is in hairpin mode.
 */

/** Kubernetes' values for `--hairpin-mode`. */
export const HAIRPIN_MODES = ['hairpin-veth', 'promiscuous-bridge', 'none'] as const;
export type HairpinMode = (typeof HAIRPIN_MODES)[number];

export function isHairpinMode(value: string): value is HairpinMode {
  return (HAIRPIN_MODES as readonly string[]).includes(value);
}

/** One port of the pod bridge, from `ip -d -o link show master <bridge>`. */
export interface BridgePort {
  name: string;
  hairpin: boolean;
}

/**
 * Parses `ip -d -o link show master <bridge>`: one line per port, e.g.
 * `7417: veth1cdd591@if7416: <BROADCAST,...> ... bridge_slave state forwarding ... hairpin off ...`.
 */
export function parseBridgePorts(output: string): BridgePort[] {
  const out: BridgePort[] = [];
  for (const line of output.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(?:@\S+)?:/.exec(line);
    if (!m) continue;
    out.push({ name: m[1], hairpin: /\bhairpin on\b/.test(line) });
  }
  return out;
}

/** The `ip` arguments that put one bridge port in hairpin mode (netlink: works with /sys read-only). */
export function hairpinOnArgs(port: string): string[] {
  return ['link', 'set', 'dev', port, 'type', 'bridge_slave', 'hairpin', 'on'];
}

/** Whether `ip -o link show dev <bridge>` shows the PROMISC flag. */
export function isPromiscuous(output: string): boolean {
  const flags = /<([^>]*)>/.exec(output)?.[1] ?? '';
  return flags.split(',').includes('PROMISC');
}

/**
 * Whether a line of `ip -o monitor link` may change what the bridge needs: a port joining or
 * leaving it, or the bridge itself appearing or going. Without a known bridge yet, any port
 * joining any bridge may be the first one of ours.
 */
export function linkEventConcerns(line: string, bridge: string | undefined): boolean {
  if (!bridge) return / master \S/.test(line);
  return line.includes(` master ${bridge} `) || line.includes(` ${bridge}:`);
}
