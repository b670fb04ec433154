import type { Scheme } from '../scheme/scheme';

export function registerAppsV1Strategies(scheme: Scheme): void {
  void scheme;
}
