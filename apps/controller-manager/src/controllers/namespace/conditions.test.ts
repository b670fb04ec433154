import { describe, expect, it } from 'vitest';
import type { corev1 } from '@minik8s/api';
import { failingConditions, updateConditions, type ContentDeletionReport } from './conditions';

const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-01T00:01:00Z';

function report(partial: Partial<ContentDeletionReport> = {}): ContentDeletionReport {
  return { errors: [], remainingByResource: new Map(), remainingByFinalizer: new Map(), ...partial };
}

describe('namespace deletion conditions', () => {
  it('writes every condition type as fine when nothing failed', () => {
    const status: corev1.NamespaceStatus = { phase: 'Terminating' };
    expect(updateConditions(status, failingConditions(report(), T0), T0)).toBe(true);
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
      ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted'],
      ['NamespaceContentRemaining', 'False', 'ContentRemoved'],
      ['NamespaceFinalizersRemaining', 'False', 'ContentRemoved'],
    ]);
    // The same outcome again changes nothing, so no status write follows.
    expect(updateConditions(status, failingConditions(report(), T1), T1)).toBe(false);
  });

  it('reports remaining content, finalizers and failures with Kubernetes messages', () => {
    const failing = failingConditions(
      report({
        errors: ['b failed', 'a failed'],
        remainingByResource: new Map([
          ['pods.', 2],
          ['configmaps.', 1],
          ['secrets.', 0],
        ]),
        remainingByFinalizer: new Map([['example.com/hold', 1]]),
      }),
      T0,
    );
    expect(failing).toEqual([
      {
        type: 'NamespaceDeletionContentFailure',
        status: 'True',
        lastTransitionTime: T0,
        reason: 'ContentDeletionFailed',
        message: 'Failed to delete all resource types, 2 remaining: a failed, b failed',
      },
      {
        type: 'NamespaceContentRemaining',
        status: 'True',
        lastTransitionTime: T0,
        reason: 'SomeResourcesRemain',
        message: 'Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances',
      },
      {
        type: 'NamespaceFinalizersRemaining',
        status: 'True',
        lastTransitionTime: T0,
        reason: 'SomeFinalizerRemain',
        message: 'Some finalizers are remaining: example.com/hold in 1 resource instances',
      },
    ]);
  });

  it('moves lastTransitionTime only when a status flips', () => {
    const status: corev1.NamespaceStatus = {};
    const remaining = (n: number): ContentDeletionReport => report({ remainingByResource: new Map([['pods.', n]]) });
    updateConditions(status, failingConditions(remaining(2), T0), T0);
    const content = (): corev1.NamespaceCondition | undefined => status.conditions?.find((c) => c.type === 'NamespaceContentRemaining');
    expect(content()).toMatchObject({ status: 'True', lastTransitionTime: T0 });
    expect(updateConditions(status, failingConditions(remaining(1), T1), T1)).toBe(true);
    expect(content()).toMatchObject({ status: 'True', lastTransitionTime: T0, message: 'Some resources are remaining: pods. has 1 resource instances' });
    expect(updateConditions(status, failingConditions(report(), T1), T1)).toBe(true);
    expect(content()).toMatchObject({ status: 'False', lastTransitionTime: T1, reason: 'ContentRemoved' });
  });
});
