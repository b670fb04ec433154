import type { corev1 } from '@minik8s/api';

/** The status conditions the namespace controller keeps on a terminating namespace, as Kubernetes'. */
export const NamespaceConditionTypes = {
  DeletionDiscoveryFailure: 'NamespaceDeletionDiscoveryFailure',
  DeletionGVParsingFailure: 'NamespaceDeletionGroupVersionParsingFailure',
  DeletionContentFailure: 'NamespaceDeletionContentFailure',
  ContentRemaining: 'NamespaceContentRemaining',
  FinalizersRemaining: 'NamespaceFinalizersRemaining',
} as const;

type ConditionType = (typeof NamespaceConditionTypes)[keyof typeof NamespaceConditionTypes];

const ORDER: readonly ConditionType[] = [
  NamespaceConditionTypes.DeletionDiscoveryFailure,
  NamespaceConditionTypes.DeletionGVParsingFailure,
  NamespaceConditionTypes.DeletionContentFailure,
  NamespaceConditionTypes.ContentRemaining,
  NamespaceConditionTypes.FinalizersRemaining,
];

/** The "all is well" variant of each condition (status False). */
const OK: Readonly<Record<ConditionType, { reason: string; message: string }>> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
};

/** What one pass over a namespace's content found. */
export interface ContentDeletionReport {
  /** One message per resource whose deletion failed. */
  errors: string[];
  /** Objects left, by `resource.group` (core resources read `pods.`). */
  remainingByResource: ReadonlyMap<string, number>;
  /** Objects left, by the finalizers they still carry. */
  remainingByFinalizer: ReadonlyMap<string, number>;
}

/** The failing conditions a pass implies; types not listed are fine. */
export function failingConditions(report: ContentDeletionReport, now: string): corev1.NamespaceCondition[] {
  const conditions: corev1.NamespaceCondition[] = [];
  if (report.errors.length > 0) {
    const messages = [...report.errors].sort();
    conditions.push({
      type: NamespaceConditionTypes.DeletionContentFailure,
      status: 'True',
      lastTransitionTime: now,
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${messages.length} remaining: ${messages.join(', ')}`,
    });
  }
  const resources = [...report.remainingByResource]
    .filter(([, n]) => n > 0)
    .map(([resource, n]) => `${resource} has ${n} resource instances`)
    .sort();
  if (resources.length > 0) {
    conditions.push({
      type: NamespaceConditionTypes.ContentRemaining,
      status: 'True',
      lastTransitionTime: now,
      reason: 'SomeResourcesRemain',
      message: `Some resources are remaining: ${resources.join(', ')}`,
    });
  }
  const finalizers = [...report.remainingByFinalizer]
    .filter(([, n]) => n > 0)
    .map(([finalizer, n]) => `${finalizer} in ${n} resource instances`)
    .sort();
  if (finalizers.length > 0) {
    conditions.push({
      type: NamespaceConditionTypes.FinalizersRemaining,
      status: 'True',
      lastTransitionTime: now,
      reason: 'SomeFinalizerRemain',
      message: `Some finalizers are remaining: ${finalizers.join(', ')}`,
    });
  }
  return conditions;
}

/**
 * Writes every condition type into `status`: the failing variant when `failing` has it, the
 * "all is well" one otherwise. lastTransitionTime moves only when status flips. Answers whether
 * anything changed (so the caller writes status only then).
 */
export function updateConditions(status: corev1.NamespaceStatus, failing: readonly corev1.NamespaceCondition[], now: string): boolean {
  let changed = false;
  const conditions = (status.conditions ??= []);
  for (const type of ORDER) {
    const next = failing.find((c) => c.type === type) ?? { type, status: 'False', lastTransitionTime: now, ...OK[type] };
    const current = conditions.find((c) => c.type === type);
    if (!current) {
      conditions.push({ ...next });
      changed = true;
    } else if (current.status !== next.status || current.reason !== next.reason || current.message !== next.message) {
      if (current.status !== next.status) current.lastTransitionTime = now;
      current.status = next.status;
      current.reason = next.reason;
      current.message = next.message;
      changed = true;
    }
  }
  return changed;
}
