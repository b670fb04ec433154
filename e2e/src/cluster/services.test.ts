import { describe, expect, it } from 'vitest';
import { Deployments, Pods, Services } from '@minik8s/client';
import { kubiaDeployment, kubiaService, scriptPod } from './manifests';
import { useScenario } from './scenario';
import { bodiesFromEveryNodePort, kubiaByIpAndNameScript, waitForReadyEndpoints } from './service-checks';

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

    await waitForReadyEndpoints(s, 'kubia', 2, 180_000);

    const name = `kubia.${s.ns}.svc.cluster.local`;
    const script = kubiaByIpAndNameScript(clusterIP, name);
    await s.client.resource(Pods).namespace(s.ns).create(scriptPod('client', script, { nodeName: clientNode.name }));
    const client = await s.waitForPod('client', (p) => ['Succeeded', 'Failed'].includes(p.status?.phase ?? ''), 'finished', 180_000);
    expect(client.spec?.nodeName).toBe(clientNode.name);
    expect(client.status?.phase).toBe('Succeeded');

    // NodePort: every node answers, whether or not it runs a backend.
    const bodies = await bodiesFromEveryNodePort(nodes, nodePort);
    expect(bodies).toEqual(nodes.map(() => expect.stringMatching(/^You've hit kubia-/)));
  });
});
