import type { Scheme } from '../scheme/scheme';

export function registerOtherStrategies(scheme: Scheme): void {
  void scheme;
}
