import type { KindInfo } from '@minik8s/api';

/** etcd keys as ARCHITECTURE.md fixes them: <prefix>/<resource>/<namespace>/<name>. */
export class ObjectKeys {
  constructor(readonly prefix: string) {}

  resourcePrefix(info: KindInfo): string {
    return `${this.prefix}/${this.resourceSegment(info)}/`;
  }

  namespacePrefix(info: KindInfo, namespace: string | undefined): string {
    return info.namespaced && namespace ? `${this.resourcePrefix(info)}${namespace}/` : this.resourcePrefix(info);
  }

  key(info: KindInfo, namespace: string | undefined, name: string): string {
    return info.namespaced ? `${this.resourcePrefix(info)}${namespace ?? ''}/${name}` : `${this.resourcePrefix(info)}${name}`;
  }

  /** Namespace and name back from a key under the resource's prefix. */
  parse(info: KindInfo, key: string): { namespace?: string; name: string } {
    const rest = key.slice(this.resourcePrefix(info).length);
    if (!info.namespaced) return { name: rest };
    const slash = rest.indexOf('/');
    return { namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
  }

  // Bare resource names, as Kubernetes keys them; the scheme refuses two kinds of one resource name.
  private resourceSegment(info: KindInfo): string {
    return info.resource;
  }
}
