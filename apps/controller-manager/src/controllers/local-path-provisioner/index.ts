// The built-in local-path provisioner: hostPath volumes for claims of `minik8s.io/local-path` classes.
export { localPathProvisionerFactory, newLocalPathProvisioner, LocalPathProvisioner } from './local-path-provisioner-controller';
export type { LocalPathProvisionerDeps, ProvisionerApi, ProvisionerEventSink } from './local-path-provisioner-controller';
export { LOCAL_PATH_PROVISIONER, LOCAL_PATH_FINALIZER, DEFAULT_BASE_PATH } from './volume-plan';
export { helperPod, type HelperPodSpec } from './helper-pod';
export { DEFAULT_HELPER_IMAGE } from './volume-plan';
