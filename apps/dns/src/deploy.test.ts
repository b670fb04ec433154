import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { defaultScheme, type appsv1, type corev1 } from '@minik8s/api';

// deploy/dns.yaml decodes strictly into our typed objects (dns.integration.test.ts also
// creates it through a real apiserver).
const scheme = defaultScheme();
const DEPLOY_MANIFEST = join(__dirname, '..', 'deploy', 'dns.yaml');
const docs = parseAllDocuments(readFileSync(DEPLOY_MANIFEST, 'utf8')).map((d) => scheme.fromJson(d.toJS()));

describe('deploy/dns.yaml', () => {

  it('runs two DNS pods behind kube-dns at 10.96.0.10, port 53 over UDP and TCP', () => {
    const deployment = docs.find((d) => d.info.kind === 'Deployment')?.obj as appsv1.Deployment;
    const service = docs.find((d) => d.info.kind === 'Service')?.obj as corev1.Service;
    expect(deployment.metadata?.namespace).toBe('kube-system');
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.template?.spec?.containers?.[0].image).toBe('minik8s/dns:dev');
    expect(service.metadata).toMatchObject({ name: 'kube-dns', namespace: 'kube-system' });
    expect(service.spec?.clusterIP).toBe('10.96.0.10');
    expect(service.spec?.ports?.map((p) => `${p.name} ${p.port}/${p.protocol}`)).toEqual(['dns 53/UDP', 'dns-tcp 53/TCP']);
    expect(service.spec?.selector).toEqual(deployment.spec?.template?.metadata?.labels);
  });

  it('reaches the apiserver through the kubernetes Service by its IP, never by a name it would resolve itself', () => {
    const deployment = docs.find((d) => d.info.kind === 'Deployment')?.obj as appsv1.Deployment;
    const container = deployment.spec?.template?.spec?.containers?.[0];
    expect(container?.args).toContain('--server=$(APISERVER_ADDRESS)');
    expect(container?.env?.find((e) => e.name === 'APISERVER_ADDRESS')?.value).toBe('10.96.0.1:443');
  });
});
