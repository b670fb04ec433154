/**
 * storage.k8s.io/v1 StorageClass: defaults, validation, and the fields fixed
 * at creation (provisioner, parameters, reclaimPolicy, volumeBindingMode).
 */
import type { TopologySelectorTerm } from '../generated/core/v1';
import type { StorageClass } from '../generated/storage/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, duplicate, forbidden, invalid, notSupported, required, tooLong } from '../validation/field-path';
import { qualifiedNameMessages, validateLabelName } from '../validation/primitives';
import { semanticEqual, validateImmutableField } from './apps-v1-common';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const VOLUME_BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

export function applyStorageClassDefaults(sc: StorageClass): void {
  if (!sc.reclaimPolicy) sc.reclaimPolicy = 'Delete';
  if (!sc.volumeBindingMode) sc.volumeBindingMode = 'Immediate';
}

function validateParameters(params: Readonly<Record<string, string>>, path: FieldPath): FieldError[] {
  const entries = Object.entries(params);
  if (entries.length > MAX_PARAMETERS) return [tooLong(path, 'Provisioner Parameters exceeded max allowed', MAX_PARAMETERS)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries) {
    if (k.length < 1) errs.push(invalid(path, k, 'field can not be empty.'));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(tooLong(path, '', MAX_PARAMETERS_SIZE));
  return errs;
}

/** A term's requirements by key, to spot duplicate terms. */
function validateTopologySelectorTerm(term: TopologySelectorTerm, path: FieldPath): { errors: FieldError[]; byKey: Map<string, Set<string>> } {
  const errors: FieldError[] = [];
  const byKey = new Map<string, Set<string>>();
  const exprPath = path.child('matchLabelExpressions');
  (term.matchLabelExpressions ?? []).forEach((req, i) => {
    const p = exprPath.index(i);
    const values = new Set<string>();
    const list = req.values ?? [];
    if (list.length === 0) errors.push(required(p.child('values')));
    list.forEach((v, j) => {
      if (values.has(v)) errors.push(duplicate(p.child('values').index(j), v));
      values.add(v);
    });
    const key = req.key ?? '';
    errors.push(...validateLabelName(key, p.child('key')));
    if (byKey.has(key)) errors.push(duplicate(p.child('key'), key));
    byKey.set(key, values);
  });
  return { errors, byKey };
}

function validateAllowedTopologies(terms: readonly TopologySelectorTerm[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen: Map<string, Set<string>>[] = [];
  const asPlain = (m: Map<string, Set<string>>): Record<string, string[]> =>
    Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]));
  terms.forEach((term, i) => {
    const p = path.index(i);
    const { errors, byKey } = validateTopologySelectorTerm(term, p);
    errs.push(...errors);
    if (seen.some((other) => semanticEqual(asPlain(other), asPlain(byKey)))) errs.push(duplicate(p.child('matchLabelExpressions'), ''));
    seen.push(byKey);
  });
  return errs;
}

export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = sc.provisioner ?? '';
  const provisionerPath = FieldPath.root('provisioner');
  if (provisioner === '') errs.push(required(provisionerPath));
  else for (const msg of qualifiedNameMessages(provisioner.toLowerCase())) errs.push(invalid(provisionerPath, provisioner, msg));
  errs.push(...validateParameters(sc.parameters ?? {}, FieldPath.root('parameters')));
  if (sc.reclaimPolicy && !RECLAIM_POLICIES.includes(sc.reclaimPolicy)) {
    errs.push(notSupported(FieldPath.root('reclaimPolicy'), sc.reclaimPolicy, RECLAIM_POLICIES));
  }
  const modePath = FieldPath.root('volumeBindingMode');
  if (sc.volumeBindingMode === undefined) errs.push(required(modePath));
  else if (!VOLUME_BINDING_MODES.includes(sc.volumeBindingMode)) errs.push(notSupported(modePath, sc.volumeBindingMode, VOLUME_BINDING_MODES));
  errs.push(...validateAllowedTopologies(sc.allowedTopologies ?? [], FieldPath.root('allowedTopologies')));
  return errs;
}

export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs = validateStorageClass(sc);
  if (!semanticEqual(sc.parameters ?? {}, old.parameters ?? {})) {
    errs.push(forbidden(FieldPath.root('parameters'), 'updates to parameters are forbidden.'));
  }
  if ((sc.provisioner ?? '') !== (old.provisioner ?? '')) errs.push(forbidden(FieldPath.root('provisioner'), 'updates to provisioner are forbidden.'));
  if ((sc.reclaimPolicy ?? '') !== (old.reclaimPolicy ?? '')) {
    errs.push(forbidden(FieldPath.root('reclaimPolicy'), 'updates to reclaimPolicy are forbidden.'));
  }
  errs.push(...validateImmutableField(sc.volumeBindingMode, old.volumeBindingMode, FieldPath.root('volumeBindingMode')));
  return errs;
}

export const storageClassStrategy: KindStrategy<StorageClass> = {
  applyDefaults: applyStorageClassDefaults,
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
};
