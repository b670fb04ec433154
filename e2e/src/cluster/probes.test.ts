import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { EndpointsKind, Pods, Services } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { intOrString, kubiaContainer, shContainer } from './manifests';
import { podReady, useScenario } from './scenario';

const s = useScenario('probes');

function endpointIPs(ep: corev1.Endpoints): { ready: string[]; notReady: string[] } {
  const subsets = ep.subsets ?? [];
  return {
    ready: subsets.flatMap((ss) => ss.addresses ?? []).map((a) => a.ip ?? ''),
    notReady: subsets.flatMap((ss) => ss.notReadyAddresses ?? []).map((a) => a.ip ?? ''),
  };
}

describe('probes', () => {
  it('a failing liveness probe restarts the container', async () => {
    // Healthy for a few seconds, then the probed file disappears: the kubelet must kill and restart it.
    const script = 'touch /tmp/healthy; sleep 5; rm /tmp/healthy; trap "exit 0" TERM; while true; do sleep 1; done';
    await s.client.resource(Pods).namespace(s.ns).create({
      metadata: { name: 'liveness' },
      spec: {
        terminationGracePeriodSeconds: 2,
        containers: [shContainer('main', script, { livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 2, failureThreshold: 2 } })],
      },
    });
    const pod = await s.waitForPod('liveness', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 'restarted by its liveness probe', 180_000);
    expect(pod.status?.phase).toBe('Running');
  });

  it('a failing readiness probe takes the pod out of the Service endpoints without restarting it', async () => {
    // The gate container is ready while /tmp/ready exists and removes it after 15 s: the pod was in
    // the endpoints, then must leave them while it keeps running.
    const withdraw = shContainer('gate', 'touch /tmp/ready; sleep 15; rm /tmp/ready; trap "exit 0" TERM; while true; do sleep 1; done', {
      readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 },
    });
    await s.client.resource(Services).namespace(s.ns).create({
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: intOrString.int(8080) }] },
    });
    await s.client.resource(Pods).namespace(s.ns).create({
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { terminationGracePeriodSeconds: 5, containers: [kubiaContainer(), withdraw] },
    });
    const ready = await s.waitForPod('web', podReady, 'Ready', 180_000);
    const ip = ready.status?.podIP ?? '';
    await waitFor(
      async () => endpointIPs(await s.client.resource(EndpointsKind).namespace(s.ns).get('web')).ready.includes(ip),
      { timeoutMs: 60_000, intervalMs: 500, description: `${ip} in the ready endpoints` },
    );
    await s.waitForPod('web', (p) => !podReady(p), 'no longer Ready once its probe fails', 120_000);
    const ep = await waitFor(
      async () => {
        const ips = endpointIPs(await s.client.resource(EndpointsKind).namespace(s.ns).get('web'));
        return !ips.ready.includes(ip) ? ips : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: `${ip} out of the ready endpoints` },
    );
    expect(ep.notReady).toContain(ip);
    const pod = await s.client.resource(Pods).namespace(s.ns).get('web');
    expect(pod.status?.containerStatuses?.find((c) => c.name === 'gate')?.restartCount ?? 0).toBe(0);
  });
});
