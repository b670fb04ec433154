/**
 * Resource names and quantities as core/v1 validates them: container
 * requirements, quota and limit-range names, and the quantity checks all of
 * them share (Kubernetes' `helper.IsStandardResourceName` and friends).
 */
import { type Quantity, QuantityParseError, compareQuantity, formatQuantity, parseQuantity, toMilli } from '../quantity';
import { type FieldError, type FieldPath, duplicate, forbidden, invalid, notFound, required } from '../validation/field-path';
import { isDNS1123Label, qualifiedNameMessages } from '../validation/primitives';

export type ResourceList = Readonly<Record<string, string>>;

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);

const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'services.nodeports',
  'services.loadbalancers',
]);

const INTEGER_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-');
}

function isQuotaHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
}

/** Unprefixed names and names under kubernetes.io belong to Kubernetes. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** A device-plugin style name such as `example.com/gpu`. */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return qualifiedNameMessages(`requests.${name}`).length === 0;
}

/** Whether requests may be lower than limits; extended resources and hugepages may not. */
export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

export function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}

export function isStandardContainerResourceName(name: string): boolean {
  return STANDARD_CONTAINER_RESOURCES.has(name) || isHugePageResourceName(name);
}

export function isStandardQuotaResourceName(name: string): boolean {
  return STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}

function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
}

/** Parses a quantity string; a bad one becomes apimachinery's parse message as an Invalid error. */
export function parseQuantityAt(value: string, path: FieldPath): { quantity?: Quantity; errors: FieldError[] } {
  try {
    return { quantity: parseQuantity(value), errors: [] };
  } catch (e) {
    if (e instanceof QuantityParseError) return { errors: [invalid(path, value, e.message)] };
    throw e;
  }
}

/** A quantity's canonical text, as resource.Quantity.String() prints it. */
export function canonical(q: Quantity): string {
  return formatQuantity(q);
}

/** ValidateResourceName: a qualified name, and a standard one when unprefixed. */
export function validateResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = qualifiedNameMessages(name).map((m) => invalid(path, name, m));
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !isStandardResourceName(name)) {
    errs.push(invalid(path, name, 'must be a standard resource type or fully qualified'));
  }
  return errs;
}

/** validateContainerResourceName: cpu, memory, ephemeral-storage, hugepages-* or an extended resource. */
export function validateContainerResourceName(name: string, path: FieldPath): FieldError[] {
  // The names nearly every container uses pass every check below.
  if (STANDARD_CONTAINER_RESOURCES.has(name)) return [];
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!isStandardContainerResourceName(name)) {
      errs.push(invalid(path, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** ValidateResourceQuotaResourceName. */
export function validateQuotaResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/') && !isStandardQuotaResourceName(name)) {
    errs.push(invalid(path, name, 'must be a standard resource for quota'));
  }
  return errs;
}

/** ValidateResourceQuantityValue: not negative, and whole for countable resources. */
export function validateResourceQuantityValue(name: string, q: Quantity, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (q.unscaled < 0n) errs.push(invalid(path, canonical(q), 'must be greater than or equal to 0'));
  if (isIntegerResourceName(name) && toMilli(q) % 1000n !== 0n) errs.push(invalid(path, canonical(q), 'must be an integer'));
  return errs;
}

/** One entry of a resource list: its name, its quantity and the quantity's value; the quantity when it parses. */
function checkResourceEntry(
  name: string,
  value: string,
  nameFn: (name: string, path: FieldPath) => FieldError[],
  path: FieldPath,
  errors: FieldError[],
): Quantity | undefined {
  const p = path.key(name);
  for (const e of nameFn(name, p)) errors.push(e);
  let quantity: Quantity;
  try {
    quantity = parseQuantity(value);
  } catch (e) {
    if (e instanceof QuantityParseError) {
      errors.push(invalid(p, value, e.message));
      return undefined;
    }
    throw e;
  }
  if (quantity.unscaled < 0n || !isPlainCpuOrMemory(name)) {
    for (const e of validateResourceQuantityValue(name, quantity, p)) errors.push(e);
  }
  return quantity;
}

/** cpu and memory are never integer resources, so a non-negative one needs no value check. */
function isPlainCpuOrMemory(name: string): boolean {
  return name === 'cpu' || name === 'memory';
}

/** Parses and checks every entry of a resource list; returns the parsed quantities of the valid ones. */
export function validateResourceList(
  list: ResourceList | undefined,
  nameFn: (name: string, path: FieldPath) => FieldError[],
  path: FieldPath,
): { quantities: Map<string, Quantity>; errors: FieldError[] } {
  const quantities = new Map<string, Quantity>();
  const errors: FieldError[] = [];
  if (list === undefined) return { quantities, errors };
  for (const name in list) {
    const quantity = checkResourceEntry(name, list[name], nameFn, path, errors);
    if (quantity) quantities.set(name, quantity);
  }
  return { quantities, errors };
}

export interface ResourceRequirementsLike {
  limits?: ResourceList | undefined;
  requests?: ResourceList | undefined;
  claims?: readonly { name?: string | undefined; request?: string | undefined }[] | undefined;
}

/**
 * validateResourceRequirements: names, quantities, requests ≤ limits (equal for
 * resources that cannot be overcommitted), hugepages alongside cpu or memory,
 * and claims that name entries of the pod's resourceClaims.
 */
export function validateResourceRequirements(
  req: ResourceRequirementsLike | undefined,
  nameFn: (name: string, path: FieldPath) => FieldError[],
  podClaimNames: ReadonlySet<string>,
  path: FieldPath,
): FieldError[] {
  if (!req) return [];
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const errs: FieldError[] = [];
  const limits = validateResourceList(req.limits, nameFn, limPath);
  for (const e of limits.errors) errs.push(e);
  let cpuOrMemory = false;
  let hugePages = false;
  for (const name in req.limits) {
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
    if (isHugePageResourceName(name)) hugePages = true;
  }
  // Each request in turn: its name, its quantity, then how it compares with its limit.
  const requests = req.requests;
  for (const name in requests) {
    const q = checkResourceEntry(name, requests[name], nameFn, reqPath, errs);
    const limit = limits.quantities.get(name);
    if (q && limit !== undefined) {
      const cmp = compareQuantity(q, limit);
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        errs.push(invalid(reqPath, canonical(q), `must be equal to ${name} limit of ${canonical(limit)}`));
      } else if (cmp > 0) {
        errs.push(invalid(reqPath, canonical(q), `must be less than or equal to ${name} limit of ${canonical(limit)}`));
      }
    } else if (!(name in (req.limits ?? {})) && !isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
    if (isHugePageResourceName(name)) hugePages = true;
  }
  if (!cpuOrMemory && hugePages) errs.push(forbidden(path, 'HugePages require cpu or memory'));
  if (req.claims !== undefined && req.claims.length > 0) {
    for (const e of validateResourceClaimNames(req.claims, podClaimNames, path.child('claims'))) errs.push(e);
  }
  return errs;
}

function validateResourceClaimNames(
  claims: readonly { name?: string | undefined; request?: string | undefined }[],
  podClaimNames: ReadonlySet<string>,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  claims.forEach((claim, i) => {
    const name = claim.name ?? '';
    const request = claim.request ?? '';
    if (name === '') {
      errs.push(required(path.index(i)));
      return;
    }
    if (names.has(name)) {
      errs.push(duplicate(path.index(i), name));
    } else {
      let key = name;
      if (request !== '') {
        errs.push(...isDNS1123Label(request, path.index(i).child('request')));
        key += `/${request}`;
      }
      if (names.has(key)) {
        errs.push(duplicate(path.index(i), key));
      } else if (request === '') {
        for (const existing of names) {
          const slash = existing.indexOf('/');
          if (slash >= 0 && existing.slice(0, slash) === name) errs.push(duplicate(path.index(i), name));
        }
      }
      names.add(key);
    }
    if (!podClaimNames.has(name)) {
      const e = notFound(path.index(i), name);
      const known = [...podClaimNames].sort();
      e.detail = `must be one of the names in pod.spec.resourceClaims${known.length === 0 ? ' which is empty' : `: ${known.join(', ')}`}`;
      errs.push(e);
    }
  });
  return errs;
}
