export * from './status-error';
export * from './constructors';
export * from './grpc-status';
