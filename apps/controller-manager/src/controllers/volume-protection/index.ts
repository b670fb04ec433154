// The pvc-protection and pv-protection controllers: in-use claims and volumes are not removed.
export {
  pvcProtectionControllerFactory,
  pvProtectionControllerFactory,
  newPvcProtectionController,
  newPvProtectionController,
  PvcProtectionController,
  PvProtectionController,
} from './volume-protection-controller';
export { PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER } from './in-use';
