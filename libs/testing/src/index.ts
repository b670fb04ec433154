export * from './free-port';
export * from './wait-for';
export * from './etcd-harness';
export * from './apiserver-harness';
export * from './docker';
