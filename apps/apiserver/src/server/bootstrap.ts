import { isAlreadyExists, type Scheme } from '@minik8s/api';
import type { GenericRegistry } from '../registry/generic-registry';
import { SYSTEM_NAMESPACES } from '../admission/namespace-lifecycle';
import { SYSTEM_PRIORITY_CLASSES } from '../admission/priority';

/** Creates what every cluster has from the start; safe to run on every start of every apiserver. */
export async function ensureSystemNamespaces(scheme: Scheme, registry: GenericRegistry): Promise<void> {
  const info = scheme.forKind('v1', 'Namespace');
  if (!info) throw new Error('the Namespace kind is not registered');
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await registry.create(info, undefined, { metadata: { name } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}

export async function ensureSystemPriorityClasses(scheme: Scheme, registry: GenericRegistry): Promise<void> {
  const info = scheme.forKind('scheduling.k8s.io/v1', 'PriorityClass');
  if (!info) throw new Error('the PriorityClass kind is not registered');
  for (const priorityClass of SYSTEM_PRIORITY_CLASSES) {
    try {
      await registry.create(info, undefined, structuredClone(priorityClass));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}
