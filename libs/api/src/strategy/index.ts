import type { Scheme } from '../scheme/scheme';
import { registerAppsV1Strategies } from './apps-v1';
import { registerCoreV1Strategies } from './core-v1';
import { registerOtherStrategies } from './other-groups';

/** Attaches each kind's defaults and validation to the scheme. */
export function applyStrategies(scheme: Scheme): void {
  registerCoreV1Strategies(scheme);
  registerAppsV1Strategies(scheme);
  registerOtherStrategies(scheme);
}
