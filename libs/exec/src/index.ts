export * from './exec-runner';
