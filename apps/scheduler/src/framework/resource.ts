import { parseQuantity, toMilli, toValue, type corev1 } from '@minik8s/api';

/**
 * Resource amounts as plain numbers, the way the scheduler compares them on every node of every
 * cycle: cpu in millicores, everything else in whole units (bytes, pods, devices). Numbers hold
 * any realistic amount exactly (2^53 bytes is 8 PiB).
 */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  /** Extended resources, hugepages and the like, by name; absent when there are none. */
  scalar?: Map<string, number>;
}

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** Requests the scoring counts for a container that asks for none (schedutil's non-zero defaults). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0 };
}

export function cloneResource(r: Resource): Resource {
  return {
    milliCPU: r.milliCPU,
    memory: r.memory,
    ephemeralStorage: r.ephemeralStorage,
    allowedPodNumber: r.allowedPodNumber,
    scalar: r.scalar ? new Map(r.scalar) : undefined,
  };
}

/** Kubernetes' IsScalarResourceName: extended (domain-prefixed), hugepages and attachable volumes. */
export function isScalarResourceName(name: string): boolean {
  return name.includes('/') || name.startsWith('hugepages-') || name.startsWith('attachable-volumes-');
}

const quantityCache = new Map<string, number>();
const milliCache = new Map<string, number>();

/** Whole units of a quantity string, rounded up as Quantity.Value does; invalid strings count as 0. */
export function quantityValue(s: string): number {
  let v = quantityCache.get(s);
  if (v === undefined) {
    try {
      v = Number(toValue(parseQuantity(s)));
    } catch {
      v = 0;
    }
    if (quantityCache.size < 10_000) quantityCache.set(s, v);
  }
  return v;
}

/** Thousandths of a quantity string (cpu), rounded up as Quantity.MilliValue does. */
export function quantityMilli(s: string): number {
  let v = milliCache.get(s);
  if (v === undefined) {
    try {
      v = Number(toMilli(parseQuantity(s)));
    } catch {
      v = 0;
    }
    if (milliCache.size < 10_000) milliCache.set(s, v);
  }
  return v;
}

/** Adds one resource list (`{cpu: '500m', memory: '1Gi'}`) into `into`. */
export function addResourceList(into: Resource, list: Readonly<Record<string, string>> | undefined): void {
  if (!list) return;
  for (const name in list) {
    const value = list[name];
    switch (name) {
      case CPU:
        into.milliCPU += quantityMilli(value);
        break;
      case MEMORY:
        into.memory += quantityValue(value);
        break;
      case EPHEMERAL_STORAGE:
        into.ephemeralStorage += quantityValue(value);
        break;
      case PODS:
        into.allowedPodNumber += quantityValue(value);
        break;
      default:
        if (isScalarResourceName(name)) {
          into.scalar ??= new Map();
          into.scalar.set(name, (into.scalar.get(name) ?? 0) + quantityValue(value));
        }
    }
  }
}

export function resourceFromList(list: Readonly<Record<string, string>> | undefined): Resource {
  const r = emptyResource();
  addResourceList(r, list);
  return r;
}

export function addResource(into: Resource, r: Resource): void {
  into.milliCPU += r.milliCPU;
  into.memory += r.memory;
  into.ephemeralStorage += r.ephemeralStorage;
  into.allowedPodNumber += r.allowedPodNumber;
  if (r.scalar) {
    into.scalar ??= new Map();
    for (const [name, v] of r.scalar) into.scalar.set(name, (into.scalar.get(name) ?? 0) + v);
  }
}

export function subtractResource(from: Resource, r: Resource): void {
  from.milliCPU -= r.milliCPU;
  from.memory -= r.memory;
  from.ephemeralStorage -= r.ephemeralStorage;
  from.allowedPodNumber -= r.allowedPodNumber;
  if (r.scalar && from.scalar) {
    for (const [name, v] of r.scalar) from.scalar.set(name, (from.scalar.get(name) ?? 0) - v);
  }
}

/** `into = max(into, r)` per resource. */
function maxResource(into: Resource, r: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, r.milliCPU);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  if (r.scalar) {
    into.scalar ??= new Map();
    for (const [name, v] of r.scalar) into.scalar.set(name, Math.max(into.scalar.get(name) ?? 0, v));
  }
}

function containerRequests(c: corev1.Container, nonZero: boolean): Resource {
  const r = resourceFromList(c.resources?.requests);
  if (nonZero) {
    const requests = c.resources?.requests;
    if (!requests || requests[CPU] === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!requests || requests[MEMORY] === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

export function isRestartableInitContainer(c: corev1.Container): boolean {
  return c.restartPolicy === 'Always';
}

/**
 * What a pod asks of its node, as Kubernetes' resource helper counts it: the app containers
 * plus the sidecars (restartable init containers) run together; each plain init container runs
 * alone beside the sidecars started before it; the pod needs the larger of the two peaks, plus
 * its overhead. Pod-level requests, where set, decide for cpu and memory. With `nonZero`, a
 * container without a cpu or memory request counts the scheduler's defaults (for scoring).
 */
export function computePodRequests(spec: corev1.PodSpec | undefined, nonZero = false): Resource {
  const reqs = emptyResource();
  if (!spec) return reqs;
  for (const c of spec.containers ?? []) addResource(reqs, containerRequests(c, nonZero));
  const initPeak = emptyResource();
  const sidecars = emptyResource();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (isRestartableInitContainer(c)) {
      addResource(reqs, r);
      addResource(sidecars, r);
      // Starting this sidecar, every sidecar so far runs.
      maxResource(initPeak, sidecars);
    } else {
      const running = cloneResource(sidecars);
      addResource(running, r);
      maxResource(initPeak, running);
    }
  }
  maxResource(reqs, initPeak);
  const podLevel = spec.resources?.requests;
  if (podLevel) {
    if (podLevel[CPU] !== undefined) reqs.milliCPU = quantityMilli(podLevel[CPU]);
    if (podLevel[MEMORY] !== undefined) reqs.memory = quantityValue(podLevel[MEMORY]);
  }
  if (spec.overhead) {
    const overhead = resourceFromList(spec.overhead);
    overhead.allowedPodNumber = 0;
    addResource(reqs, overhead);
  }
  reqs.allowedPodNumber = 0;
  return reqs;
}

export function isZeroRequest(r: Resource): boolean {
  if (r.milliCPU !== 0 || r.memory !== 0 || r.ephemeralStorage !== 0) return false;
  if (r.scalar) for (const v of r.scalar.values()) if (v !== 0) return false;
  return true;
}
