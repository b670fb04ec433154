// The `kubernetes` Service in `default`, and its endpoints: the apiserver keeps them itself.
export { KubernetesServiceReconciler, type KubernetesServiceOptions } from './kubernetes-service-reconciler';
export { AdvertiseAddressError, loopbackAddress, resolveAdvertiseAddress } from './advertise-address';
export { firstServiceIP } from './desired';
