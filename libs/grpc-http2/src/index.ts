export * from './unary-client';
