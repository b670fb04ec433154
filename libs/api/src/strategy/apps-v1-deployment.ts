/**
 * Deployment and ReplicaSet: Kubernetes' apps/v1 defaults, validation and
 * update rules.
 */
import type { Deployment, DeploymentSpec, DeploymentStrategy, ReplicaSet, ReplicaSetSpec } from '../generated/apps/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, forbidden, invalid, notSupported, required } from '../validation/field-path';
import {
  intOrPercentValue,
  invalidShown,
  goIntOrString,
  goLabelSelector,
  isNotMoreThan100Percent,
  selectorOrUndefined,
  semanticEqual,
  validateImmutableSelector,
  validateLongRunningTemplate,
  validateNonnegativeField,
  validatePositiveIntOrPercent,
  validateRequiredSelector,
} from './apps-v1-common';
import { applyPodTemplateDefaults } from './core-v1-pod';

const SPEC = FieldPath.root('spec');

// ---------------------------------------------------------------------------
// Deployment

export function applyDeploymentDefaults(d: Deployment): void {
  const spec = (d.spec ??= {});
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {});
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= { type: 1, strVal: '25%' };
    ru.maxSurge ??= { type: 1, strVal: '25%' };
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.minReadySeconds ??= 0;
  applyPodTemplateDefaults((spec.template ??= {}));
}

function validateDeploymentStrategy(strategy: DeploymentStrategy | undefined, path: FieldPath): FieldError[] {
  const s = strategy ?? {};
  switch (s.type) {
    case 'Recreate':
      return s.rollingUpdate ? [forbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate': {
      const ruPath = path.child('rollingUpdate');
      const ru = s.rollingUpdate;
      if (!ru) return [required(ruPath, 'this should be defaulted and never be nil')];
      const errs = [
        ...validatePositiveIntOrPercent(ru.maxUnavailable, ruPath.child('maxUnavailable')),
        ...validatePositiveIntOrPercent(ru.maxSurge, ruPath.child('maxSurge')),
      ];
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalidShown(ruPath.child('maxUnavailable'), goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, ruPath.child('maxUnavailable')));
      return errs;
    }
    default:
      return [notSupported(path, s, ['Recreate', 'RollingUpdate'])];
  }
}

/** The selector, template and replica rules Deployments and ReplicaSets share. */
function validateReplicatedPods(spec: DeploymentSpec | ReplicaSetSpec, path: FieldPath, emptyWord: string, owner: string): FieldError[] {
  const errs = validateRequiredSelector(spec.selector, path.child('selector'), emptyWord);
  const selector = selectorOrUndefined(spec.selector);
  if (!selector) errs.push(invalidShown(path.child('selector'), goLabelSelector(spec.selector), 'invalid label selector'));
  else errs.push(...validateLongRunningTemplate(spec.template, selector, path.child('template'), owner));
  return errs;
}

export function validateDeploymentSpec(spec: DeploymentSpec | undefined, path: FieldPath = SPEC): FieldError[] {
  const s = spec ?? {};
  const errs = validateNonnegativeField(s.replicas, path.child('replicas'));
  errs.push(...validateReplicatedPods(s, path, 'deployment', 'ReplicaSet'));
  errs.push(...validateDeploymentStrategy(s.strategy, path.child('strategy')));
  errs.push(...validateNonnegativeField(s.minReadySeconds, path.child('minReadySeconds')));
  errs.push(...validateNonnegativeField(s.revisionHistoryLimit, path.child('revisionHistoryLimit')));
  if (s.progressDeadlineSeconds !== undefined) {
    const pds = path.child('progressDeadlineSeconds');
    errs.push(...validateNonnegativeField(s.progressDeadlineSeconds, pds));
    if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
      errs.push(invalid(pds, s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export function validateDeployment(d: Deployment): FieldError[] {
  return validateDeploymentSpec(d.spec);
}

export function validateDeploymentUpdate(d: Deployment, old: Deployment): FieldError[] {
  return [...validateDeploymentSpec(d.spec), ...validateImmutableSelector(d.spec?.selector, old.spec?.selector, SPEC.child('selector'))];
}

export const deploymentStrategy: KindStrategy<Deployment> = {
  applyDefaults: applyDeploymentDefaults,
  prepareForCreate(d) {
    d.status = {};
  },
  prepareForUpdate(d, old) {
    // A new annotation (a rollback request, a change-cause) is a new desired state too.
    const meta = d.metadata;
    if (meta && !semanticEqual(meta.annotations, old.metadata?.annotations)) {
      meta.generation = (old.metadata?.generation ?? 0) + 1;
    }
  },
  validate: validateDeployment,
  validateUpdate: validateDeploymentUpdate,
};

// ---------------------------------------------------------------------------
// ReplicaSet

export function applyReplicaSetDefaults(rs: ReplicaSet): void {
  const spec = (rs.spec ??= {});
  spec.replicas ??= 1;
  applyPodTemplateDefaults((spec.template ??= {}));
}

export function validateReplicaSetSpec(spec: ReplicaSetSpec | undefined, path: FieldPath = SPEC): FieldError[] {
  const s = spec ?? {};
  const errs = validateNonnegativeField(s.replicas, path.child('replicas'));
  errs.push(...validateNonnegativeField(s.minReadySeconds, path.child('minReadySeconds')));
  // Kubernetes says "deployment" in the ReplicaSet's empty-selector message too.
  errs.push(...validateReplicatedPods(s, path, 'deployment', 'ReplicaSet'));
  return errs;
}

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  return validateReplicaSetSpec(rs.spec);
}

export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): FieldError[] {
  return [...validateReplicaSetSpec(rs.spec), ...validateImmutableSelector(rs.spec?.selector, old.spec?.selector, SPEC.child('selector'))];
}

export const replicaSetStrategy: KindStrategy<ReplicaSet> = {
  applyDefaults: applyReplicaSetDefaults,
  prepareForCreate(rs) {
    rs.status = {};
  },
  validate: validateReplicaSet,
  validateUpdate: validateReplicaSetUpdate,
};
