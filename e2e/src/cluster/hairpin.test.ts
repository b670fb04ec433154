import { describe, expect, it } from 'vitest';
import { Deployments, EndpointsKind, Pods, Services } from '@minik8s/client';
import { waitFor } from '@minik8s/testing';
import { kubiaDeployment, kubiaService, kubiaContainer, shContainer } from './manifests';
import { useScenario } from './scenario';

const s = useScenario('hairpin');

/**
 * Beside kubia, a container that calls the pod's own Service by ClusterIP and by DNS name, once a
 * second, and logs each attempt; with one replica every call is DNATed back to the calling pod
 * (hairpin traffic). `timeout`, not wget's -T: Debian's static busybox wget crashes with -T.
 */
const SELF_CHECK = [
  'trap "exit 0" TERM',
  'name="kubia.$POD_NAMESPACE.svc.cluster.local"; want="You\'ve hit $(hostname)"; i=0',
  'while true; do',
  '  i=$((i+1))',
  '  a=$(timeout 5 wget -q -O - "http://$SERVICE_IP/" 2>&1); b=$(timeout 5 wget -q -O - "http://$name/" 2>&1)',
  '  if [ "$a" = "$want" ] && [ "$b" = "$want" ]; then echo "hairpin ok after $i attempts: by IP: $a; by name: $b"; break; fi',
  '  echo "attempt $i: by IP: ${a:-no answer}; by name: ${b:-no answer}"',
  '  sleep 1',
  'done',
  'while true; do sleep 1; done',
].join('\n');

describe('hairpin traffic', () => {
  it('a single-replica Deployment\'s pod reaches itself through its own Service by ClusterIP and by DNS name', async () => {
    const svc = await s.client.resource(Services).namespace(s.ns).create(kubiaService('ClusterIP'));
    const clusterIP = svc.spec?.clusterIP ?? '';
    expect(clusterIP).toMatch(/^10\.(9[6-9]|1[01]\d)\./);
    const selfCheck = shContainer('self-check', SELF_CHECK, {
      env: [
        { name: 'SERVICE_IP', value: clusterIP },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ],
    });
    await s.client.resource(Deployments).namespace(s.ns).create(kubiaDeployment(1, { containers: [kubiaContainer(), selfCheck] }));

    // The pod is its Service's only endpoint: whatever answers a call from it is itself.
    const endpoint = await waitFor(
      async () => {
        const ep = await s.client.resource(EndpointsKind).namespace(s.ns).get('kubia');
        const ready = (ep.subsets ?? []).flatMap((ss) => ss.addresses ?? []);
        return ready.length === 1 ? ready[0] : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1_000, description: 'the kubia pod as the Service\'s endpoint' },
    );
    const podName = endpoint.targetRef?.name ?? '';
    const pod = await s.client.resource(Pods).namespace(s.ns).get(podName);
    expect(endpoint.ip).toBe(pod.status?.podIP);

    let logs = '';
    try {
      await waitFor(
        async () => {
          logs = await s.minictl('logs', podName, '-c', 'self-check', '-n', s.ns);
          return logs.includes('hairpin ok');
        },
        { timeoutMs: 120_000, intervalMs: 2_000, description: 'the pod reaching itself through its Service' },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nself-check's log (tail):\n${logs.split('\n').slice(-10).join('\n')}`);
    }
    expect(logs).toContain(`by IP: You've hit ${podName}; by name: You've hit ${podName}`);
  });
});
