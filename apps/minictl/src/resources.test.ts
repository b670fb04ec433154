import { defaultScheme } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { kindRef, objectRef, parseResourceArgs, resolveKinds } from './resources';

const scheme = defaultScheme();

describe('resolving kinds', () => {
  it('knows kubectl\'s short names', () => {
    const names = ['po', 'svc', 'deploy', 'rs', 'rc', 'ds', 'sts', 'cm', 'ns', 'no', 'ep', 'ev', 'pv', 'pvc', 'sa', 'cj'];
    expect(names.map((n) => scheme.resolve(n)?.resource)).toEqual([
      'pods', 'services', 'deployments', 'replicasets', 'replicationcontrollers', 'daemonsets', 'statefulsets', 'configmaps',
      'namespaces', 'nodes', 'endpoints', 'events', 'persistentvolumes', 'persistentvolumeclaims', 'serviceaccounts', 'cronjobs',
    ]);
  });

  it('expands lists and the all category', () => {
    expect(resolveKinds(scheme, 'po,svc,po').map((k) => k.resource)).toEqual(['pods', 'services']);
    const all = resolveKinds(scheme, 'all').map((k) => k.resource);
    expect(all).toEqual(expect.arrayContaining(['pods', 'services', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs']));
    expect(all).not.toContain('configmaps');
  });

  it('names kinds the way kubectl prints them', () => {
    expect(kindRef(scheme.resolve('po')!)).toBe('pod');
    expect(objectRef(scheme.resolve('deploy')!, 'web')).toBe('deployment.apps/web');
  });

  it('refuses unknown types', () => {
    expect(() => resolveKinds(scheme, 'foo')).toThrow('the server doesn\'t have a resource type "foo"');
  });
});

describe('parseResourceArgs', () => {
  it('reads TYPE NAME... and TYPE/NAME forms', () => {
    expect(parseResourceArgs(scheme, ['po', 'a', 'b'], 'get').map((s) => [s.info.resource, s.names])).toEqual([['pods', ['a', 'b']]]);
    expect(parseResourceArgs(scheme, ['po/a', 'svc/b', 'po/c'], 'get').map((s) => [s.info.resource, s.names])).toEqual([
      ['pods', ['a', 'c']],
      ['services', ['b']],
    ]);
  });

  it('refuses mixing the forms and missing types', () => {
    expect(() => parseResourceArgs(scheme, ['po', 'svc/b'], 'get')).toThrow('there is no need to specify a resource type');
    expect(() => parseResourceArgs(scheme, [], 'get')).toThrow('You must specify the type of resource to get.');
  });
});
