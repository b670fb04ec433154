/**
 * ResourceQuota and LimitRange: resource names and quantities, quota scopes,
 * and the ordering rules between a limit range's min, max and defaults.
 */
import type { LimitRange, LimitRangeItem, ResourceQuota, ResourceQuotaSpec, ResourceQuotaStatus } from '../generated/core/v1';
import { type Quantity, compareQuantity, toMilli, toValue } from '../quantity';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, duplicate, forbidden, invalid, required } from '../validation/field-path';
import { qualifiedNameMessages } from '../validation/primitives';
import { FIELD_IMMUTABLE, wrapMessages } from './core-v1-common';
import {
  canonical,
  isOvercommitAllowed,
  isStandardQuotaResourceName,
  parseQuantityAt,
  validateContainerResourceName,
  validateQuotaResourceName,
  validateResourceName,
  validateResourceQuantityValue,
} from './core-v1-resources';

// ---------------------------------------------------------------------------
// ResourceQuota

const STANDARD_SCOPES = new Set([
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
  'VolumeAttributesClass',
]);
const POD_COUNT_RESOURCES = new Set(['pods']);
const POD_COMPUTE_RESOURCES = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);
const PVC_RESOURCES = new Set(['persistentvolumeclaims', 'requests.storage']);
const EXISTS_ONLY_SCOPES = new Set(['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity']);
const CONFLICTING_SCOPES: readonly (readonly [string, string])[] = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];

function scopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating':
    case 'NotTerminating':
    case 'NotBestEffort':
    case 'PriorityClass':
    case 'CrossNamespacePodAffinity':
      return POD_COUNT_RESOURCES.has(resource) || POD_COMPUTE_RESOURCES.has(resource);
    case 'BestEffort':
      return POD_COUNT_RESOURCES.has(resource);
    case 'VolumeAttributesClass':
      return PVC_RESOURCES.has(resource);
    default:
      return true;
  }
}

function validateQuotaList(list: Readonly<Record<string, string>> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, value] of Object.entries(list ?? {})) {
    const p = path.key(name);
    errs.push(...validateQuotaResourceName(name, p));
    const { quantity, errors } = parseQuantityAt(value, p);
    errs.push(...errors);
    if (quantity) errs.push(...validateResourceQuantityValue(name, quantity, p));
  }
  return errs;
}

export function validateResourceQuotaSpec(spec: ResourceQuotaSpec, path: FieldPath): FieldError[] {
  const errs = validateQuotaList(spec.hard, path.child('hard'));
  const hard = Object.keys(spec.hard ?? {}).sort();
  const scopes = spec.scopes ?? [];
  if (scopes.length > 0) {
    const p = path.child('scopes');
    for (const scope of scopes) {
      if (!STANDARD_SCOPES.has(scope)) errs.push(invalid(p, scopes, 'unsupported scope'));
      for (const k of hard) {
        if (isStandardQuotaResourceName(k) && !scopeValidForResource(scope, k)) errs.push(invalid(p, scopes, 'unsupported scope applied to resource'));
      }
    }
    for (const [a, b] of CONFLICTING_SCOPES) if (scopes.includes(a) && scopes.includes(b)) errs.push(invalid(p, scopes, 'conflicting scopes'));
  }
  const selector = spec.scopeSelector;
  if (selector) {
    const p = path.child('scopeSelector', 'matchExpressions');
    const seen = new Set<string>();
    for (const req of selector.matchExpressions ?? []) {
      const scope = req.scopeName ?? '';
      const operator = req.operator ?? '';
      const values = req.values ?? [];
      if (!STANDARD_SCOPES.has(scope)) errs.push(invalid(p.child('scopeName'), scope, 'unsupported scope'));
      for (const k of hard) {
        if (isStandardQuotaResourceName(k) && !scopeValidForResource(scope, k)) errs.push(invalid(p, selector, 'unsupported scope applied to resource'));
      }
      if (EXISTS_ONLY_SCOPES.has(scope) && operator !== 'Exists') {
        errs.push(
          invalid(
            p.child('operator'),
            operator,
            "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
          ),
        );
      }
      switch (operator) {
        case 'In':
        case 'NotIn':
          if (values.length === 0) errs.push(required(p.child('values'), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
          break;
        case 'Exists':
        case 'DoesNotExist':
          if (values.length > 0) errs.push(invalid(p.child('values'), values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
          break;
        default:
          errs.push(invalid(p.child('operator'), operator, 'not a valid selector operator'));
      }
      seen.add(scope);
    }
    for (const [a, b] of CONFLICTING_SCOPES) if (seen.has(a) && seen.has(b)) errs.push(invalid(p, scopes, 'conflicting scopes'));
  }
  return errs;
}

function validateResourceQuotaStatus(status: ResourceQuotaStatus | undefined): FieldError[] {
  const p = FieldPath.root('status');
  return [...validateQuotaList(status?.hard, p.child('hard')), ...validateQuotaList(status?.used, p.child('used'))];
}

export function validateResourceQuota(rq: ResourceQuota): FieldError[] {
  return [...validateResourceQuotaSpec(rq.spec ?? {}, FieldPath.root('spec')), ...validateResourceQuotaStatus(rq.status)];
}

export function validateResourceQuotaUpdate(rq: ResourceQuota, old: ResourceQuota): FieldError[] {
  const errs = validateResourceQuota(rq);
  const scopes = rq.spec?.scopes ?? [];
  const a = new Set(scopes);
  const b = new Set(old.spec?.scopes ?? []);
  if (a.size !== b.size || [...a].some((s) => !b.has(s))) errs.push(invalid(FieldPath.root('spec', 'scopes'), scopes, FIELD_IMMUTABLE));
  return errs;
}

export const resourceQuotaStrategy: KindStrategy<ResourceQuota> = {
  prepareForCreate(rq) {
    rq.status = {};
  },
  validate: validateResourceQuota,
  validateUpdate: validateResourceQuotaUpdate,
};

// ---------------------------------------------------------------------------
// LimitRange

const STANDARD_LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);

/** SetDefaults_LimitRangeItem: a Container limit's default comes from max, its defaultRequest from default or min. */
export function applyLimitRangeDefaults(lr: LimitRange): void {
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    const defaults = { ...(item.default ?? {}) };
    const defaultRequest = { ...(item.defaultRequest ?? {}) };
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in defaults)) defaults[k] = v;
    for (const [k, v] of Object.entries(defaults)) if (!(k in defaultRequest)) defaultRequest[k] = v;
    for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in defaultRequest)) defaultRequest[k] = v;
    item.default = defaults;
    item.defaultRequest = defaultRequest;
  }
}

function validateLimitType(type: string, path: FieldPath): FieldError[] {
  const errs = wrapMessages(qualifiedNameMessages(type), path, type);
  if (errs.length > 0) return errs;
  if (!type.includes('/') && !STANDARD_LIMIT_TYPES.has(type)) errs.push(invalid(path, type, 'must be a standard limit type or fully qualified'));
  return errs;
}

type Section = 'max' | 'min' | 'default' | 'defaultRequest' | 'maxLimitRequestRatio';

function validateLimitRangeItem(item: LimitRangeItem, idx: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const type = item.type ?? '';
  const nameFn = type === 'Pod' || type === 'Container' ? validateContainerResourceName : validateResourceName;
  const keys = new Set<string>();
  const values: Record<Section, Map<string, Quantity>> = {
    max: new Map(),
    min: new Map(),
    default: new Map(),
    defaultRequest: new Map(),
    maxLimitRequestRatio: new Map(),
  };
  const collect = (section: Section): void => {
    for (const [k, v] of Object.entries(item[section] ?? {})) {
      const p = idx.child(section).key(k);
      errs.push(...nameFn(k, p));
      keys.add(k);
      const { quantity, errors } = parseQuantityAt(v, p);
      errs.push(...errors);
      if (quantity) values[section].set(k, quantity);
    }
  };
  collect('max');
  collect('min');
  if (type === 'Pod') {
    if (Object.keys(item.default ?? {}).length > 0) errs.push(forbidden(idx.child('default'), "may not be specified when `type` is 'Pod'"));
    if (Object.keys(item.defaultRequest ?? {}).length > 0) errs.push(forbidden(idx.child('defaultRequest'), "may not be specified when `type` is 'Pod'"));
  } else {
    collect('default');
    collect('defaultRequest');
  }
  if (type === 'PersistentVolumeClaim' && !('storage' in (item.min ?? {})) && !('storage' in (item.max ?? {}))) {
    errs.push(required(idx.child('limits'), 'either minimum or maximum storage value is required, but neither was provided'));
  }
  collect('maxLimitRequestRatio');

  for (const k of keys) {
    const min = values.min.get(k);
    const max = values.max.get(k);
    const def = values.default.get(k);
    const defReq = values.defaultRequest.get(k);
    const ratio = values.maxLimitRequestRatio.get(k);
    const s = (q: Quantity): string => canonical(q);
    if (min && max && compareQuantity(min, max) > 0) errs.push(invalid(idx.child('min').key(k), s(min), `min value ${s(min)} is greater than max value ${s(max)}`));
    if (defReq && min && compareQuantity(min, defReq) > 0) {
      errs.push(invalid(idx.child('defaultRequest').key(k), s(defReq), `min value ${s(min)} is greater than default request value ${s(defReq)}`));
    }
    if (defReq && max && compareQuantity(defReq, max) > 0) {
      errs.push(invalid(idx.child('defaultRequest').key(k), s(defReq), `default request value ${s(defReq)} is greater than max value ${s(max)}`));
    }
    if (defReq && def && compareQuantity(defReq, def) > 0) {
      errs.push(invalid(idx.child('defaultRequest').key(k), s(defReq), `default request value ${s(defReq)} is greater than default limit value ${s(def)}`));
    }
    if (def && min && compareQuantity(min, def) > 0) errs.push(invalid(idx.child('default').key(k), s(min), `min value ${s(min)} is greater than default value ${s(def)}`));
    if (def && max && compareQuantity(def, max) > 0) errs.push(invalid(idx.child('default').key(k), s(max), `default value ${s(def)} is greater than max value ${s(max)}`));
    if (ratio && toMilli(ratio) < 1000n) errs.push(invalid(idx.child('maxLimitRequestRatio').key(k), s(ratio), `ratio ${s(ratio)} is less than 1`));
    if (ratio && min && max) {
      const useMilli = toValue(ratio) < 2n ** 53n && toValue(min) < 2n ** 53n && toValue(max) < 2n ** 53n;
      const ratioValue = useMilli ? Number(toMilli(ratio)) / 1000 : Number(toValue(ratio));
      const limit = useMilli ? Number(toMilli(max)) / Number(toMilli(min)) : Number(toValue(max)) / Number(toValue(min));
      if (ratioValue > limit) {
        errs.push(invalid(idx.child('maxLimitRequestRatio').key(k), s(ratio), `ratio ${s(ratio)} is greater than max/min = ${limit.toFixed(6)}`));
      }
    }
    if (!isOvercommitAllowed(k) && def && defReq && compareQuantity(def, defReq) !== 0) {
      errs.push(invalid(idx.child('defaultRequest').key(k), s(defReq), `default value ${s(def)} must equal to defaultRequest value ${s(defReq)} in ${k}`));
    }
  }
  return errs;
}

export function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  const types = new Set<string>();
  (lr.spec?.limits ?? []).forEach((item, i) => {
    const idx = FieldPath.root('spec', 'limits').index(i);
    const type = item.type ?? '';
    errs.push(...validateLimitType(type, idx.child('type')));
    if (types.has(type)) errs.push(duplicate(idx.child('type'), type));
    types.add(type);
    errs.push(...validateLimitRangeItem(item, idx));
  });
  return errs;
}

export const limitRangeStrategy: KindStrategy<LimitRange> = {
  applyDefaults: applyLimitRangeDefaults,
  validate: validateLimitRange,
  validateUpdate: (lr) => validateLimitRange(lr),
};
