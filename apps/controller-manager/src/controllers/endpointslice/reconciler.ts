// Plans the EndpointSlices of one Service: which to create, update and delete so that they hold
// one endpoint per ready-or-not pod, grouped by the ports the pods serve, at most
// maxEndpointsPerSlice each, while rewriting as few slices as possible. Pure: it reads cached
// objects and returns new ones, never changing what it was given.
import type { corev1, discoveryv1, OwnerReference } from '@minik8s/api';
import { controllerRef } from '../../shared/controller-ref';
import {
  addressTypesForService,
  endpointKey,
  endpointPorts,
  endpointsEqualBeyondKey,
  podToEndpoint,
  portMapKey,
  sameLabels,
  sliceLabels,
} from './desired-endpoints';
import { shouldPodBeInEndpoints } from './endpoint-util';

/** Kubernetes' default --max-endpoints-per-slice. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export interface SliceReconcileInput {
  service: corev1.Service;
  /** The pods the Service selects. */
  pods: readonly corev1.Pod[];
  /** The Service's slices managed by this controller and not being deleted. */
  existing: readonly discoveryv1.EndpointSlice[];
  node(name: string): corev1.Node | undefined;
  maxEndpointsPerSlice: number;
  /** The value of the managed-by label. */
  controllerName: string;
}

export interface SlicePlan {
  create: discoveryv1.EndpointSlice[];
  update: discoveryv1.EndpointSlice[];
  delete: discoveryv1.EndpointSlice[];
  /** Why some pods were left out this time (their Node is not known yet); the sync is retried. */
  problems: string[];
}

function ownedBy(slice: discoveryv1.EndpointSlice, service: corev1.Service): boolean {
  const uid = service.metadata?.uid;
  return (slice.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid && ref.kind === 'Service' && ref.apiVersion === 'v1');
}

function newSlice(service: corev1.Service, ports: readonly discoveryv1.EndpointPort[], addressType: string, controllerName: string): discoveryv1.EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${service.metadata?.name ?? ''}-`,
      namespace: service.metadata?.namespace,
      labels: sliceLabels(service, controllerName),
      ownerReferences: [controllerRef(service, 'v1', 'Service')],
    },
    addressType,
    endpoints: [],
    ports: ports.map((p) => ({ ...p })),
  };
}

/** A copy of a cached slice that may be changed: new metadata, labels and endpoints list. */
function editable(slice: discoveryv1.EndpointSlice, labels: Record<string, string>, endpoints: discoveryv1.Endpoint[]): discoveryv1.EndpointSlice {
  return { ...slice, metadata: { ...slice.metadata, labels: { ...labels } }, endpoints };
}

function refKey(ref: OwnerReference): string {
  return JSON.stringify([ref.apiVersion ?? '', ref.kind ?? '', ref.name ?? '', ref.uid ?? '', !!ref.controller, !!ref.blockOwnerDeletion]);
}

/** Whether an existing slice is already the placeholder that would replace it. */
function isSamePlaceholder(existing: discoveryv1.EndpointSlice, placeholder: discoveryv1.EndpointSlice): boolean {
  const refs = (s: discoveryv1.EndpointSlice): string[] => (s.metadata?.ownerReferences ?? []).map(refKey);
  return (
    existing.metadata?.namespace === placeholder.metadata?.namespace &&
    sameLabels(existing.metadata?.labels, placeholder.metadata?.labels) &&
    JSON.stringify(refs(existing)) === JSON.stringify(refs(placeholder)) &&
    existing.addressType === placeholder.addressType &&
    (existing.endpoints ?? []).length === 0 &&
    (existing.ports ?? []).length === 0
  );
}

/** Takes the first of the endpoints still to place. */
function pop(desired: Map<string, discoveryv1.Endpoint>): discoveryv1.Endpoint {
  const [key, endpoint] = desired.entries().next().value as [string, discoveryv1.Endpoint];
  desired.delete(key);
  return endpoint;
}

interface PortMappingPlan {
  create: discoveryv1.EndpointSlice[];
  update: discoveryv1.EndpointSlice[];
  delete: discoveryv1.EndpointSlice[];
}

/**
 * The slices of one set of ports: keep each existing endpoint that is still wanted where it is
 * (updating it if it changed), drop the rest, put new endpoints first into slices being
 * rewritten anyway (fullest first), then into one unchanged slice they fit in whole, and only
 * then into new slices.
 */
function reconcileByPortMapping(
  service: corev1.Service,
  existing: readonly discoveryv1.EndpointSlice[],
  desired: Map<string, discoveryv1.Endpoint>,
  ports: readonly discoveryv1.EndpointPort[],
  addressType: string,
  max: number,
  controllerName: string,
): PortMappingPlan {
  const labels = sliceLabels(service, controllerName);
  const byName = new Map<string, discoveryv1.EndpointSlice>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();
  const unchanged = new Set<string>();

  // 1. Existing slices keep the endpoints still wanted, in place.
  for (const slice of existing) {
    const name = slice.metadata?.name ?? '';
    byName.set(name, slice);
    const current = slice.endpoints ?? [];
    const kept: discoveryv1.Endpoint[] = [];
    let endpointChanged = false;
    for (const endpoint of current) {
      const key = endpointKey(endpoint);
      const wanted = desired.get(key);
      if (!wanted) continue;
      kept.push(wanted);
      if (!endpointsEqualBeyondKey(wanted, endpoint)) endpointChanged = true;
      // Placed now; a copy of it in another slice is dropped there.
      desired.delete(key);
    }
    if (endpointChanged || kept.length !== current.length) {
      if (kept.length === 0) {
        toDelete.add(name);
      } else {
        byName.set(name, editable(slice, labels, kept));
        toUpdate.add(name);
      }
    } else if (!sameLabels(slice.metadata?.labels, labels)) {
      byName.set(name, editable(slice, labels, [...current]));
      toUpdate.add(name);
    } else {
      unchanged.add(name);
    }
  }

  // 2. New endpoints go first into the slices being written anyway, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].map((name) => byName.get(name) as discoveryv1.EndpointSlice);
    slices.sort((a, b) => (b.endpoints ?? []).length - (a.endpoints ?? []).length);
    for (const slice of slices) {
      const endpoints = slice.endpoints as discoveryv1.Endpoint[];
      while (desired.size > 0 && endpoints.length < max) endpoints.push(pop(desired));
    }
  }

  // 3. The rest fill an unchanged slice they fit in whole, or new slices.
  const create: discoveryv1.EndpointSlice[] = [];
  while (desired.size > 0) {
    let target: discoveryv1.EndpointSlice | undefined;
    if (desired.size < max && unchanged.size > 0) {
      const fit = closestFit(
        [...unchanged].map((name) => byName.get(name) as discoveryv1.EndpointSlice),
        desired.size,
        max,
      );
      if (fit) {
        target = editable(fit, labels, [...(fit.endpoints ?? [])]);
        byName.set(fit.metadata?.name ?? '', target);
      }
    }
    target ??= newSlice(service, ports, addressType, controllerName);
    const endpoints = target.endpoints as discoveryv1.Endpoint[];
    while (desired.size > 0 && endpoints.length < max) endpoints.push(pop(desired));
    const name = target.metadata?.name;
    if (name) {
      toUpdate.add(name);
      unchanged.delete(name);
    } else {
      create.push(target);
    }
  }

  return {
    create,
    update: [...toUpdate].map((name) => byName.get(name) as discoveryv1.EndpointSlice),
    delete: [...toDelete].map((name) => byName.get(name) as discoveryv1.EndpointSlice),
  };
}

/** The slice that `count` more endpoints fill most nearly without overflowing, if any. */
function closestFit(slices: readonly discoveryv1.EndpointSlice[], count: number, max: number): discoveryv1.EndpointSlice | undefined {
  let best: discoveryv1.EndpointSlice | undefined;
  let bestRoom = max;
  for (const slice of slices) {
    const room = max - (count + (slice.endpoints ?? []).length);
    if (room >= 0 && room < bestRoom) {
      best = slice;
      bestRoom = room;
      if (room === 0) break;
    }
  }
  return best;
}

/** The slices of one address type. */
function reconcileByAddressType(input: SliceReconcileInput, existing: readonly discoveryv1.EndpointSlice[], addressType: string, problems: string[]): PortMappingPlan {
  const { service, maxEndpointsPerSlice: max, controllerName } = input;
  const namespace = service.metadata?.namespace ?? '';
  let create: discoveryv1.EndpointSlice[] = [];
  const update: discoveryv1.EndpointSlice[] = [];
  let remove: discoveryv1.EndpointSlice[] = [];

  const existingByPorts = new Map<string, discoveryv1.EndpointSlice[]>();
  for (const slice of existing) {
    if (!ownedBy(slice, service)) {
      // A slice of an earlier Service of this name (the garbage collector's), or somebody's copy.
      remove.push(slice);
      continue;
    }
    const key = portMapKey(slice.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), slice]);
  }

  const desiredByPorts = new Map<string, { ports: discoveryv1.EndpointPort[]; endpoints: Map<string, discoveryv1.Endpoint> }>();
  for (const pod of input.pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(service, pod);
    const key = portMapKey(ports);
    let group = desiredByPorts.get(key);
    if (!group) desiredByPorts.set(key, (group = { ports, endpoints: new Map() }));
    const nodeName = pod.spec?.nodeName ?? '';
    const node = nodeName ? input.node(nodeName) : undefined;
    if (!node && !service.spec?.publishNotReadyAddresses) {
      // Left out until its Node shows up (or the pod goes), so it never pins a slice forever;
      // published anyway when the Service asks for every address.
      problems.push(`skipping Pod ${pod.metadata?.name} for Service ${namespace}/${service.metadata?.name}: Node ${nodeName} Not Found`);
      continue;
    }
    const endpoint = podToEndpoint(pod, node, service, addressType);
    if ((endpoint.addresses ?? []).length > 0) group.endpoints.set(endpointKey(endpoint), endpoint);
  }

  for (const [key, group] of desiredByPorts) {
    const plan = reconcileByPortMapping(service, existingByPorts.get(key) ?? [], group.endpoints, group.ports, addressType, max, controllerName);
    create.push(...plan.create);
    update.push(...plan.update);
    remove.push(...plan.delete);
  }
  // Slices of port sets no pod serves any more.
  for (const [key, slices] of existingByPorts) if (!desiredByPorts.has(key)) remove.push(...slices);

  // A Service with no endpoints still has one, empty, slice.
  if (existing.length === remove.length && create.length === 0) {
    const placeholder = newSlice(service, [], addressType, controllerName);
    if (remove.length === 1 && isSamePlaceholder(remove[0], placeholder)) remove = [];
    else create.push(placeholder);
  }

  // Rather than delete one slice and create another, rewrite the one being deleted.
  const remaining: discoveryv1.EndpointSlice[] = [];
  for (const old of remove) {
    const replacement = create.at(-1);
    if (replacement && old.addressType === replacement.addressType && ownedBy(old, service)) {
      create = create.slice(0, -1);
      update.push({
        ...replacement,
        metadata: { ...replacement.metadata, name: old.metadata?.name, uid: old.metadata?.uid, resourceVersion: old.metadata?.resourceVersion },
      });
    } else {
      remaining.push(old);
    }
  }
  return { create, update, delete: remaining };
}

/** Plans the slices of a Service that has a selector. */
export function planSlices(input: SliceReconcileInput): SlicePlan {
  const types = addressTypesForService(input.service);
  const byType = new Map<string, discoveryv1.EndpointSlice[]>(types.map((t) => [t, []]));
  const unsupported: discoveryv1.EndpointSlice[] = [];
  for (const slice of input.existing) {
    const group = byType.get(slice.addressType ?? '');
    if (group) group.push(slice);
    else unsupported.push(slice);
  }
  const plan: SlicePlan = { create: [], update: [], delete: [], problems: [] };
  for (const [addressType, existing] of byType) {
    const part = reconcileByAddressType(input, existing, addressType, plan.problems);
    plan.create.push(...part.create);
    plan.update.push(...part.update);
    plan.delete.push(...part.delete);
  }
  plan.delete.push(...unsupported);
  return plan;
}
