export * from './unary-client';
export * from './server';
