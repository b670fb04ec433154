import { describe, expect, it } from 'vitest';
import { DaemonSets, Pods } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { idleContainer } from './manifests';
import { useScenario } from './scenario';

const s = useScenario('daemonset');

describe('a DaemonSet', () => {
  it('runs one pod on every node', async () => {
    const nodes = (await s.readyNodes()).map((n) => n.name).sort();
    await s.client.resource(DaemonSets).namespace(s.ns).create({
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { terminationGracePeriodSeconds: 2, containers: [idleContainer()] } },
      },
    });
    const pods = await waitFor(
      async () => {
        const list = (await s.client.resource(Pods).namespace(s.ns).list({ labelSelector: 'app=agent' })).items;
        return list.length === nodes.length && list.every((p) => p.status?.phase === 'Running') ? list : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, description: `an agent pod running on each of ${nodes.join(', ')}` },
    );
    expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual(nodes);
    const ds = await waitFor(
      async () => {
        const d = await s.client.resource(DaemonSets).namespace(s.ns).get('agent');
        return d.status?.numberReady === nodes.length ? d : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, description: 'the DaemonSet status to count every pod ready' },
    );
    expect(ds.status?.desiredNumberScheduled).toBe(nodes.length);
  });
});
