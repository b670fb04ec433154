// The discovery document: every resource the server serves, and, as Kubernetes lists them, each
// subresource as an entry of its own (`pods/log`, `deployments/scale`) with its kind and the verbs
// this server answers on it. Clients that show resources (api-resources) skip the `x/y` entries.

import type { APIResource, KindInfo, Scheme, Subresource } from '@minik8s/api';

const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/**
 * Kind and verbs of each subresource, as Kubernetes' discovery names them; a verb is listed only
 * where this server serves it (scale is read and replaced, not patched).
 */
const SUBRESOURCES: Record<Subresource, { kind?: string; verbs: string[] }> = {
  status: { verbs: ['get', 'patch', 'update'] },
  scale: { kind: 'Scale', verbs: ['get', 'update'] },
  binding: { kind: 'Binding', verbs: ['create'] },
  finalize: { verbs: ['update'] },
  // The streams (served by the PodStreams service) carry Kubernetes' verbs for them.
  log: { verbs: ['get'] },
  exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
  attach: { kind: 'PodAttachOptions', verbs: ['create', 'get'] },
  portforward: { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
};

function resourceEntry(info: KindInfo): APIResource {
  return {
    name: info.resource,
    singularName: info.singular,
    namespaced: info.namespaced,
    group: info.group,
    version: info.version,
    kind: info.kind,
    verbs: [...RESOURCE_VERBS],
    shortNames: [...info.shortNames],
    categories: [...(info.categories ?? [])],
    subresources: [...info.subresources],
  };
}

/** `resource/subresource` entries: Kubernetes leaves their singular name, short names and categories empty. */
function subresourceEntries(info: KindInfo): APIResource[] {
  return [...info.subresources].sort().map((sub) => ({
    name: `${info.resource}/${sub}`,
    singularName: '',
    namespaced: info.namespaced,
    group: info.group,
    version: info.version,
    kind: SUBRESOURCES[sub].kind ?? info.kind,
    verbs: [...SUBRESOURCES[sub].verbs],
    shortNames: [],
    categories: [],
    subresources: [],
  }));
}

/** Every resource of the scheme, each followed by its subresources. */
export function discoveryResources(scheme: Scheme): APIResource[] {
  return scheme.all().flatMap((info) => [resourceEntry(info), ...subresourceEntries(info)]);
}
