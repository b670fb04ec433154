/**
 * Helpers shared by the workload strategies (apps/v1 and batch/v1): Go
 * renderings of the bad values Kubernetes prints with `%#v`, int-or-percent
 * checks, selector/template agreement, and the pod-template rules every
 * controller-owned template follows.
 *
 * Where Kubernetes prints a map, an IntOrString or a LabelSelector as Go
 * syntax, the same text is produced here (`map[string]string{"app":"web"}`),
 * because users and tests match on those messages. The generic field-error
 * formatter would print JSON for objects, so such errors carry the rendered
 * value at the front of their detail instead of in `badValue`.
 */
import type { PodTemplateSpec } from '../generated/core/v1';
import type { IntOrString, LabelSelector } from '../generated/meta/v1/meta';
import { LabelSelectorError, type Selector, selectorFromLabelSelector } from '../labels/selector';
import { type FieldError, type FieldPath, forbidden, goQuote, invalid, notSupported, required } from '../validation/field-path';
import { isValidPercent, validateLabelSelector } from '../validation/primitives';
import { FIELD_IMMUTABLE, semanticEqual, validateNonnegativeField } from './core-v1-common';
import { validatePodTemplateSpec } from './core-v1-pod';

export { FIELD_IMMUTABLE, MAX_INT32, semanticEqual, validateNonnegativeField } from './core-v1-common';

// ---------------------------------------------------------------------------
// Go renderings of bad values

/** Go's `%#v` of a map[string]string: keys sorted, `map[string]string(nil)` when empty. */
export function goStringMap(m: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  if (keys.length === 0) return 'map[string]string(nil)';
  const entries = keys.map((k) => `${goQuote(k)}:${goQuote((m ?? {})[k] ?? '')}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** Go's `%#v` of a []string. */
export function goStringSlice(values: readonly string[] | undefined): string {
  if (!values || values.length === 0) return '[]string(nil)';
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/** Go's `%#v` of a []int32. */
export function goInt32Slice(values: readonly number[] | undefined): string {
  if (!values || values.length === 0) return '[]int32(nil)';
  return `[]int32{${values.join(', ')}}`;
}

/** Type 1 is a string; anything else (0 or unset) is an int, as protobuf leaves the zero value out. */
export function isIntOrStringString(v: IntOrString | undefined): boolean {
  return v?.type === 1;
}

/** Go's `%#v` of an intstr.IntOrString. */
export function goIntOrString(v: IntOrString | undefined): string {
  const type = isIntOrStringString(v) ? 1 : 0;
  return `intstr.IntOrString{Type:${type}, IntVal:${v?.intVal ?? 0}, StrVal:${goQuote(v?.strVal ?? '')}}`;
}

/** Go's `%#v` of a metav1.LabelSelector (Kubernetes dereferences the pointer before printing). */
export function goLabelSelector(sel: LabelSelector | undefined): string {
  const exprs = sel?.matchExpressions ?? [];
  const labels = Object.keys(sel?.matchLabels ?? {}).length === 0 ? 'map[string]string(nil)' : goStringMap(sel?.matchLabels);
  const rendered =
    exprs.length === 0
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${exprs
          .map((e) => `v1.LabelSelectorRequirement{Key:${goQuote(e.key ?? '')}, Operator:${goQuote(e.operator ?? '')}, Values:${goStringSlice(e.values)}}`)
          .join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${rendered}}`;
}

/**
 * An Invalid error whose value Kubernetes prints in Go syntax: the rendered
 * value leads the detail, so `formatFieldError` reads exactly like Kubernetes
 * (`path: Invalid value: <go>: <detail>`).
 */
export function invalidShown(path: FieldPath, shown: string, detail: string): FieldError {
  return { type: 'Invalid', field: path.toString(), detail: detail ? `${shown}: ${detail}` : shown };
}

// ---------------------------------------------------------------------------
// Immutability

/** ValidateImmutableField; `shown` renders the new value in Go syntax when JSON would not read like Kubernetes. */
export function validateImmutableField(
  newVal: unknown,
  oldVal: unknown,
  path: FieldPath,
  shown?: (v: unknown) => string,
): FieldError[] {
  if (semanticEqual(newVal, oldVal)) return [];
  if (shown) return [invalidShown(path, shown(newVal), FIELD_IMMUTABLE)];
  return [invalid(path, newVal ?? null, FIELD_IMMUTABLE)];
}

export function validateImmutableSelector(sel: LabelSelector | undefined, old: LabelSelector | undefined, path: FieldPath): FieldError[] {
  return validateImmutableField(sel, old, path, (v) => (v === undefined ? 'null' : goLabelSelector(v as LabelSelector)));
}

// ---------------------------------------------------------------------------
// Int or percent (maxSurge, maxUnavailable)

const PERCENT_RE = /^[0-9]+%$/;

/** The percentage of a valid percent string, or undefined for ints and malformed strings. */
export function percentValue(v: IntOrString | undefined): number | undefined {
  if (!isIntOrStringString(v)) return undefined;
  const s = v?.strVal ?? '';
  return PERCENT_RE.test(s) ? Number(s.slice(0, -1)) : undefined;
}

/** getIntOrPercentValue: the percentage for percent strings, the int otherwise (0 for unparsable strings). */
export function intOrPercentValue(v: IntOrString | undefined): number {
  const pct = percentValue(v);
  if (pct !== undefined) return pct;
  if (isIntOrStringString(v)) {
    const s = v?.strVal ?? '';
    return /^[+-]?[0-9]+$/.test(s) ? Number(s) : 0;
  }
  return v?.intVal ?? 0;
}

/** ValidatePositiveIntOrPercent: a non-negative int or a `N%` string. */
export function validatePositiveIntOrPercent(v: IntOrString | undefined, path: FieldPath): FieldError[] {
  if (isIntOrStringString(v)) {
    return isValidPercent(v?.strVal ?? '', path).map((e) => invalidShown(path, goIntOrString(v), e.detail ?? ''));
  }
  return validateNonnegativeField(v?.intVal ?? 0, path);
}

/** IsNotMoreThan100Percent. */
export function isNotMoreThan100Percent(v: IntOrString | undefined, path: FieldPath): FieldError[] {
  const pct = percentValue(v);
  if (pct === undefined || pct <= 100) return [];
  return [invalidShown(path, goIntOrString(v), 'must not be greater than 100%')];
}

// ---------------------------------------------------------------------------
// Selectors and templates

/** metav1.LabelSelectorAsSelector without the throw: undefined when the selector is malformed. */
export function selectorOrUndefined(sel: LabelSelector | undefined): Selector | undefined {
  try {
    return selectorFromLabelSelector(sel);
  } catch (e) {
    if (e instanceof LabelSelectorError) return undefined;
    throw e;
  }
}

/** The error every workload reports when its selector does not select its own pods. */
export function selectorMismatch(labels: Readonly<Record<string, string>> | undefined, templatePath: FieldPath): FieldError {
  return invalidShown(templatePath.child('metadata', 'labels'), goStringMap(labels), '`selector` does not match template `labels`');
}

/**
 * A required, strictly validated, non-empty selector, as Deployments,
 * ReplicaSets and StatefulSets demand (`kindWord` ends the empty-selector message).
 */
export function validateRequiredSelector(sel: LabelSelector | undefined, path: FieldPath, kindWord: string): FieldError[] {
  if (!sel) return [required(path)];
  const errs = validateLabelSelector(sel, path);
  if (Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0) {
    errs.push(invalidShown(path, goLabelSelector(sel), `empty selector is invalid for ${kindWord}`));
  }
  return errs;
}

/**
 * The rules of a pod template owned by a long-running controller: labels the
 * selector matches (unless the selector is empty), a valid pod template,
 * restartPolicy Always, and no activeDeadlineSeconds (`owner` names the kind in
 * that message, as Kubernetes words it).
 */
export function validateLongRunningTemplate(
  template: PodTemplateSpec | undefined,
  selector: Selector,
  path: FieldPath,
  owner: string,
  validateTemplate: (t: PodTemplateSpec | undefined, p: FieldPath) => FieldError[] = validatePodTemplateSpec,
): FieldError[] {
  const errs: FieldError[] = [];
  const labels = template?.metadata?.labels;
  if (!selector.isEmpty() && !selector.matches(labels)) errs.push(selectorMismatch(labels, path));
  errs.push(...validateTemplate(template, path));
  errs.push(...validateAlwaysRestart(template, path, owner));
  return errs;
}

/** restartPolicy Always and no activeDeadlineSeconds in a template of a long-running workload. */
export function validateAlwaysRestart(template: PodTemplateSpec | undefined, path: FieldPath, owner: string): FieldError[] {
  const errs: FieldError[] = [];
  const restartPolicy = template?.spec?.restartPolicy ?? '';
  if (restartPolicy !== 'Always') errs.push(notSupported(path.child('spec', 'restartPolicy'), restartPolicy, ['Always']));
  if (template?.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(forbidden(path.child('spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${owner} is not Supported`));
  }
  return errs;
}
