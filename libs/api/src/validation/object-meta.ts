import type { ObjectMeta } from '../generated/meta/v1/meta';
import { FieldPath, forbidden, invalid, required, type FieldError } from './field-path';
import {
  isQualifiedName,
  nameIsDNSSubdomain,
  validateAnnotations,
  validateLabels,
  validateNamespaceName,
  validateObjectMetaName,
  type NameValidator,
} from './primitives';

const META = FieldPath.root('metadata');

/** apimachinery's ValidateObjectMeta: name, namespace, labels, annotations, owners, finalizers. */
export function validateObjectMeta(
  meta: ObjectMeta,
  namespaced: boolean,
  nameFn: NameValidator = nameIsDNSSubdomain,
): FieldError[] {
  const errs: FieldError[] = validateObjectMetaName(meta, nameFn, META);
  const namespace = meta.namespace ?? '';
  if (namespaced) {
    if (namespace === '') errs.push(required(META.child('namespace')));
    else for (const msg of validateNamespaceName(namespace, false)) errs.push(invalid(META.child('namespace'), namespace, msg));
  } else if (namespace !== '') {
    errs.push(forbidden(META.child('namespace'), 'not allowed on this type'));
  }
  if ((meta.generation ?? 0) < 0) errs.push(invalid(META.child('generation'), meta.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(meta.labels, META.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, META.child('annotations')));
  const owners = meta.ownerReferences ?? [];
  if (owners.length > 0) validateOwnerReferences(owners, errs);
  const finalizers = meta.finalizers ?? [];
  for (let i = 0; i < finalizers.length; i++) errs.push(...isQualifiedName(finalizers[i], META.child('finalizers').index(i)));
  return errs;
}

function validateOwnerReferences(owners: NonNullable<ObjectMeta['ownerReferences']>, errs: FieldError[]): void {
  owners.forEach((ref, i) => {
    const path = META.child('ownerReferences').index(i);
    if (!ref.apiVersion) errs.push(invalid(path.child('apiVersion'), ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(invalid(path.child('kind'), ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(invalid(path.child('name'), ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(invalid(path.child('uid'), ref.uid ?? '', 'uid must not be empty'));
  });
  const controllers = owners.filter((ref) => ref.controller);
  if (controllers.length > 1) {
    errs.push(
      invalid(
        META.child('ownerReferences'),
        owners,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.map((c) => `${c.kind}/${c.name}`).join(' and ')}`,
      ),
    );
  }
}

/** apimachinery's ValidateObjectMetaUpdate: identity fields never change. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  const immutable = (field: 'name' | 'namespace' | 'uid' | 'creationTimestamp'): void => {
    if ((meta[field] ?? '') !== (old[field] ?? '')) {
      errs.push(invalid(META.child(field), meta[field] ?? '', 'field is immutable'));
    }
  };
  immutable('name');
  immutable('namespace');
  immutable('uid');
  immutable('creationTimestamp');
  return errs;
}
