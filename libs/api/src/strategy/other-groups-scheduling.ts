/**
 * scheduling.k8s.io/v1 PriorityClass: defaults, the ceiling on user-defined
 * priorities, the reserved `system-` classes, and immutable value and
 * preemptionPolicy.
 */
import type { PriorityClass } from '../generated/scheduling/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, forbidden, notSupported, required } from '../validation/field-path';
import { validateImmutableField } from './apps-v1-common';

/** The highest priority a user-defined class may have; higher ones are for the system classes. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** The priority of system-cluster-critical; system-node-critical is 1000 above it. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';

/** The classes the system creates at bootstrap; only these may use the `system-` prefix. */
export const SYSTEM_PRIORITY_CLASSES: readonly { name: string; value: number; description: string }[] = [
  {
    name: 'system-node-critical',
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: 'system-cluster-critical',
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

export function applyPriorityClassDefaults(pc: PriorityClass): void {
  if (!pc.preemptionPolicy) pc.preemptionPolicy = 'PreemptLowerPriority';
  pc.globalDefault ??= false;
}

/** Why `pc` is not one of the system classes, or undefined when it is. */
function systemClassMismatch(pc: PriorityClass): string | undefined {
  const name = pc.metadata?.name ?? '';
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if ((pc.value ?? 0) !== known.value) return `value of ${name} PriorityClass must be ${known.value}`;
  if ((pc.globalDefault ?? false) !== false) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

export function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  if (pc.value === undefined) errs.push(required(FieldPath.root('value')));
  if ((pc.metadata?.name ?? '').startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const mismatch = systemClassMismatch(pc);
    if (mismatch !== undefined) {
      errs.push(
        forbidden(
          FieldPath.root('metadata', 'name'),
          `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${mismatch}`,
        ),
      );
    }
  } else if ((pc.value ?? 0) > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden(FieldPath.root('value'), `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (pc.preemptionPolicy !== undefined) {
    const path = FieldPath.root('preemptionPolicy');
    if (pc.preemptionPolicy === '') errs.push(required(path));
    else if (!PREEMPTION_POLICIES.includes(pc.preemptionPolicy)) errs.push(notSupported(path, pc.preemptionPolicy, PREEMPTION_POLICIES));
  }
  return errs;
}

export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): FieldError[] {
  const errs = validatePriorityClass(pc);
  if ((pc.value ?? 0) !== (old.value ?? 0)) errs.push(forbidden(FieldPath.root('value'), 'may not be changed in an update.'));
  errs.push(...validateImmutableField(pc.preemptionPolicy, old.preemptionPolicy, FieldPath.root('preemptionPolicy')));
  return errs;
}

export const priorityClassStrategy: KindStrategy<PriorityClass> = {
  applyDefaults: applyPriorityClassDefaults,
  validate: validatePriorityClass,
  validateUpdate: validatePriorityClassUpdate,
};
