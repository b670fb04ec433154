import { describe, expect, it } from 'vitest';
import { ConfigMaps, Deployments } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { KUBIA_V1, KUBIA_V2, kubiaContainer, kubiaDeployment } from './manifests';
import { rolledOutTo } from './rollout';
import { useScenario } from './scenario';

const s = useScenario('control-plane');

describe('the control plane restarted mid-rollout', () => {
  it('the rollout still completes', async () => {
    const composed = await s.compose('ps', '--services').catch(() => '');
    if (!/^apiserver$/m.test(composed)) return void console.warn('not a compose cluster: the control plane cannot be restarted from here');
    await s.client.resource(ConfigMaps).namespace(s.ns).create({ metadata: { name: 'gate' }, data: { open: 'no' } });
    await s.client.resource(Deployments).namespace(s.ns).create(kubiaDeployment(3));
    await rolledOutTo(s, 'kubia', KUBIA_V1, 3);

    // v2 is ready only once the gate ConfigMap says yes: with maxSurge 1 and maxUnavailable 0 the
    // rollout holds at one new pod, mid-way by construction, until the test opens the gate after
    // the restart.
    const d = await s.client.resource(Deployments).namespace(s.ns).get('kubia');
    const template = d.spec?.template ?? {};
    template.spec = {
      ...template.spec,
      volumes: [{ name: 'gate', configMap: { name: 'gate' } }],
      containers: [
        {
          ...kubiaContainer(KUBIA_V2),
          volumeMounts: [{ name: 'gate', mountPath: '/gate' }],
          readinessProbe: { exec: { command: ['grep', '-qx', 'yes', '/gate/open'] }, periodSeconds: 1 },
        },
      ],
    };
    await s.client.resource(Deployments).namespace(s.ns).update({ ...d, spec: { ...d.spec, template } });
    const held = await waitFor(
      async () => {
        const st = (await s.client.resource(Deployments).namespace(s.ns).get('kubia')).status ?? {};
        return st.updatedReplicas === 1 && st.replicas === 4 ? st : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, description: 'the rollout to hold at one unready v2 pod' },
    );
    expect(held.availableReplicas).toBe(3);

    await s.compose('restart', '-t', '10', 'apiserver', 'scheduler', 'controller-manager');
    await waitFor(() => s.client.resource(ConfigMaps).namespace(s.ns).patch('gate', 'application/merge-patch+json', { data: { open: 'yes' } }), {
      timeoutMs: 120_000,
      intervalMs: 1_000,
      description: 'the apiserver back, to open the gate',
    });
    const done = await rolledOutTo(s, 'kubia', KUBIA_V2, 3, 300_000);
    expect(done.status?.readyReplicas).toBe(3);
  });
});
