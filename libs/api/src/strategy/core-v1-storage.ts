/**
 * PersistentVolume and PersistentVolumeClaim: defaults, validation, and the
 * immutability rules of their updates. The claim spec checks are shared with
 * generic ephemeral volumes in pod specs.
 */
import type { ObjectMeta } from '../generated/meta/v1/meta';
import type {
  PersistentVolume,
  PersistentVolumeClaim,
  PersistentVolumeClaimSpec,
  PersistentVolumeClaimTemplate,
  PersistentVolumeSpec,
  SecretReference,
  TypedLocalObjectReference,
  TypedObjectReference,
} from '../generated/core/v1';
import { compareQuantity } from '../quantity';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, forbidden, invalid, notSupported, required, tooLong } from '../validation/field-path';
import {
  dns1123SubdomainMessages,
  isDNS1123Label,
  isDNS1123Subdomain,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateNamespaceName,
} from '../validation/primitives';
import {
  FIELD_IMMUTABLE,
  IS_NOT_POSITIVE,
  describeChanges,
  nowRFC3339,
  semanticEqual,
  sortedValues,
  validateClassName,
  validateNodeSelector,
  validatePathNoBacksteps,
  validateAbsolutePath,
  wrapMessages,
} from './core-v1-common';
import { canonical, parseQuantityAt, validateResourceQuantityValue } from './core-v1-resources';

const ACCESS_MODES = sortedValues(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']);
const RECLAIM_POLICIES = sortedValues(['Delete', 'Recycle', 'Retain']);
const VOLUME_MODES = sortedValues(['Block', 'Filesystem']);
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function validateAccessModes(modes: readonly string[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let rwop = false;
  let other = false;
  for (const mode of modes) {
    if (!ACCESS_MODES.includes(mode)) errs.push(notSupported(path, mode, ACCESS_MODES));
    if (mode === 'ReadWriteOncePod') rwop = true;
    else if (ACCESS_MODES.includes(mode)) other = true;
  }
  if (rwop && other) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

// ---------------------------------------------------------------------------
// PersistentVolumeClaimSpec (claims and ephemeral volume templates)

export function applyPersistentVolumeClaimSpecDefaults(spec: PersistentVolumeClaimSpec): void {
  spec.volumeMode ??= 'Filesystem';
}

function validateDataSource(ds: TypedLocalObjectReference | TypedObjectReference, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!ds.name) errs.push(required(path.child('name')));
  if (!ds.kind) errs.push(required(path.child('kind')));
  const apiGroup = ds.apiGroup ?? '';
  if (apiGroup === '' && ds.kind !== 'PersistentVolumeClaim') {
    errs.push(invalid(path, ds.kind ?? '', "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  }
  if (apiGroup !== '') errs.push(...isDNS1123Subdomain(apiGroup, path.child('apiGroup')));
  if ('namespace' in ds && ds.namespace) {
    errs.push(...wrapMessages(validateNamespaceName(ds.namespace, false), path.child('namespace'), ds.namespace));
  }
  return errs;
}

/** ValidatePersistentVolumeClaimSpec. */
export function validatePersistentVolumeClaimSpec(spec: PersistentVolumeClaimSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const modes = spec.accessModes ?? [];
  if (modes.length === 0) errs.push(required(path.child('accessModes'), 'at least 1 access mode is required'));
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, path.child('selector')));
  errs.push(...validateAccessModes(modes, path.child('accessModes')));

  const storagePath = path.child('resources').key('storage');
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined) {
    errs.push(required(storagePath));
  } else {
    const { quantity, errors } = parseQuantityAt(storage, storagePath);
    errs.push(...errors);
    if (quantity) {
      if (quantity.unscaled <= 0n) errs.push(invalid(storagePath, canonical(quantity), IS_NOT_POSITIVE));
      else errs.push(...validateResourceQuantityValue('storage', quantity, storagePath));
    }
  }
  if (spec.storageClassName) errs.push(...validateClassName(spec.storageClassName, path.child('storageClassName')));
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(spec.volumeMode)) {
    errs.push(notSupported(path.child('volumeMode'), spec.volumeMode, VOLUME_MODES));
  }
  if (spec.dataSource) errs.push(...validateDataSource(spec.dataSource, path.child('dataSource')));
  if (spec.dataSourceRef) errs.push(...validateDataSource(spec.dataSourceRef, path.child('dataSourceRef')));
  if (spec.dataSourceRef?.namespace) {
    if (spec.dataSource) {
      errs.push(invalid(path, path.child('dataSource').toString(), 'may not be specified when dataSourceRef.namespace is specified'));
    }
  } else if (spec.dataSource && spec.dataSourceRef) {
    const a = spec.dataSource;
    const b = spec.dataSourceRef;
    if ((a.apiGroup ?? undefined) !== (b.apiGroup ?? undefined) || a.kind !== b.kind || a.name !== b.name) {
      errs.push(invalid(path, path.child('dataSource').toString(), 'must match dataSourceRef'));
    }
  }
  if (spec.volumeAttributesClassName) {
    errs.push(...validateClassName(spec.volumeAttributesClassName, path.child('volumeAttributesClassName')));
  }
  return errs;
}

const TEMPLATE_META_ALLOWED = new Set(['labels', 'annotations']);

/** ValidateTemplateObjectMeta: embedded metadata may carry labels and annotations only. */
export function validateTemplateObjectMeta(meta: ObjectMeta | undefined, path: FieldPath): FieldError[] {
  const errs = validateAnnotations(meta?.annotations, path.child('annotations'));
  errs.push(...validateLabels(meta?.labels, path.child('labels')));
  for (const [k, v] of Object.entries(meta ?? {})) {
    if (TEMPLATE_META_ALLOWED.has(k) || v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    errs.push(forbidden(path.child(k), 'cannot be set'));
  }
  return errs;
}

/** ValidatePersistentVolumeClaimTemplate, for generic ephemeral volumes. */
export function validatePersistentVolumeClaimTemplate(template: PersistentVolumeClaimTemplate, path: FieldPath): FieldError[] {
  return [
    ...validateTemplateObjectMeta(template.metadata, path.child('metadata')),
    ...validatePersistentVolumeClaimSpec(template.spec ?? {}, path.child('spec')),
  ];
}

// ---------------------------------------------------------------------------
// PersistentVolume

export function applyPersistentVolumeDefaults(pv: PersistentVolume): void {
  const spec = (pv.spec ??= {});
  if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = 'Retain';
  spec.volumeMode ??= 'Filesystem';
  const status = (pv.status ??= {});
  if (!status.phase) status.phase = 'Pending';
}

function validateCSIDriverName(driver: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (driver.length === 0) errs.push(required(path));
  if (driver.length > 63) errs.push(tooLong(path, '', 63));
  errs.push(...wrapMessages(dns1123SubdomainMessages(driver.toLowerCase()), path, driver));
  return errs;
}

function validatePVSecretReference(ref: SecretReference, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!ref.name) errs.push(required(path.child('name')));
  else errs.push(...isDNS1123Subdomain(ref.name, path.child('name')));
  if (!ref.namespace) errs.push(required(path.child('namespace')));
  else errs.push(...isDNS1123Label(ref.namespace, path.child('namespace')));
  return errs;
}

/** ValidatePersistentVolumeSpec for a PersistentVolume object (not an inline volume). */
export function validatePersistentVolumeSpec(spec: PersistentVolumeSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const modes = spec.accessModes ?? [];
  if (modes.length === 0) errs.push(required(path.child('accessModes')));
  errs.push(...validateAccessModes(modes, path.child('accessModes')));

  const capacity = spec.capacity ?? {};
  const capPath = path.child('capacity');
  const keys = Object.keys(capacity);
  if (keys.length === 0) errs.push(required(capPath));
  if (!('storage' in capacity) || keys.length > 1) errs.push(notSupported(capPath, capacity, ['storage']));
  for (const [name, value] of Object.entries(capacity)) {
    const p = capPath.key(name);
    const { quantity, errors } = parseQuantityAt(value, p);
    errs.push(...errors);
    if (!quantity) continue;
    if (quantity.unscaled < 0n) errs.push(invalid(p, canonical(quantity), 'must be a valid resource quantity'));
    if (quantity.unscaled <= 0n) errs.push(invalid(p, canonical(quantity), IS_NOT_POSITIVE));
  }

  const policy = spec.persistentVolumeReclaimPolicy ?? '';
  if (policy !== '' && !RECLAIM_POLICIES.includes(policy)) {
    errs.push(notSupported(path.child('persistentVolumeReclaimPolicy'), policy, RECLAIM_POLICIES));
  }

  let nodeAffinitySpecified = false;
  if (spec.nodeAffinity) {
    nodeAffinitySpecified = true;
    const naPath = path.child('nodeAffinity');
    if (spec.nodeAffinity.required) errs.push(...validateNodeSelector(spec.nodeAffinity.required, false, naPath.child('required')));
    else errs.push(required(naPath.child('required'), 'must specify required node constraints'));
  }

  let numVolumes = 0;
  const more = (name: string): boolean => {
    if (numVolumes > 0) {
      errs.push(forbidden(path.child(name), 'may not specify more than 1 volume type'));
      return false;
    }
    numVolumes++;
    return true;
  };
  if (spec.hostPath && more('hostPath')) {
    const hp = path.child('hostPath');
    if (!spec.hostPath.path) errs.push(required(hp.child('path')));
    else errs.push(...validatePathNoBacksteps(spec.hostPath.path, hp.child('path')));
  }
  if (spec.nfs && more('nfs')) {
    const p = path.child('nfs');
    if (!spec.nfs.server) errs.push(required(p.child('server')));
    if (!spec.nfs.path) errs.push(required(p.child('path')));
    errs.push(...validateAbsolutePath(spec.nfs.path ?? '', p.child('path')));
  }
  if (spec.local && more('local')) {
    const p = path.child('local');
    if (!spec.local.path) errs.push(required(p.child('path')));
    else errs.push(...validatePathNoBacksteps(spec.local.path, p.child('path')));
    if (!nodeAffinitySpecified) errs.push(required(path.child('nodeAffinity'), 'Local volume requires node affinity'));
  }
  if (spec.csi && more('csi')) {
    const p = path.child('csi');
    errs.push(...validateCSIDriverName(spec.csi.driver ?? '', p.child('driver')));
    if (!spec.csi.volumeHandle) errs.push(required(p.child('volumeHandle')));
    for (const ref of ['controllerPublishSecretRef', 'controllerExpandSecretRef', 'nodePublishSecretRef', 'nodeExpandSecretRef'] as const) {
      const value = spec.csi[ref];
      if (value) errs.push(...validatePVSecretReference(value, p.child(ref)));
    }
  }
  if (numVolumes === 0) errs.push(required(path, 'must specify a volume type'));

  const hostPathIsRoot = spec.hostPath?.path !== undefined && spec.hostPath.path.replace(/\/+/g, '/').replace(/(.)\/$/, '$1') === '/';
  if (hostPathIsRoot && policy === 'Recycle') {
    errs.push(forbidden(path.child('persistentVolumeReclaimPolicy'), "may not be 'recycle' for a hostPath mount of '/'"));
  }
  if (spec.storageClassName) errs.push(...validateClassName(spec.storageClassName, path.child('storageClassName')));
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(spec.volumeMode)) {
    errs.push(notSupported(path.child('volumeMode'), spec.volumeMode, VOLUME_MODES));
  }
  if (spec.volumeAttributesClassName !== undefined) {
    if (spec.volumeAttributesClassName === '') {
      errs.push(required(path.child('volumeAttributesClassName'), 'an empty string is disallowed'));
    } else {
      errs.push(...validateClassName(spec.volumeAttributesClassName, path.child('volumeAttributesClassName')));
    }
    if (!spec.csi) errs.push(required(path.child('csi'), 'has to be specified when using volumeAttributesClassName'));
  }
  return errs;
}

function volumeSource(spec: PersistentVolumeSpec | undefined): Record<string, unknown> {
  return { hostPath: spec?.hostPath, nfs: spec?.nfs, local: spec?.local, csi: spec?.csi };
}

export function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  return validatePersistentVolumeSpec(pv.spec ?? {}, FieldPath.root('spec'));
}

export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs = validatePersistentVolume(pv);
  const next = volumeSource(pv.spec);
  const prev = volumeSource(old.spec);
  // A controllerExpandSecretRef may be added to a CSI volume that had none.
  if (old.spec?.csi && !old.spec.csi.controllerExpandSecretRef && pv.spec?.csi?.controllerExpandSecretRef) {
    next.csi = { ...pv.spec.csi, controllerExpandSecretRef: undefined };
  }
  if (!semanticEqual(next, prev)) {
    errs.push(
      forbidden(
        FieldPath.root('spec', 'persistentvolumesource'),
        `spec.persistentvolumesource is immutable after creation\n${describeChanges(prev, next, 'spec')}`,
      ),
    );
  }
  if ((pv.spec?.volumeMode ?? '') !== (old.spec?.volumeMode ?? '')) {
    errs.push(invalid(FieldPath.root('volumeMode'), pv.spec?.volumeMode ?? null, FIELD_IMMUTABLE));
  }
  if (old.spec?.nodeAffinity && !semanticEqual(pv.spec?.nodeAffinity, old.spec.nodeAffinity)) {
    errs.push(invalid(FieldPath.root('nodeAffinity'), pv.spec?.nodeAffinity ?? null, `${FIELD_IMMUTABLE}, except for updating from beta label to GA`));
  }
  if (old.spec?.volumeAttributesClassName !== undefined && pv.spec?.volumeAttributesClassName === undefined) {
    errs.push(forbidden(FieldPath.root('spec', 'volumeAttributesClassName'), 'update from non-nil value to nil is forbidden'));
  }
  return errs;
}

export const persistentVolumeStrategy: KindStrategy<PersistentVolume> = {
  applyDefaults: applyPersistentVolumeDefaults,
  prepareForCreate(pv) {
    pv.status = { phase: 'Pending', lastPhaseTransitionTime: nowRFC3339() };
  },
  validate: validatePersistentVolume,
  validateUpdate: validatePersistentVolumeUpdate,
};

// ---------------------------------------------------------------------------
// PersistentVolumeClaim

export function applyPersistentVolumeClaimDefaults(pvc: PersistentVolumeClaim): void {
  applyPersistentVolumeClaimSpecDefaults((pvc.spec ??= {}));
  const status = (pvc.status ??= {});
  if (!status.phase) status.phase = 'Pending';
}

/** EnsureDataSourceConsistency: dataSource and dataSourceRef mirror each other when only one is given. */
function syncDataSources(spec: PersistentVolumeClaimSpec): void {
  if (spec.dataSource && !spec.dataSourceRef) {
    spec.dataSourceRef = { ...spec.dataSource };
  } else if (spec.dataSourceRef && !spec.dataSource && !spec.dataSourceRef.namespace) {
    const { apiGroup, kind, name } = spec.dataSourceRef;
    // Only the kinds the old field allowed are copied back: PVCs and snapshots.
    const core = !apiGroup && kind === 'PersistentVolumeClaim';
    const snapshot = apiGroup === 'snapshot.storage.k8s.io' && kind === 'VolumeSnapshot';
    if (core || snapshot) spec.dataSource = { apiGroup, kind, name };
  }
}

export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  return validatePersistentVolumeClaimSpec(pvc.spec ?? {}, FieldPath.root('spec'));
}

function storageClassUpgradeFromAnnotation(
  oldAnnotations: Readonly<Record<string, string>>,
  newAnnotations: Readonly<Record<string, string>>,
  oldClass: string | undefined,
  newClass: string | undefined,
): boolean {
  const oldSc = oldAnnotations[BETA_STORAGE_CLASS_ANNOTATION];
  const newSc = newAnnotations[BETA_STORAGE_CLASS_ANNOTATION];
  return oldSc !== undefined && oldClass === undefined && newClass !== undefined && newClass === oldSc && (newSc === undefined || newSc === oldSc);
}

export function validatePersistentVolumeClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const errs = validatePersistentVolumeClaim(pvc);
  const newSpec: PersistentVolumeClaimSpec = structuredClone(pvc.spec ?? {});
  const oldSpec: PersistentVolumeClaimSpec = structuredClone(old.spec ?? {});
  const newAnnotations = pvc.metadata?.annotations ?? {};
  const oldAnnotations = old.metadata?.annotations ?? {};

  // The volume controller binds a claim by setting volumeName, once.
  if (!old.spec?.volumeName) oldSpec.volumeName = newSpec.volumeName;

  if (storageClassUpgradeFromAnnotation(oldAnnotations, newAnnotations, old.spec?.storageClassName, pvc.spec?.storageClassName)) {
    newSpec.storageClassName = undefined;
  } else {
    const newBeta = newAnnotations[BETA_STORAGE_CLASS_ANNOTATION] ?? '';
    const oldBeta = oldAnnotations[BETA_STORAGE_CLASS_ANNOTATION] ?? '';
    if (newBeta !== oldBeta) {
      errs.push(invalid(FieldPath.root('metadata', 'annotations', BETA_STORAGE_CLASS_ANNOTATION), newBeta, FIELD_IMMUTABLE));
    }
    const oldHasAnnotation = BETA_STORAGE_CLASS_ANNOTATION in oldAnnotations;
    const newClass = pvc.spec?.storageClassName;
    if (newClass !== undefined && old.spec?.storageClassName === undefined && (!oldHasAnnotation || newClass === oldAnnotations[BETA_STORAGE_CLASS_ANNOTATION])) {
      newSpec.storageClassName = oldSpec.storageClassName;
    }
  }

  const bound = pvc.status?.phase === 'Bound';
  if (bound && newSpec.resources?.requests) {
    const requests = { ...newSpec.resources.requests };
    const oldStorage = old.spec?.resources?.requests?.storage;
    if (oldStorage === undefined) delete requests.storage;
    else requests.storage = oldStorage;
    newSpec.resources = { ...newSpec.resources, requests };
  }
  if (bound && newSpec.volumeAttributesClassName !== undefined) newSpec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;

  if (!semanticEqual(newSpec, oldSpec)) {
    errs.push(
      forbidden(
        FieldPath.root('spec'),
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${describeChanges(oldSpec, newSpec, 'spec')}`,
      ),
    );
  }

  const newSize = pvc.spec?.resources?.requests?.storage;
  const oldSize = old.spec?.resources?.requests?.storage;
  if (newSize !== undefined && oldSize !== undefined) {
    const n = parseQuantityAt(newSize, FieldPath.root('spec')).quantity;
    const o = parseQuantityAt(oldSize, FieldPath.root('spec')).quantity;
    if (n && o && compareQuantity(n, o) < 0) {
      errs.push(forbidden(FieldPath.root('spec', 'resources', 'requests', 'storage'), 'field can not be less than previous value'));
    }
  }
  if ((pvc.spec?.volumeMode ?? '') !== (old.spec?.volumeMode ?? '')) {
    errs.push(invalid(FieldPath.root('volumeMode'), pvc.spec?.volumeMode ?? null, FIELD_IMMUTABLE));
  }
  if (old.spec?.volumeAttributesClassName !== undefined && pvc.spec?.volumeAttributesClassName !== old.spec.volumeAttributesClassName) {
    const vacPath = FieldPath.root('spec', 'volumeAttributesClassName');
    if (pvc.spec?.volumeAttributesClassName === undefined) errs.push(forbidden(vacPath, 'update from non-nil value to nil is forbidden'));
    else if (pvc.spec.volumeAttributesClassName === '') errs.push(forbidden(vacPath, 'update from non-nil value to an empty string is forbidden'));
  }
  return errs;
}

export const persistentVolumeClaimStrategy: KindStrategy<PersistentVolumeClaim> = {
  applyDefaults: applyPersistentVolumeClaimDefaults,
  prepareForCreate(pvc) {
    pvc.status = { phase: 'Pending' };
    syncDataSources((pvc.spec ??= {}));
  },
  validate: validatePersistentVolumeClaim,
  validateUpdate: validatePersistentVolumeClaimUpdate,
};
