import { describe, expect, it } from 'vitest';
import { defaultScheme } from '@minik8s/api';
import { discoveryResources } from './discovery';

const resources = discoveryResources(defaultScheme());
const byName = (name: string, group = '') => resources.find((r) => r.name === name && (r.group ?? '') === group);

describe('discoveryResources', () => {
  it("lists pods' subresources as entries of their own, with Kubernetes' kinds and verbs", () => {
    const pods = resources.filter((r) => r.name?.startsWith('pods/') && r.group === '');
    expect(pods.map((r) => [r.name, r.kind, r.verbs])).toEqual([
      ['pods/attach', 'PodAttachOptions', ['create', 'get']],
      ['pods/binding', 'Binding', ['create']],
      ['pods/exec', 'PodExecOptions', ['create', 'get']],
      ['pods/log', 'Pod', ['get']],
      ['pods/portforward', 'PodPortForwardOptions', ['create', 'get']],
      ['pods/status', 'Pod', ['get', 'patch', 'update']],
    ]);
    expect(byName('pods/log')).toMatchObject({ namespaced: true, version: 'v1', singularName: '', shortNames: [], categories: [] });
  });

  it('places scale, status and finalize under their resource, in its group', () => {
    expect(byName('deployments/scale', 'apps')).toMatchObject({ kind: 'Scale', version: 'v1', namespaced: true, verbs: ['get', 'update'] });
    expect(byName('replicationcontrollers/scale')).toMatchObject({ kind: 'Scale', verbs: ['get', 'update'] });
    expect(byName('jobs/status', 'batch')).toMatchObject({ kind: 'Job', verbs: ['get', 'patch', 'update'] });
    expect(byName('nodes/status')).toMatchObject({ kind: 'Node', namespaced: false });
    expect(byName('namespaces/finalize')).toMatchObject({ kind: 'Namespace', namespaced: false, verbs: ['update'] });
  });

  it('keeps one top-level entry per resource, followed by its subresources', () => {
    const top = resources.filter((r) => !r.name?.includes('/'));
    expect(top).toHaveLength(defaultScheme().all().length);
    expect(byName('pods')).toMatchObject({ kind: 'Pod', shortNames: ['po'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] });
    const names = resources.map((r) => r.name);
    expect(names.indexOf('pods/log')).toBeGreaterThan(names.indexOf('pods'));
    expect(resources.filter((r) => r.name?.includes('/') && (r.verbs ?? []).length === 0)).toEqual([]);
  });
});
