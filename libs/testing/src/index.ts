export * from './free-port';
export * from './wait-for';
export * from './etcd-harness';
