import type { Scheme } from '../scheme/scheme';

export function registerCoreV1Strategies(scheme: Scheme): void {
  void scheme;
}
