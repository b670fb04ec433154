export * from './flags';
export * from './duration';
