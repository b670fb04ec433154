import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { Pods, ReplicaSets } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { idleContainer } from './manifests';
import { useScenario } from './scenario';

const s = useScenario('replicaset');

describe('a ReplicaSet', () => {
  it('replaces a deleted pod and releases a relabelled one', async () => {
    await s.client.resource(ReplicaSets).namespace(s.ns).create({
      metadata: { name: 'idle' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'idle' } },
        template: { metadata: { labels: { app: 'idle' } }, spec: { terminationGracePeriodSeconds: 2, containers: [idleContainer()] } },
      },
    });
    const owned = async (): Promise<corev1.Pod[]> =>
      (await s.client.resource(Pods).namespace(s.ns).list({ labelSelector: 'app=idle' })).items.filter((p) => !p.metadata?.deletionTimestamp);
    const running = async (): Promise<corev1.Pod[] | undefined> => {
      const pods = await owned();
      return pods.length === 2 && pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
    };
    const first = await waitFor(running, { timeoutMs: 120_000, intervalMs: 1_000, description: 'two running pods' });

    const deleted = first[0].metadata?.name ?? '';
    await s.client.resource(Pods).namespace(s.ns).delete(deleted);
    const afterDelete = await waitFor(
      async () => {
        const pods = await running();
        return pods && !pods.some((p) => p.metadata?.name === deleted) ? pods : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, description: `a replacement for ${deleted}` },
    );
    expect(afterDelete.map((p) => p.metadata?.name)).toContain(first[1].metadata?.name);

    // Relabelled out of the selector, a pod is orphaned (its controller reference removed) and replaced.
    const relabelled = afterDelete[0].metadata?.name ?? '';
    await s.client.resource(Pods).namespace(s.ns).patch(relabelled, 'application/merge-patch+json', { metadata: { labels: { app: 'released' } } });
    await waitFor(
      async () => {
        const pod = await s.client.resource(Pods).namespace(s.ns).get(relabelled);
        return !(pod.metadata?.ownerReferences ?? []).some((r) => r.controller) && (await running()) !== undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, description: `${relabelled} released and replaced` },
    );
    const remaining = await owned();
    expect(remaining.map((p) => p.metadata?.name)).not.toContain(relabelled);
    const released = await s.client.resource(Pods).namespace(s.ns).get(relabelled);
    expect(released.status?.phase).toBe('Running');
  });
});
