import type { corev1 } from '@minik8s/api';
import { describe, expect, it } from 'vitest';
import { podDeleteStatus, podsForDeletion, type DrainFilterOptions } from './drain-filters';

const NONE: DrainFilterOptions = { force: false, ignoreDaemonSets: false, deleteEmptyDirData: false };
const ALL: DrainFilterOptions = { force: true, ignoreDaemonSets: true, deleteEmptyDirData: true };

function pod(name: string, options: { owner?: string; emptyDir?: boolean; mirror?: boolean; phase?: string } = {}): corev1.Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: options.owner ? [{ kind: options.owner, name: 'owner', uid: 'u', controller: true }] : undefined,
      annotations: options.mirror ? { 'kubernetes.io/config.mirror': 'hash' } : undefined,
    },
    spec: { volumes: options.emptyDir ? [{ name: 'scratch', emptyDir: {} }] : [] },
    status: { phase: options.phase ?? 'Running' },
  };
}

describe('podDeleteStatus', () => {
  it('evicts pods a controller replaces', () => {
    expect(podDeleteStatus({ pod: pod('web-1', { owner: 'ReplicaSet' }) }, NONE)).toEqual({ reason: 'okay', delete: true });
  });

  it('refuses DaemonSet pods unless ignored, and never evicts them', () => {
    expect(podDeleteStatus({ pod: pod('ds-1', { owner: 'DaemonSet' }) }, NONE)).toMatchObject({ reason: 'error', message: 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)' });
    expect(podDeleteStatus({ pod: pod('ds-1', { owner: 'DaemonSet' }) }, ALL)).toEqual({ reason: 'warning', delete: false, message: 'ignoring DaemonSet-managed Pods' });
  });

  it('evicts an orphan of a deleted DaemonSet only with --force', () => {
    const lookup = { error: 'daemonsets.apps "owner" not found', notFound: true };
    expect(podDeleteStatus({ pod: pod('ds-1', { owner: 'DaemonSet' }), daemonSetLookup: lookup }, NONE)).toMatchObject({ reason: 'error', message: lookup.error });
    expect(podDeleteStatus({ pod: pod('ds-1', { owner: 'DaemonSet' }), daemonSetLookup: lookup }, ALL)).toMatchObject({ reason: 'warning', delete: true });
  });

  it('skips mirror pods', () => {
    expect(podDeleteStatus({ pod: pod('static', { mirror: true }) }, NONE)).toEqual({ reason: 'skip', delete: false });
  });

  it('needs --delete-emptydir-data for local data and --force for pods without a controller, except finished ones', () => {
    expect(podDeleteStatus({ pod: pod('cache', { owner: 'ReplicaSet', emptyDir: true }) }, NONE)).toMatchObject({ reason: 'error', message: 'Pods with local storage (use --delete-emptydir-data to override)' });
    expect(podDeleteStatus({ pod: pod('cache', { owner: 'ReplicaSet', emptyDir: true }) }, ALL)).toMatchObject({ reason: 'warning', delete: true, message: 'deleting Pods with local storage' });
    expect(podDeleteStatus({ pod: pod('bare') }, NONE)).toMatchObject({ reason: 'error', message: 'Pods that declare no controller (use --force to override)' });
    expect(podDeleteStatus({ pod: pod('bare') }, ALL)).toMatchObject({ reason: 'warning', delete: true, message: 'deleting Pods that declare no controller' });
    expect(podDeleteStatus({ pod: pod('done', { phase: 'Succeeded', emptyDir: true }) }, NONE)).toEqual({ reason: 'okay', delete: true });
  });
});

describe('podsForDeletion', () => {
  it('groups errors and warnings by reason with the pods they concern', () => {
    const facts = [pod('web-1', { owner: 'ReplicaSet' }), pod('bare-1'), pod('bare-2'), pod('ds-1', { owner: 'DaemonSet' })].map((p) => ({ pod: p }));
    expect(podsForDeletion(facts, NONE)).toEqual({
      pods: [facts[0].pod],
      warnings: '',
      errors: [
        'cannot delete Pods that declare no controller (use --force to override): default/bare-1, default/bare-2',
        'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-1',
      ],
    });
    const allowed = podsForDeletion(facts, ALL);
    expect(allowed.pods.map((p) => p.metadata?.name)).toEqual(['web-1', 'bare-1', 'bare-2']);
    expect(allowed.warnings).toBe('deleting Pods that declare no controller: default/bare-1, default/bare-2; ignoring DaemonSet-managed Pods: default/ds-1');
    expect(allowed.errors).toEqual([]);
  });
});
