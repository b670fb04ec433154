// minictl cluster-info against a real apiserver: the control plane's address and the kube-system
// Services labelled kubernetes.io/cluster-service=true, linked through the apiserver's proxy path.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../test-support';

let cluster: TestCluster;

const HINT = "\nTo further debug and diagnose cluster problems, use 'minictl cluster-info dump'.\n";

function service(name: string, ns: string, labels: Record<string, string>, ports: string): string {
  const labelLines = Object.entries(labels).map(([k, v]) => `    ${k}: "${v}"`).join('\n');
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n${labelLines}\nspec:\n  selector:\n    app: ${name}\n  ports:\n${ports}`;
}

beforeAll(async () => {
  cluster = await TestCluster.start();
});

afterAll(async () => {
  await cluster?.stop();
});

describe('cluster-info', () => {
  it('prints the control plane, then each labelled kube-system service with its proxy link', async () => {
    expect(await cluster.minictl(['cluster-info'])).toEqual({ code: 0, stdout: `Kubernetes control plane is running at ${cluster.address}\n${HINT}`, stderr: '' });

    const manifests = [
      service('kube-dns', 'kube-system', { 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' }, '  - name: dns\n    port: 53\n    protocol: UDP\n  - name: dns-tcp\n    port: 53\n    protocol: TCP\n'),
      service('metrics-server', 'kube-system', { 'kubernetes.io/cluster-service': 'true' }, '  - name: https\n    port: 443\n'),
      // Neither of these is a cluster service: one lacks the label, the other is outside kube-system.
      service('unlabelled', 'kube-system', { app: 'unlabelled' }, '  - port: 80\n'),
      service('elsewhere', 'default', { 'kubernetes.io/cluster-service': 'true' }, '  - port: 80\n'),
    ].join('---\n');
    const applied = await cluster.minictl(['apply', '-f', '-'], { stdin: manifests });
    expect(applied).toMatchObject({ code: 0, stderr: '' });

    expect(await cluster.minictl(['cluster-info'])).toEqual({
      code: 0,
      stdout: [
        `Kubernetes control plane is running at ${cluster.address}`,
        `CoreDNS is running at ${cluster.address}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy`,
        `metrics-server is running at ${cluster.address}/api/v1/namespaces/kube-system/services/https:metrics-server:https/proxy`,
        HINT,
      ].join('\n'),
      stderr: '',
    });
    // -n looks in another namespace, as kubectl's does.
    expect((await cluster.minictl(['cluster-info', '-n', 'default'])).stdout).toBe(
      `Kubernetes control plane is running at ${cluster.address}\nelsewhere is running at ${cluster.address}/api/v1/namespaces/default/services/elsewhere/proxy\n${HINT}`,
    );
  });

  it('refuses dump with exit code 1', async () => {
    const result = await cluster.minictl(['cluster-info', 'dump']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: cluster-info dump is not supported by minictl/);
  });
});
