/**
 * coordination.k8s.io/v1 Lease: the spec checks Kubernetes makes on create and
 * update (leases carry no defaults).
 */
import type { Lease, LeaseSpec } from '../generated/coordination/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, forbidden, invalid, notSupported } from '../validation/field-path';
import { isQualifiedName } from '../validation/primitives';

/** The coordinated leader election strategies Kubernetes defines; others must be `domain/name`. */
const LEASE_STRATEGIES = ['OldestEmulationVersion'];

function validateStrategy(strategy: string, path: FieldPath): FieldError[] {
  if (!strategy.includes('/')) return LEASE_STRATEGIES.includes(strategy) ? [] : [notSupported(path, strategy, LEASE_STRATEGIES)];
  return isQualifiedName(strategy, path);
}

export function validateLeaseSpec(spec: LeaseSpec | undefined, path: FieldPath = FieldPath.root('spec')): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds <= 0) {
    errs.push(invalid(path.child('leaseDurationSeconds'), s.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (s.leaseTransitions !== undefined && s.leaseTransitions < 0) {
    errs.push(invalid(path.child('leaseTransitions'), s.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (s.strategy !== undefined) errs.push(...validateStrategy(s.strategy, path.child('strategy')));
  if (s.preferredHolder && !s.strategy) {
    errs.push(forbidden(path.child('preferredHolder'), 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

export function validateLease(lease: Lease): FieldError[] {
  return validateLeaseSpec(lease.spec);
}

export const leaseStrategy: KindStrategy<Lease> = {
  validate: validateLease,
};
