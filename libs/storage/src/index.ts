export * from './etcd-store';
export { LeaseManager, type LeaseManagerOptions } from './lease-manager';
