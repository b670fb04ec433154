import type { corev1, storagev1 } from '@minik8s/api';
import type { AdmissionPlugin, AdmissionRequest } from './admission';
import type { StorageClassLookup } from './storage-classes';

export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

export function isDefaultClass(klass: storagev1.StorageClass): boolean {
  const a = klass.metadata?.annotations ?? {};
  return a[ANN_DEFAULT_CLASS] === 'true' || a[ANN_BETA_DEFAULT_CLASS] === 'true';
}

/** With several default classes, Kubernetes takes the newest (then the first by name). */
export function pickDefaultClass(classes: readonly storagev1.StorageClass[]): storagev1.StorageClass | undefined {
  const created = (c: storagev1.StorageClass): number => Date.parse(c.metadata?.creationTimestamp ?? '') || 0;
  return classes
    .filter(isDefaultClass)
    .sort((a, b) => created(b) - created(a) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
}

/**
 * Kubernetes' DefaultStorageClass admission: a claim created without storageClassName gets the
 * class annotated `storageclass.kubernetes.io/is-default-class: "true"`. An explicit "" means
 * "no class" and is left alone, and with no default class nothing changes.
 */
export class DefaultStorageClass implements AdmissionPlugin {
  readonly name = 'DefaultStorageClass';

  constructor(private readonly classes: StorageClassLookup) {}

  async admit(request: AdmissionRequest): Promise<void> {
    if (request.operation !== 'CREATE' || request.info.group !== '' || request.info.kind !== 'PersistentVolumeClaim') return;
    const spec = ((request.obj as corev1.PersistentVolumeClaim).spec ??= {});
    if (spec.storageClassName !== undefined) return;
    const klass = pickDefaultClass(await this.classes.list());
    if (klass?.metadata?.name) spec.storageClassName = klass.metadata.name;
  }
}
