export * from './docker-images';
