import { apiserverV1Files as apiserverV1 } from '../generated/apiserver/v1';
import { appsV1Files as appsV1 } from '../generated/apps/v1';
import { autoscalingV1Files as autoscalingV1 } from '../generated/autoscaling/v1';
import { batchV1Files as batchV1 } from '../generated/batch/v1';
import { coordinationV1Files as coordinationV1 } from '../generated/coordination/v1';
import { coreV1Files as coreV1 } from '../generated/core/v1';
import { discoveryV1Files as discoveryV1 } from '../generated/discovery/v1';
import { metaV1Files as metaV1 } from '../generated/meta/v1';
import { schedulingV1Files as schedulingV1 } from '../generated/scheduling/v1';
import { storageV1Files as storageV1 } from '../generated/storage/v1';
import { Scheme } from '../scheme/scheme';
import { appsV1Kinds } from './apps-v1';
import { coreV1Kinds } from './core-v1';
import { batchV1Kinds, otherKinds } from './other-groups';
import { applyStrategies } from '../strategy';

const ALL_FILES = [
  ...metaV1, ...apiserverV1, ...coreV1, ...appsV1, ...batchV1, ...coordinationV1,
  ...discoveryV1, ...storageV1, ...schedulingV1, ...autoscalingV1,
];

let shared: Scheme | undefined;

/** Every kind minik8s serves, with its strategy; built once per process. */
export function defaultScheme(): Scheme {
  if (shared) return shared;
  const scheme = new Scheme(ALL_FILES);
  for (const info of [...coreV1Kinds, ...appsV1Kinds, ...batchV1Kinds, ...otherKinds]) scheme.register(info);
  applyStrategies(scheme);
  shared = scheme;
  return scheme;
}
