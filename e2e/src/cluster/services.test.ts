import { describe, expect, it } from 'vitest';
import { Deployments, EndpointsKind, Pods, Services } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { kubiaDeployment, kubiaService, scriptPod } from './manifests';
import { useScenario } from './scenario';

const s = useScenario('services');

describe('a Service across nodes', () => {
  it('is reached by ClusterIP and DNS name from a pod on the other node, and by NodePort from the host', async () => {
    const nodes = await s.readyNodes();
    expect(nodes.length).toBeGreaterThanOrEqual(2);
    const [serverNode, clientNode] = nodes;
    // The backends all on one node, the client on another: every request crosses nodes.
    await s.client.resource(Deployments).namespace(s.ns).create(kubiaDeployment(2, { nodeSelector: { 'kubernetes.io/hostname': serverNode.name } }));
    const svc = await s.client.resource(Services).namespace(s.ns).create(kubiaService('NodePort'));
    const clusterIP = svc.spec?.clusterIP ?? '';
    const nodePort = svc.spec?.ports?.[0]?.nodePort ?? 0;
    expect(clusterIP).toMatch(/^10\.(9[6-9]|1[01]\d)\./);
    expect(nodePort).toBeGreaterThanOrEqual(30000);

    await waitFor(
      async () => {
        const ep = await s.client.resource(EndpointsKind).namespace(s.ns).get('kubia');
        return (ep.subsets ?? []).flatMap((ss) => ss.addresses ?? []).length === 2;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, description: 'two ready kubia endpoints' },
    );

    const name = `kubia.${s.ns}.svc.cluster.local`;
    // Retries inside the pod ride out the proxy and DNS catching up; the pod's phase is the verdict.
    // (`timeout`, not wget's -T: Debian's static busybox wget crashes with -T.)
    const script = [
      'for i in $(seq 1 60); do',
      `  if timeout 5 wget -q -O /tmp/by-ip http://${clusterIP}/ && timeout 5 wget -q -O /tmp/by-name http://${name}/ &&`,
      `     grep -q "You've hit kubia" /tmp/by-ip && grep -q "You've hit kubia" /tmp/by-name; then cat /tmp/by-ip /tmp/by-name; exit 0; fi`,
      '  sleep 1',
      'done',
      'exit 1',
    ].join('\n');
    await s.client.resource(Pods).namespace(s.ns).create(scriptPod('client', script, { nodeName: clientNode.name }));
    const client = await s.waitForPod('client', (p) => ['Succeeded', 'Failed'].includes(p.status?.phase ?? ''), 'finished', 180_000);
    expect(client.spec?.nodeName).toBe(clientNode.name);
    expect(client.status?.phase).toBe('Succeeded');

    // NodePort: every node answers, whether or not it runs a backend.
    for (const node of nodes) {
      const body = await waitFor(
        async () => {
          const res = await fetch(`http://${node.ip}:${nodePort}/`, { signal: AbortSignal.timeout(5_000) });
          return res.ok ? (await res.text()).trim() : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1_000, description: `NodePort ${nodePort} on ${node.name}` },
      );
      expect(body).toMatch(/^You've hit kubia-/);
    }
  });
});
