// The PersistentVolume binder: claims bound to matching volumes, volumes released and reclaimed.
export { persistentVolumeBinderFactory, newPersistentVolumeBinder, PersistentVolumeBinder } from './pv-binder-controller';
export type { BinderApi, BinderEventSink, PersistentVolumeBinderDeps } from './pv-binder-controller';
export { findBestMatch, mismatch, waitsForFirstConsumer, ANN_SELECTED_NODE } from './matching';
