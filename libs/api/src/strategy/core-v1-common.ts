/**
 * Helpers shared by the core/v1 strategies: semantic equality of typed objects,
 * path and ID checks, label-selector-like requirements, and small format checks
 * that apimachinery's `util/validation` has but `validation/primitives` does not.
 *
 * Messages follow Kubernetes' word for word; where Kubernetes prints a Go struct
 * (`%#v`) the bad value is shown as JSON instead.
 */
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm } from '../generated/core/v1';
import { type FieldError, type FieldPath, duplicate, forbidden, invalid, notSupported, required } from '../validation/field-path';
import {
  dns1123SubdomainMessages,
  inclusiveRangeError,
  isDNS1123Subdomain,
  isValidLabelValue,
  labelValueMessages,
  nameIsDNSSubdomain,
  regexError,
  validateLabelName,
} from '../validation/primitives';

export const FIELD_IMMUTABLE = 'field is immutable';
export const IS_NOT_POSITIVE = 'must be greater than zero';
export const MAX_INT32 = 2147483647;

// ---------------------------------------------------------------------------
// Semantic equality

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/**
 * True for what Go would hold as a zero value: absent, empty string, 0, false,
 * an empty list or map, or an object whose fields are all zero. Protobuf
 * decoding yields `[]`/`{}` where JSON decoding leaves a field out, so both
 * must compare equal.
 */
export function isZeroValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (ArrayBuffer.isView(v)) return false;
  if (isPlainObject(v)) return Object.values(v).every(isZeroValue);
  return false;
}

function bytesEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * apimachinery's `Semantic.DeepEqual` for our typed objects: zero values equal
 * absent ones, quantities are compared as strings (they are normalized by the
 * strategies before comparison where it matters), bytes by content.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const za = isZeroValue(a);
  const zb = isZeroValue(b);
  if (za || zb) return za && zb;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    return ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && bytesEqual(a, b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** Map equality where a key's presence matters even when its value is empty (ConfigMap and Secret data). */
export function mapsEqual(a: Readonly<Record<string, unknown>> | undefined, b: Readonly<Record<string, unknown>> | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const kx = Object.keys(x);
  if (kx.length !== Object.keys(y).length) return false;
  for (const k of kx) {
    if (!(k in y)) return false;
    const vx = x[k];
    const vy = y[k];
    if (ArrayBuffer.isView(vx) && ArrayBuffer.isView(vy)) {
      if (!bytesEqual(vx, vy)) return false;
    } else if (vx !== vy) return false;
  }
  return true;
}

function showValue(v: unknown): string {
  if (v === undefined) return '<unset>';
  if (ArrayBuffer.isView(v)) return `<${v.byteLength} bytes>`;
  return JSON.stringify(v) ?? String(v);
}

/**
 * A short account of how `after` differs from `before`, one `path: old -> new`
 * line per changed leaf. Kubernetes appends a `cmp.Diff` to some immutability
 * errors; this plays the same part without claiming its exact format.
 */
export function describeChanges(before: unknown, after: unknown, prefix: string, limit = 20): string {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (lines.length >= limit || semanticEqual(a, b)) return;
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((x, i) => walk(x, b[i], `${path}[${i}]`));
      return;
    }
    if (isPlainObject(a) && isPlainObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const k of keys) walk(a[k], b[k], path ? `${path}.${k}` : k);
      return;
    }
    lines.push(`  ${path}: ${showValue(isZeroValue(a) ? undefined : a)} -> ${showValue(isZeroValue(b) ? undefined : b)}`);
  };
  walk(before, after, prefix);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Numbers and IDs

/** apimachinery's ValidateNonnegativeField. */
export function validateNonnegativeField(value: number | undefined, path: FieldPath): FieldError[] {
  return value !== undefined && value < 0 ? [invalid(path, value, 'must be greater than or equal to 0')] : [];
}

/** IsValidUserID / IsValidGroupID: 0 to 2^31-1. */
export function validateLinuxID(value: number | undefined, path: FieldPath): FieldError[] {
  if (value === undefined) return [];
  return value >= 0 && value <= MAX_INT32 ? [] : [invalid(path, value, inclusiveRangeError(0, MAX_INT32))];
}

/** A file mode such as a volume's defaultMode. */
export function validateFileMode(value: number | undefined, path: FieldPath): FieldError[] {
  if (value === undefined) return [];
  return value >= 0 && value <= 0o777 ? [] : [invalid(path, value, 'must be a number between 0 and 0777 (octal), both inclusive')];
}

// ---------------------------------------------------------------------------
// Paths on disk

function isAbsolutePath(p: string): boolean {
  return p.startsWith('/');
}

/** No `..` element anywhere in the path. */
export function validatePathNoBacksteps(target: string, path: FieldPath): FieldError[] {
  return target.split('/').includes('..') ? [invalid(path, target, "must not contain '..'")] : [];
}

/** A relative path without `..` elements. */
export function validateLocalDescendingPath(target: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (isAbsolutePath(target)) errs.push(invalid(path, target, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(target, path));
  return errs;
}

/** A relative path without `..` elements that does not start with `..` either. */
export function validateLocalNonReservedPath(target: string, path: FieldPath): FieldError[] {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(invalid(path, target, "must not start with '..'"));
  return errs;
}

export function validateAbsolutePath(target: string, path: FieldPath): FieldError[] {
  return isAbsolutePath(target) ? [] : [invalid(path, target, 'must be an absolute path')];
}

// ---------------------------------------------------------------------------
// Small formats

const HTTP_HEADER_NAME_FMT = '[-A-Za-z0-9]+';
const HTTP_HEADER_NAME_RE = new RegExp(`^${HTTP_HEADER_NAME_FMT}$`);

export function httpHeaderNameMessages(value: string): string[] {
  if (HTTP_HEADER_NAME_RE.test(value)) return [];
  return [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", HTTP_HEADER_NAME_FMT, 'X-Header-Name')];
}

/** A name validated as a DNS subdomain, each reason wrapped as Invalid at `path`. */
export function validateSubdomainName(value: string, path: FieldPath, prefix = false): FieldError[] {
  return nameIsDNSSubdomain(value, prefix).map((m) => invalid(path, value, m));
}

/** Every reason of a message function, as Invalid errors at `path`. */
export function wrapMessages(messages: readonly string[], path: FieldPath, value: unknown): FieldError[] {
  return messages.map((m) => invalid(path, value, m));
}

/** Go's `sets.List`: the supported values sorted, as NotSupported errors print them. */
export function sortedValues(values: Iterable<string>): string[] {
  return [...values].sort();
}

/** A NotSupported error when `value` is not one of `supported` (printed in the order given). */
export function checkSupported(value: string, supported: readonly string[], path: FieldPath): FieldError[] {
  return supported.includes(value) ? [] : [notSupported(path, value, supported)];
}

/** Required when empty, NotSupported when not in `supported`. */
export function checkRequiredSupported(value: string | undefined, supported: readonly string[], path: FieldPath): FieldError[] {
  if (!value) return [required(path)];
  return checkSupported(value, supported, path);
}

// ---------------------------------------------------------------------------
// Node selectors (node affinity, PersistentVolume nodeAffinity)

export function validateNodeSelectorRequirement(
  rq: NodeSelectorRequirement,
  allowInvalidLabelValue: boolean,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const values = rq.values ?? [];
  const operator = rq.operator ?? '';
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      }
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) {
        errs.push(required(path.child('values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      }
      break;
    default:
      errs.push(invalid(path.child('operator'), operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(rq.key ?? '', path.child('key')));
  if (!allowInvalidLabelValue) {
    values.forEach((v, i) => errs.push(...isValidLabelValue(v, path.child('values').index(i))));
  }
  return errs;
}

/** A matchFields requirement: only metadata.name, with exactly one value. */
export function validateNodeFieldSelectorRequirement(rq: NodeSelectorRequirement, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const values = rq.values ?? [];
  const operator = rq.operator ?? '';
  if (operator === 'In' || operator === 'NotIn') {
    if (values.length !== 1) {
      errs.push(required(path.child('values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    }
  } else {
    errs.push(invalid(path.child('operator'), operator, 'not a valid selector operator'));
  }
  if (rq.key !== 'metadata.name') {
    errs.push(invalid(path.child('key'), rq.key ?? '', 'not a valid field selector key'));
  } else {
    values.forEach((v, i) => errs.push(...wrapMessages(dns1123SubdomainMessages(v), path.child('values').index(i), v)));
  }
  return errs;
}

export function validateNodeSelectorTerm(term: NodeSelectorTerm, allowInvalidLabelValue: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (term.matchExpressions ?? []).forEach((rq, j) => {
    errs.push(...validateNodeSelectorRequirement(rq, allowInvalidLabelValue, path.child('matchExpressions').index(j)));
  });
  (term.matchFields ?? []).forEach((rq, j) => {
    errs.push(...validateNodeFieldSelectorRequirement(rq, path.child('matchFields').index(j)));
  });
  return errs;
}

export function validateNodeSelector(selector: NodeSelector, allowInvalidLabelValue: boolean, path: FieldPath): FieldError[] {
  const termsPath = path.child('nodeSelectorTerms');
  const terms = selector.nodeSelectorTerms ?? [];
  if (terms.length === 0) return [required(termsPath, 'must have at least one node selector term')];
  return terms.flatMap((term, i) => validateNodeSelectorTerm(term, allowInvalidLabelValue, termsPath.index(i)));
}

// ---------------------------------------------------------------------------
// Taints and tolerations share the effect check.

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export function validateTaintEffect(effect: string | undefined, allowEmpty: boolean, path: FieldPath): FieldError[] {
  if (!allowEmpty && !effect) return [required(path)];
  return checkSupported(effect ?? '', TAINT_EFFECTS, path);
}

/** A label value's reasons joined with ';', as taints and tolerations report them. */
export function joinedLabelValueMessages(value: string): string | undefined {
  const msgs = labelValueMessages(value);
  return msgs.length > 0 ? msgs.join(';') : undefined;
}

/** Duplicate-free check helper: returns a Duplicate error when `seen` already holds `key`. */
export function checkDuplicate(seen: Set<string>, key: string, path: FieldPath, value: unknown = key): FieldError[] {
  if (seen.has(key)) return [duplicate(path, value)];
  seen.add(key);
  return [];
}

/** A DNS subdomain check used for class names and similar references. */
export function validateClassName(value: string, path: FieldPath): FieldError[] {
  return isDNS1123Subdomain(value, path);
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function nowRFC3339(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
