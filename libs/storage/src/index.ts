export * from './etcd-store';
export { LeaseManager, type LeaseManagerOptions } from './lease-manager';
export { Compactor, COMPACT_REVISION_KEY } from './compactor';
