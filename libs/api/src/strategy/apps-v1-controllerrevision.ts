/**
 * ControllerRevision: the immutable snapshots StatefulSets and DaemonSets keep
 * of their templates.
 */
import type { ControllerRevision } from '../generated/apps/v1';
import type { RawExtension } from '../generated/meta/v1/meta';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, required } from '../validation/field-path';
import { FIELD_IMMUTABLE, invalidShown, validateNonnegativeField } from './apps-v1-common';

const DATA = FieldPath.root('data');

function rawBytes(data: RawExtension | undefined): Uint8Array | undefined {
  return data?.raw;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  const x = a ?? new Uint8Array();
  const y = b ?? new Uint8Array();
  if (x.byteLength !== y.byteLength) return false;
  for (let i = 0; i < x.byteLength; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function validateControllerRevision(cr: ControllerRevision): FieldError[] {
  const errs: FieldError[] = [];
  if ((rawBytes(cr.data)?.byteLength ?? 0) === 0) errs.push(required(DATA, 'data is mandatory'));
  errs.push(...validateNonnegativeField(cr.revision ?? 0, FieldPath.root('revision')));
  return errs;
}

export function validateControllerRevisionUpdate(cr: ControllerRevision, old: ControllerRevision): FieldError[] {
  const errs = validateControllerRevision(cr);
  const next = rawBytes(cr.data);
  if (!sameBytes(next, rawBytes(old.data))) {
    // The data is JSON; it is shown as text rather than as Go's byte slice.
    errs.push(invalidShown(DATA, next ? Buffer.from(next).toString('utf8') : 'null', FIELD_IMMUTABLE));
  }
  return errs;
}

export const controllerRevisionStrategy: KindStrategy<ControllerRevision> = {
  validate: validateControllerRevision,
  validateUpdate: validateControllerRevisionUpdate,
};
