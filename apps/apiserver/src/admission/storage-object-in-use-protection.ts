import type { ApiObject } from '@minik8s/api';
import type { AdmissionPlugin, AdmissionRequest } from './admission';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/**
 * Kubernetes' StorageObjectInUseProtection admission: every new claim gets the
 * `kubernetes.io/pvc-protection` finalizer and every new volume `kubernetes.io/pv-protection`,
 * so that deleting one a pod still uses (or a claim still holds) only marks it; the
 * controller-manager's pvc-protection and pv-protection controllers let it go once unused.
 */
export class StorageObjectInUseProtection implements AdmissionPlugin {
  readonly name = 'StorageObjectInUseProtection';

  async admit(request: AdmissionRequest): Promise<void> {
    if (request.operation !== 'CREATE' || request.info.group !== '') return;
    const finalizer =
      request.info.kind === 'PersistentVolumeClaim' ? PVC_PROTECTION_FINALIZER : request.info.kind === 'PersistentVolume' ? PV_PROTECTION_FINALIZER : undefined;
    if (!finalizer) return;
    const meta = ((request.obj as ApiObject).metadata ??= {});
    if (!(meta.finalizers ?? []).includes(finalizer)) meta.finalizers = [...(meta.finalizers ?? []), finalizer];
  }
}
