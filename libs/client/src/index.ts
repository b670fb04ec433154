export * from './api-client';
export * from './kinds';
export * from './clock';
export * from './object-key';
export * from './indexer';
export * from './informer';
export * from './workqueue';
export * from './leader-election';
