import { afterAll, describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Deployments, Nodes, Pods } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { idleContainer } from './manifests';
import { isReady, useScenario } from './scenario';

const s = useScenario('node-failure');
let stopped = '';

afterAll(async () => {
  if (!stopped) return;
  // Leave the cluster whole for whatever runs next.
  await s.compose('start', stopped);
  await waitFor(async () => isReady(await s.client.resource(Nodes).get(stopped)), {
    timeoutMs: 180_000,
    intervalMs: 1_000,
    description: `${stopped} Ready again`,
  });
});

describe('a node lost', () => {
  it('goes NotReady and its pods are recreated on the other nodes', async () => {
    const nodes = await s.readyNodes();
    const victim = nodes[nodes.length - 1].name;
    const services = await s.compose('ps', '--services').catch(() => '');
    if (!new RegExp(`^${victim}$`, 'm').test(services)) return void console.warn(`${victim} is not a compose service: cannot stop it`);

    // Spread over the nodes, and evicted 5 s after their node becomes unreachable or not ready.
    const tolerations: corev1.Toleration[] = ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({
      key,
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: 5,
    }));
    await s.client.resource(Deployments).namespace(s.ns).create({
      metadata: { name: 'spread' },
      spec: {
        replicas: nodes.length,
        selector: { matchLabels: { app: 'spread' } },
        template: {
          metadata: { labels: { app: 'spread' } },
          spec: {
            terminationGracePeriodSeconds: 2,
            tolerations,
            topologySpreadConstraints: [
              // Honor: a tainted (lost) node is no domain, so the replacement may join a node that has one.
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: { app: 'spread' } } },
            ],
            containers: [idleContainer()],
          },
        },
      },
    });
    const live = async (): Promise<corev1.Pod[]> =>
      (await s.client.resource(Pods).namespace(s.ns).list({ labelSelector: 'app=spread' })).items.filter((p) => !p.metadata?.deletionTimestamp);
    const spread = await waitFor(
      async () => {
        const pods = await live();
        return pods.length === nodes.length && pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, description: 'one running pod per node' },
    );
    const onVictim = spread.filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata?.name);
    expect(onVictim.length).toBe(1);

    stopped = victim;
    await s.compose('stop', '-t', '10', victim);
    await waitFor(async () => !isReady(await s.client.resource(Nodes).get(victim)), {
      timeoutMs: 180_000,
      intervalMs: 1_000,
      description: `${victim} NotReady`,
    });
    // The pod on the lost node is evicted (its toleration runs out) and replaced on another node.
    const replaced = await waitFor(
      async () => {
        const pods = await live();
        return pods.length === nodes.length && pods.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName !== victim) ? pods : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1_000, description: `the pods of ${victim} recreated on the other nodes` },
    );
    expect(replaced.map((p) => p.metadata?.name)).not.toContain(onVictim[0]);
  });
});
