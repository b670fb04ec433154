export * from './generated/meta/v1/meta';
