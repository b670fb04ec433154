import { isAlreadyExists, type Scheme } from '@minik8s/api';
import type { GenericRegistry } from '../registry/generic-registry';
import { SYSTEM_NAMESPACES } from '../admission/namespace-lifecycle';

/** Creates the namespaces every cluster has; safe to run on every start of every apiserver. */
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
