export * from './free-port';
export * from './wait-for';
export * from './child-process';
export * from './etcd-harness';
export * from './apiserver-harness';
export * from './control-plane-harness';
export * from './docker';
