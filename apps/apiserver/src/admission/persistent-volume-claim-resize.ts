import { compareQuantity, newForbidden, parseQuantity, type corev1 } from '@minik8s/api';
import type { AdmissionPlugin, AdmissionRequest } from './admission';
import type { StorageClassLookup } from './storage-classes';

function grows(next: string | undefined, prev: string | undefined): boolean {
  if (!next || !prev) return false;
  try {
    return compareQuantity(parseQuantity(next), parseQuantity(prev)) > 0;
  } catch {
    return false;
  }
}

/**
 * Kubernetes' PersistentVolumeClaimResize admission: a claim may ask for more storage only when
 * its StorageClass says `allowVolumeExpansion: true`; otherwise the update is refused, with
 * Kubernetes' message, rather than accepted and never acted on.
 */
export class PersistentVolumeClaimResize implements AdmissionPlugin {
  readonly name = 'PersistentVolumeClaimResize';

  constructor(private readonly classes: StorageClassLookup) {}

  async admit(request: AdmissionRequest): Promise<void> {
    if (request.operation !== 'UPDATE' || request.info.group !== '' || request.info.kind !== 'PersistentVolumeClaim') return;
    const claim = request.obj as corev1.PersistentVolumeClaim;
    const old = request.old as corev1.PersistentVolumeClaim | undefined;
    if (!grows(claim.spec?.resources?.requests?.storage, old?.spec?.resources?.requests?.storage)) return;
    const className = claim.spec?.storageClassName ?? '';
    const klass = className ? await this.classes.get(className) : undefined;
    if (klass?.allowVolumeExpansion === true) return;
    throw newForbidden(
      { group: '', resource: 'persistentvolumeclaims' },
      claim.metadata?.name ?? '',
      'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    );
  }
}
