import { describe, it } from 'vitest';
import { ConfigMaps, Pods } from '@minik8s/client';
import { shContainer } from './manifests';
import { podReady, useScenario } from './scenario';

const s = useScenario('configmap');

describe('a ConfigMap volume', () => {
  it('sees an update of the ConfigMap without a restart', async () => {
    await s.client.resource(ConfigMaps).namespace(s.ns).create({ metadata: { name: 'settings' }, data: { mode: 'v1' } });
    // Ready exactly when the mounted file says v2: readiness is the pod's report of what it sees.
    await s.client.resource(Pods).namespace(s.ns).create({
      metadata: { name: 'reader' },
      spec: {
        terminationGracePeriodSeconds: 2,
        volumes: [{ name: 'settings', configMap: { name: 'settings' } }],
        containers: [
          shContainer('main', 'trap "exit 0" TERM; while true; do sleep 1; done', {
            volumeMounts: [{ name: 'settings', mountPath: '/etc/settings' }],
            readinessProbe: { exec: { command: ['grep', '-qx', 'v2', '/etc/settings/mode'] }, periodSeconds: 1 },
          }),
        ],
      },
    });
    await s.waitForPod('reader', (p) => p.status?.phase === 'Running' && !podReady(p), 'running with mode v1 (not ready)', 180_000);
    await s.client.resource(ConfigMaps).namespace(s.ns).patch('settings', 'application/merge-patch+json', { data: { mode: 'v2' } });
    // The kubelet refreshes ConfigMap volumes on its pod sync (about a minute in Kubernetes).
    await s.waitForPod('reader', (p) => podReady(p) && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) === 0, 'Ready once /etc/settings/mode reads v2', 150_000);
  });
});
