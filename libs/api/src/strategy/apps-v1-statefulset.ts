/**
 * StatefulSet: Kubernetes' apps/v1 defaults, validation and the short list of
 * spec fields an update may change.
 */
import type { StatefulSet, StatefulSetSpec, StatefulSetUpdateStrategy } from '../generated/apps/v1';
import type { PodTemplateSpec, Volume } from '../generated/core/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, forbidden, invalid, notSupported, required } from '../validation/field-path';
import { isDNS1123Label, nameIsDNSLabel } from '../validation/primitives';
import {
  goIntOrString,
  goLabelSelector,
  intOrPercentValue,
  invalidShown,
  isNotMoreThan100Percent,
  selectorOrUndefined,
  semanticEqual,
  validateLongRunningTemplate,
  validateNonnegativeField,
  validatePositiveIntOrPercent,
  validateRequiredSelector,
} from './apps-v1-common';
import { applyPodTemplateDefaults, validatePodTemplateSpec } from './core-v1-pod';
import { applyPersistentVolumeClaimDefaults, validatePersistentVolumeClaimSpec } from './core-v1-storage';

const SPEC = FieldPath.root('spec');
const RETENTION_POLICIES = ['Retain', 'Delete'];

export function applyStatefulSetDefaults(sts: StatefulSet): void {
  const spec = (sts.spec ??= {});
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const strategy = (spec.updateStrategy ??= {});
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    strategy.rollingUpdate ??= {};
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) strategy.rollingUpdate.partition ??= 0;
  const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {});
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  applyPodTemplateDefaults((spec.template ??= {}));
  for (const claim of spec.volumeClaimTemplates ?? []) applyPersistentVolumeClaimDefaults(claim);
}

function validateUpdateStrategy(strategy: StatefulSetUpdateStrategy | undefined, path: FieldPath): FieldError[] {
  const s = strategy ?? {};
  const ruPath = path.child('rollingUpdate');
  switch (s.type ?? '') {
    case '':
      return [required(path)];
    case 'OnDelete':
      return s.rollingUpdate ? [invalid(ruPath, s.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      if (!ru) return [];
      const errs = validateNonnegativeField(ru.partition, ruPath.child('partition'));
      if (ru.maxUnavailable !== undefined) {
        const muPath = ruPath.child('maxUnavailable');
        errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, muPath));
        if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalidShown(muPath, goIntOrString(ru.maxUnavailable), 'cannot be 0'));
        errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, muPath));
      }
      return errs;
    }
    default:
      return [invalid(path, s, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

/**
 * The template with a volume for every claim template it does not already
 * name, the way the controller builds each pod, so mounts of claimed volumes
 * validate.
 */
function templateWithClaimVolumes(spec: StatefulSetSpec): PodTemplateSpec | undefined {
  const claims = spec.volumeClaimTemplates ?? [];
  if (claims.length === 0 || !spec.template) return spec.template;
  const volumes: Volume[] = [...(spec.template.spec?.volumes ?? [])];
  const names = new Set(volumes.map((v) => v.name));
  for (const claim of claims) {
    const name = claim.metadata?.name ?? '';
    if (name === '' || names.has(name)) continue;
    names.add(name);
    volumes.push({ name, persistentVolumeClaim: { claimName: name } });
  }
  return { ...spec.template, spec: { ...spec.template.spec, volumes } };
}

export interface StatefulSetValidationOptions {
  /** On update a serviceName the old object already had is not checked again. */
  allowInvalidServiceName?: boolean;
  /** On update unchanged claim templates are not checked again (they cannot change). */
  skipVolumeClaimTemplates?: boolean;
}

export function validateStatefulSetSpec(spec: StatefulSetSpec | undefined, path: FieldPath = SPEC, opts: StatefulSetValidationOptions = {}): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  const policy = s.podManagementPolicy ?? '';
  if (policy === '') errs.push(required(path.child('podManagementPolicy')));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') {
    errs.push(invalid(path.child('podManagementPolicy'), policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  errs.push(...validateUpdateStrategy(s.updateStrategy, path.child('updateStrategy')));

  const retention = s.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    const rPath = path.child('persistentVolumeClaimRetentionPolicy');
    for (const key of ['whenDeleted', 'whenScaled'] as const) {
      const value = retention[key] ?? '';
      if (!RETENTION_POLICIES.includes(value)) errs.push(notSupported(rPath.child(key), value, RETENTION_POLICIES));
    }
  }

  if (!opts.skipVolumeClaimTemplates) {
    (s.volumeClaimTemplates ?? []).forEach((claim, i) => {
      errs.push(...validatePersistentVolumeClaimSpec(claim.spec ?? {}, path.child('volumeClaimTemplates').index(i).child('spec')));
    });
  }

  errs.push(...validateNonnegativeField(s.replicas, path.child('replicas')));
  errs.push(...validateNonnegativeField(s.minReadySeconds, path.child('minReadySeconds')));
  if (s.ordinals) errs.push(...validateNonnegativeField(s.ordinals.start, path.child('ordinals', 'start')));
  if (s.serviceName && !opts.allowInvalidServiceName) errs.push(...isDNS1123Label(s.serviceName, path.child('serviceName')));

  errs.push(...validateRequiredSelector(s.selector, path.child('selector'), 'statefulset'));
  const selector = selectorOrUndefined(s.selector);
  if (!selector) errs.push(invalidShown(path.child('selector'), goLabelSelector(s.selector), ''));
  else {
    const withClaims = templateWithClaimVolumes(s);
    errs.push(
      ...validateLongRunningTemplate(s.template, selector, path.child('template'), 'StatefulSet', (_t, p) => validatePodTemplateSpec(withClaims, p)),
    );
  }
  return errs;
}

export function validateStatefulSet(sts: StatefulSet): FieldError[] {
  return validateStatefulSetSpec(sts.spec);
}

const UPDATABLE_FIELDS = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
] as const satisfies readonly (keyof StatefulSetSpec)[];

export function validateStatefulSetUpdate(sts: StatefulSet, old: StatefulSet): FieldError[] {
  const spec = sts.spec ?? {};
  const oldSpec = old.spec ?? {};
  const errs = validateStatefulSetSpec(spec, SPEC, {
    allowInvalidServiceName: spec.serviceName === oldSpec.serviceName,
    skipVolumeClaimTemplates: semanticEqual(spec.volumeClaimTemplates, oldSpec.volumeClaimTemplates),
  });
  const rest: StatefulSetSpec = { ...spec };
  const oldRest: StatefulSetSpec = { ...oldSpec };
  for (const key of UPDATABLE_FIELDS) {
    delete rest[key];
    delete oldRest[key];
  }
  if (!semanticEqual(rest, oldRest)) {
    errs.push(
      forbidden(
        SPEC,
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export const statefulSetStrategy: KindStrategy<StatefulSet> = {
  // The name becomes the pods' hostnames, so it must be a DNS label.
  nameValidator: nameIsDNSLabel,
  applyDefaults: applyStatefulSetDefaults,
  prepareForCreate(sts) {
    sts.status = {};
  },
  validate: validateStatefulSet,
  validateUpdate: validateStatefulSetUpdate,
};
