// Table columns and cell formatting for `minictl get`, used by the registry's kind entries.
export * from './format';
export * from './columns';
export * from './pod-status';
export * from './core-v1-columns';
export * from './apps-batch-columns';
export * from './other-groups-columns';
