import { newForbidden, newNotFound, type KindInfo, type Scheme } from '@minik8s/api';
import type { ObjectStore } from '../registry/object-store';
import type { WatchCaches } from '../watch/watch-caches';
import type { AdmissionPlugin, AdmissionRequest } from './admission';

/** Namespaces that always exist and may not be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/**
 * Kubernetes' NamespaceLifecycle: nothing is created in a namespace that does not exist or is
 * terminating, and the system namespaces cannot be deleted.
 */
export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';
  private readonly namespaceKind: KindInfo;

  constructor(
    private readonly store: ObjectStore,
    scheme: Scheme,
    private readonly caches?: WatchCaches,
  ) {
    const info = scheme.forKind('v1', 'Namespace');
    if (!info) throw new Error('NamespaceLifecycle needs the Namespace kind registered');
    this.namespaceKind = info;
  }

  async admit(request: AdmissionRequest): Promise<void> {
    const { info, obj, operation } = request;
    if (operation === 'DELETE' && info === this.namespaceKind) {
      const name = obj.metadata?.name ?? '';
      if ((SYSTEM_NAMESPACES as readonly string[]).includes(name)) {
        throw newForbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted');
      }
      return;
    }
    if (operation !== 'CREATE' || !info.namespaced) return;
    const namespace = obj.metadata?.namespace ?? '';
    // The watch cache answers without a trip to etcd; a namespace it has not seen yet may just
    // have been created, so a miss is checked against etcd before it is refused.
    let ns = this.caches?.get(this.namespaceKind).cached(undefined, namespace)?.obj;
    if (!ns) {
      try {
        ns = (await this.store.get(this.namespaceKind, undefined, namespace)).obj;
      } catch {
        throw newNotFound({ group: '', resource: 'namespaces' }, namespace);
      }
    }
    if (ns.metadata?.deletionTimestamp) {
      // Events may still be written while a namespace terminates, as in Kubernetes.
      if (info.group === '' && info.kind === 'Event') return;
      throw newForbidden(
        { group: info.group, resource: info.resource },
        obj.metadata?.name ?? '',
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }
}
