import { EndpointsKind } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import type { Scenario } from './scenario';

/** Waits until Service `name`'s Endpoints list `count` ready addresses. */
export async function waitForReadyEndpoints(s: Scenario, name: string, count: number, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const ep = await s.client.resource(EndpointsKind).namespace(s.ns).get(name);
      return (ep.subsets ?? []).flatMap((ss) => ss.addresses ?? []).length === count;
    },
    { timeoutMs, intervalMs: 1_000, description: `${count} ready ${name} endpoints` },
  );
}

/**
 * A pod script that fetches kubia by ClusterIP and by DNS name until both answer, for up to a
 * minute: retries inside the pod ride out the proxy and DNS catching up, and the pod's phase is
 * the verdict. (`timeout`, not wget's -T: Debian's static busybox wget crashes with -T.)
 */
export function kubiaByIpAndNameScript(clusterIP: string, dnsName: string): string {
  return [
    'for i in $(seq 1 60); do',
    `  if timeout 5 wget -q -O /tmp/by-ip http://${clusterIP}/ && timeout 5 wget -q -O /tmp/by-name http://${dnsName}/ &&`,
    `     grep -q "You've hit kubia" /tmp/by-ip && grep -q "You've hit kubia" /tmp/by-name; then cat /tmp/by-ip /tmp/by-name; exit 0; fi`,
    '  sleep 1',
    'done',
    'exit 1',
  ].join('\n');
}

/**
 * GETs / from `nodePort` on each node in turn, waiting on each until it answers 200, and returns
 * the trimmed bodies in node order. Every node is asked, not only those running a backend: a
 * NodePort must answer on all of them.
 */
export async function bodiesFromEveryNodePort(nodes: { name: string; ip: string }[], nodePort: number, timeoutMs = 60_000): Promise<string[]> {
  const bodies: string[] = [];
  for (const node of nodes) {
    bodies.push(
      await waitFor(
        async () => {
          const res = await fetch(`http://${node.ip}:${nodePort}/`, { signal: AbortSignal.timeout(5_000) });
          return res.ok ? (await res.text()).trim() : undefined;
        },
        { timeoutMs, intervalMs: 1_000, description: `NodePort ${nodePort} on ${node.name}` },
      ),
    );
  }
  return bodies;
}
