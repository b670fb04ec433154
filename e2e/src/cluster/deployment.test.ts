import { describe, expect, it } from 'vitest';
import { Deployments, Services } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { KUBIA_V1, KUBIA_V2, kubiaDeployment, kubiaService } from './manifests';
import { LoopingClient, rolledOutTo } from './rollout';
import { useScenario } from './scenario';

const s = useScenario('deployment');

describe('a Deployment', () => {
  it('rolls from v1 to v2 while a client loops on its Service with no failed request, then is undone', async () => {
    await s.client.resource(Deployments).namespace(s.ns).create(kubiaDeployment(3));
    const svc = await s.client.resource(Services).namespace(s.ns).create(kubiaService('NodePort'));
    await rolledOutTo(s, 'kubia', KUBIA_V1, 3);
    const nodePort = svc.spec?.ports?.[0]?.nodePort;
    const urls = (await s.readyNodes()).map((n) => `http://${n.ip}:${nodePort}/`);

    const client = new LoopingClient(urls);
    try {
      await s.minictl('set', 'image', 'deployment/kubia', `kubia=${KUBIA_V2}`, '-n', s.ns);
      await rolledOutTo(s, 'kubia', KUBIA_V2, 3);
      // The v2 pods answer through the Service once the old endpoints are gone.
      const before = client.requests;
      await waitFor(() => client.requests >= before + 20, { timeoutMs: 60_000, intervalMs: 200, description: '20 more requests after the rollout' });
    } finally {
      await client.stop();
    }
    expect(client.failures).toEqual([]);
    expect(client.requests).toBeGreaterThan(20);
    expect([...client.answers]).toContain('This is v2 running in pod kubia-<pod>');

    const undone = await s.minictl('rollout', 'undo', 'deployment/kubia', '-n', s.ns);
    expect(undone.trim()).toBe('deployment.apps/kubia rolled back');
    await rolledOutTo(s, 'kubia', KUBIA_V1, 3);
    const d = await s.client.resource(Deployments).namespace(s.ns).get('kubia');
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });
});
