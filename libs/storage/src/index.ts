export * from './etcd-store';
