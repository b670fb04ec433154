/**
 * DaemonSet: Kubernetes' apps/v1 defaults, validation and update rules,
 * including the template generation kept in the
 * `deprecated.daemonset.template.generation` annotation.
 */
import type { DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy } from '../generated/apps/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, notSupported, required } from '../validation/field-path';
import { validateLabelSelector } from '../validation/primitives';
import {
  goLabelSelector,
  intOrPercentValue,
  invalidShown,
  goIntOrString,
  isNotMoreThan100Percent,
  selectorMismatch,
  selectorOrUndefined,
  semanticEqual,
  validateAlwaysRestart,
  validateImmutableSelector,
  validateNonnegativeField,
  validatePositiveIntOrPercent,
} from './apps-v1-common';
import { applyPodTemplateDefaults, validatePodTemplateSpec } from './core-v1-pod';

const SPEC = FieldPath.root('spec');

/** Where apps/v1 keeps the DaemonSet's template generation. */
export const DAEMONSET_TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export function applyDaemonSetDefaults(ds: DaemonSet): void {
  const spec = (ds.spec ??= {});
  const strategy = (spec.updateStrategy ??= {});
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= { type: 0, intVal: 1 };
    ru.maxSurge ??= { type: 0, intVal: 0 };
  }
  spec.revisionHistoryLimit ??= 10;
  applyPodTemplateDefaults((spec.template ??= {}));
}

function validateUpdateStrategy(strategy: DaemonSetUpdateStrategy | undefined, path: FieldPath): FieldError[] {
  const s = strategy ?? {};
  switch (s.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate': {
      const ruPath = path.child('rollingUpdate');
      const ru = s.rollingUpdate;
      if (!ru) return [required(ruPath)];
      const errs = [
        ...validatePositiveIntOrPercent(ru.maxUnavailable, ruPath.child('maxUnavailable')),
        ...validatePositiveIntOrPercent(ru.maxSurge, ruPath.child('maxSurge')),
        ...isNotMoreThan100Percent(ru.maxUnavailable, ruPath.child('maxUnavailable')),
        ...isNotMoreThan100Percent(ru.maxSurge, ruPath.child('maxSurge')),
      ];
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) {
        errs.push(invalidShown(ruPath.child('maxSurge'), goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(required(ruPath.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
      }
      return errs;
    }
    default:
      return [notSupported(path, s, ['RollingUpdate', 'OnDelete'])];
  }
}

export function validateDaemonSetSpec(spec: DaemonSetSpec | undefined, path: FieldPath = SPEC): FieldError[] {
  const s = spec ?? {};
  const selPath = path.child('selector');
  const templatePath = path.child('template');
  const errs = validateLabelSelector(s.selector, selPath);
  const selector = selectorOrUndefined(s.selector);
  const labels = s.template?.metadata?.labels;
  if (selector && !selector.matches(labels)) errs.push(selectorMismatch(labels, templatePath));
  if (s.selector && Object.keys(s.selector.matchLabels ?? {}).length + (s.selector.matchExpressions ?? []).length === 0) {
    errs.push(invalidShown(selPath, goLabelSelector(s.selector), 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(s.template, templatePath));
  errs.push(...validateAlwaysRestart(s.template, templatePath, 'DaemonSet'));
  errs.push(...validateNonnegativeField(s.minReadySeconds, path.child('minReadySeconds')));
  errs.push(...validateUpdateStrategy(s.updateStrategy, path.child('updateStrategy')));
  errs.push(...validateNonnegativeField(s.revisionHistoryLimit, path.child('revisionHistoryLimit')));
  return errs;
}

/** The template generation the annotation records; 0 when absent or unreadable. */
export function daemonSetTemplateGeneration(ds: DaemonSet): number {
  const raw = ds.metadata?.annotations?.[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION];
  return raw !== undefined && /^[0-9]+$/.test(raw) ? Number(raw) : 0;
}

function setTemplateGeneration(ds: DaemonSet, generation: number): void {
  const meta = (ds.metadata ??= {});
  meta.annotations = { ...(meta.annotations ?? {}), [DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  return validateDaemonSetSpec(ds.spec);
}

export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  return [...validateDaemonSet(ds), ...validateImmutableSelector(ds.spec?.selector, old.spec?.selector, SPEC.child('selector'))];
}

export const daemonSetStrategy: KindStrategy<DaemonSet> = {
  applyDefaults: applyDaemonSetDefaults,
  prepareForCreate(ds) {
    ds.status = {};
    setTemplateGeneration(ds, 1);
  },
  prepareForUpdate(ds, old) {
    // The template generation is the server's: it moves on only when the template changes.
    const previous = daemonSetTemplateGeneration(old);
    const changed = !semanticEqual(ds.spec?.template, old.spec?.template);
    const next = changed ? previous + 1 : previous;
    if (next > 0) setTemplateGeneration(ds, next);
    else if (ds.metadata?.annotations) delete ds.metadata.annotations[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION];
  },
  validate: validateDaemonSet,
  validateUpdate: validateDaemonSetUpdate,
};
